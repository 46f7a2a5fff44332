package plugins

import (
	"math"

	"github.com/kubetwin/kubetwin/core/api"
)

// pickCandidate applies Kubernetes' order: a candidate without victims wins
// outright; then (no PDB violations here) the lowest highest-victim
// priority, the smallest sum of priorities, the fewest victims, the latest
// start among the highest-priority victims; remaining ties are broken by
// the seeded rand (the first in dry-run order without one).
func (pl *DefaultPreemption) pickCandidate(cands []candidate) candidate {
	for _, c := range cands {
		if len(c.victims) == 0 {
			return c
		}
	}
	keys := []func(candidate) int64{
		func(c candidate) int64 { return int64(podPriority(c.victims[0])) },
		sumPriorities,
		func(c candidate) int64 { return int64(len(c.victims)) },
		func(c candidate) int64 { return -earliestTopStart(c) },
	}
	for _, key := range keys {
		cands = keepMin(cands, key)
		if len(cands) == 1 {
			return cands[0]
		}
	}
	if r := pl.handle.Rand(); r != nil {
		return cands[r.IntN(len(cands))]
	}
	return cands[0]
}

// keepMin keeps the candidates with the smallest key, in order, filtering
// cands in place.
func keepMin(cands []candidate, key func(candidate) int64) []candidate {
	best, n := int64(math.MaxInt64), 0
	for _, c := range cands {
		k := key(c)
		if k < best {
			best, n = k, 0
		}
		if k == best {
			cands[n] = c
			n++
		}
	}
	return cands[:n]
}

// sumPriorities sums victim priorities shifted to be positive, so more victims never sum lower.
func sumPriorities(c candidate) int64 {
	var sum int64
	for _, v := range c.victims {
		sum += int64(podPriority(v)) + math.MaxInt32 + 1
	}
	return sum
}

// earliestTopStart is the earliest start (Unix nanoseconds) among the
// victims sharing the highest priority; victims are sorted most important first.
func earliestTopStart(c candidate) int64 {
	top := podPriority(c.victims[0])
	earliest := int64(math.MaxInt64)
	for _, v := range c.victims {
		if podPriority(v) == top {
			earliest = min(earliest, startNanos(v))
		}
	}
	return earliest
}

func startNanos(p *api.Pod) int64 { return podStartTime(p).UnixNano() }
