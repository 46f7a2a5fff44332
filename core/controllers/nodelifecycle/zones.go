package nodelifecycle

import (
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// LabelZone is the node label that groups nodes into eviction zones.
const LabelZone = "topology.kubernetes.io/zone"

// ZoneState is a zone's health as Kubernetes classifies it for eviction.
type ZoneState string

// The zone states.
const (
	ZoneNormal            ZoneState = "Normal"
	ZonePartialDisruption ZoneState = "PartialDisruption"
	ZoneFullDisruption    ZoneState = "FullDisruption"
)

// zoneState is one zone's classification and NoExecute token bucket
// (burst 1, as Kubernetes' eviction limiter).
type zoneState struct {
	state  ZoneState
	rate   float64 // tokens per second; 0 never grants
	tokens float64
	last   time.Time
}

// take grants one token if the bucket, refilled up to now, has one.
func (z *zoneState) take(now time.Time) bool {
	if z.rate <= 0 {
		return false
	}
	if d := now.Sub(z.last); d > 0 {
		z.tokens = min(1, z.tokens+z.rate*d.Seconds())
		z.last = now
	}
	if z.tokens >= 1 {
		z.tokens--
		return true
	}
	return false
}

// zoneCount tallies a zone's nodes by readiness.
type zoneCount struct{ ready, notReady int }

// zoneOf is the node's eviction zone ("" when unlabelled).
func zoneOf(n *api.Node) string { return n.Labels[LabelZone] }

// planZones classifies every zone, resets the token bucket of any zone
// whose rate changes, and returns the NoExecute policy for this pass:
// strip when every zone is fully disrupted (mark, don't evict), else
// grant from the zone's bucket.
func (c *Controller) planZones(nodes []*api.Node, now time.Time) noExecPolicy {
	counts := map[string]*zoneCount{}
	for _, n := range nodes {
		z := zoneOf(n)
		if counts[z] == nil {
			counts[z] = &zoneCount{}
		}
		if c.effectiveReady(n, now) == api.ConditionTrue {
			counts[z].ready++
		} else {
			counts[z].notReady++
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	allFull := len(counts) > 0
	for z := range c.zones {
		if counts[z] == nil {
			delete(c.zones, z)
		}
	}
	for _, z := range sortedKeys(counts) {
		st := c.classify(counts[z])
		allFull = allFull && st == ZoneFullDisruption
		c.setZone(z, st, c.rateFor(st, counts[z].ready+counts[z].notReady), now)
	}
	if allFull {
		return noExecPolicy{strip: true}
	}
	return noExecPolicy{grant: func(zone string) bool { return c.takeToken(zone, now) }}
}

// classify is Kubernetes' ComputeZoneState: fully disrupted when no node
// is ready, partially when more than two nodes and at least the threshold
// fraction are not ready.
func (c *Controller) classify(n *zoneCount) ZoneState {
	total := n.ready + n.notReady
	switch {
	case n.ready == 0 && n.notReady > 0:
		return ZoneFullDisruption
	case n.notReady > 2 && float64(n.notReady)/float64(total) >= c.UnhealthyZoneThreshold:
		return ZonePartialDisruption
	}
	return ZoneNormal
}

// rateFor is the NoExecute tainting rate of a zone of size nodes in state
// st: the normal rate unless partially disrupted, then the secondary rate
// in a large zone and none in a small one.
func (c *Controller) rateFor(st ZoneState, size int) float64 {
	if st != ZonePartialDisruption {
		return c.EvictionRate
	}
	if size > c.LargeClusterThreshold {
		return c.SecondaryEvictionRate
	}
	return 0
}

// setZone records a zone's state, starting a full bucket when its rate
// changes, as Kubernetes swaps in a new limiter.
func (c *Controller) setZone(zone string, st ZoneState, rate float64, now time.Time) {
	zs := c.zones[zone]
	if zs == nil || zs.rate != rate {
		zs = &zoneState{rate: rate, tokens: 1, last: now}
		c.zones[zone] = zs
	}
	zs.state = st
}

// takeToken takes one token from zone's bucket.
func (c *Controller) takeToken(zone string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	zs := c.zones[zone]
	return zs != nil && zs.take(now)
}

// ZoneStates returns each known zone's state as of the last monitor pass,
// for tests and metrics.
func (c *Controller) ZoneStates() map[string]ZoneState {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]ZoneState, len(c.zones))
	for z, zs := range c.zones {
		out[z] = zs.state
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
