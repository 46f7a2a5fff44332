package plugins

import (
	"slices"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// matchCounts remembers, per (namespace, selector), how many pods on each
// node match, stamped with the node info's generation: the cache bumps the
// generation on every change, so from one cycle to the next only the
// nodes that changed (usually the one just bound) are recounted instead of
// every pod in the cluster.
//
// The memos are a cache: at most maxMatchMemos selectors are kept, the
// least recently used half dropped when full, since every Job and every
// ReplicaSet of a rollout brings a selector of its own.
type matchCounts struct {
	mu    sync.Mutex
	bySel map[string]*matchMemo
	tick  uint64
}

type matchMemo struct {
	used   uint64
	byNode map[string]genCount
}

const maxMatchMemos = 1024

type genCount struct{ gen, count int64 }

// matchKey names what a count depends on: the namespace and the selector.
func matchKey(namespace string, c *spreadConstraint) string {
	return namespace + "\x00" + c.selector.String()
}

// forKey returns the per-node memo of one key, to use under m.mu. It
// grows with use: most selectors are counted on a few nodes only.
func (m *matchCounts) forKey(key string, nodes int) map[string]genCount {
	if m.bySel == nil {
		m.bySel = map[string]*matchMemo{}
	}
	m.tick++
	memo := m.bySel[key]
	if memo == nil || len(memo.byNode) > 2*nodes+16 { // drop entries of nodes long gone
		if memo == nil && len(m.bySel) >= maxMatchMemos {
			m.evictOlderHalf()
		}
		memo = &matchMemo{byNode: map[string]genCount{}}
		m.bySel[key] = memo
	}
	memo.used = m.tick
	return memo.byNode
}

// evictOlderHalf drops the least recently used half of the memos.
func (m *matchCounts) evictOlderHalf() {
	ticks := make([]uint64, 0, len(m.bySel))
	for _, memo := range m.bySel {
		ticks = append(ticks, memo.used)
	}
	slices.Sort(ticks)
	median := ticks[len(ticks)/2]
	for k, memo := range m.bySel { // ticks are unique: the result does not depend on the walk order
		if memo.used < median {
			delete(m.bySel, k)
		}
	}
}

// count is c.countOn(pod, n) through memo. Node infos without a
// generation (built by hand, not by the cache) are always counted.
func count(memo map[string]genCount, c *spreadConstraint, pod *api.Pod, n *framework.NodeInfo) int64 {
	if n.Generation == 0 {
		return c.countOn(pod, n)
	}
	name := n.Name()
	if e, ok := memo[name]; ok && e.gen == n.Generation {
		return e.count
	}
	cnt := c.countOn(pod, n)
	memo[name] = genCount{gen: n.Generation, count: cnt}
	return cnt
}
