package plugins

import (
	"maps"
	"sync"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// maxTopologyIndexes bounds how many aggregates a plugin keeps; the least
// recently used goes first. A cluster with more workloads constrained at
// once recomputes some aggregates from all nodes.
const maxTopologyIndexes = 64

// topologyIndexes keeps aggregates over every node of the snapshot (such as
// how many pods a selector matches per topology domain) up to date from the
// nodes that changed since the last cycle, so a PreFilter that would walk
// every node and pod in the cluster costs only what changed. An aggregate
// must depend on nothing but the node infos and its id.
type topologyIndexes struct {
	mu   sync.Mutex
	byID map[string]*topologyIndex
	tick uint64
}

// contribution emits one node info's share of an aggregate: a value per
// domain. Emitting a pair, even with value 0, makes the domain present.
type contribution func(n *framework.NodeInfo, emit func(p topologyPair, value int64))

// topologyIndex is one aggregate, valid for the lister generation gen.
type topologyIndex struct {
	gen   int64
	built bool
	used  uint64
	// counts sums the values per domain; refs counts the emissions, so a
	// domain leaves when the last node or pod that put it there does.
	counts topologyCounts
	refs   map[topologyPair]int
}

// counts returns a copy of the aggregate id, brought up to date with lister.
func (x *topologyIndexes) counts(id string, lister framework.NodeChangeLister, nodes []*framework.NodeInfo, share contribution) topologyCounts {
	x.mu.Lock()
	defer x.mu.Unlock()
	ix := x.get(id)
	changes, ok := lister.ChangesSince(ix.gen)
	if !ix.built || !ok {
		ix.counts, ix.refs = topologyCounts{}, map[topologyPair]int{}
		for _, n := range nodes {
			ix.apply(n, share, 1)
		}
	} else {
		for _, ch := range changes {
			ix.apply(ch.Old, share, -1)
			ix.apply(ch.New, share, 1)
		}
	}
	ix.gen, ix.built = lister.Generation(), true
	return maps.Clone(ix.counts)
}

// get returns the aggregate id, creating it and evicting the least
// recently used one when full.
func (x *topologyIndexes) get(id string) *topologyIndex {
	if x.byID == nil {
		x.byID = map[string]*topologyIndex{}
	}
	x.tick++
	if ix, ok := x.byID[id]; ok {
		ix.used = x.tick
		return ix
	}
	if len(x.byID) >= maxTopologyIndexes {
		var oldest string
		for k, ix := range x.byID { // ticks are unique, so the walk order does not matter
			if oldest == "" || ix.used < x.byID[oldest].used {
				oldest = k
			}
		}
		delete(x.byID, oldest)
	}
	ix := &topologyIndex{used: x.tick}
	x.byID[id] = ix
	return ix
}

// apply adds (sign 1) or removes (sign -1) one node info's share.
func (ix *topologyIndex) apply(n *framework.NodeInfo, share contribution, sign int64) {
	if n == nil || n.Node() == nil {
		return
	}
	share(n, func(p topologyPair, value int64) {
		ix.counts[p] += sign * value
		ix.refs[p] += int(sign)
		if ix.refs[p] == 0 {
			delete(ix.refs, p)
			delete(ix.counts, p)
		}
	})
}

// changeLister is the handle's snapshot as a NodeChangeLister, when it is one.
func changeLister(h framework.Handle) (framework.NodeChangeLister, bool) {
	if h == nil {
		return nil, false
	}
	l, ok := h.SnapshotSharedLister().(framework.NodeChangeLister)
	return l, ok
}
