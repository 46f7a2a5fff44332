package cache

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Snapshot is an immutable view of the cache for one scheduling cycle:
// node infos in name order, so iteration never depends on map order. It is
// owned by the scheduling loop: UpdateSnapshot must not run while a plugin
// reads it, and a List result is valid only until the next UpdateSnapshot.
type Snapshot struct {
	infos map[string]*framework.NodeInfo
	list  []*framework.NodeInfo
	names []string
	pos   map[string]int // index in list by node name
	// withAffinity and withAntiAffinity are the sublists of list whose
	// nodes have pods with any affinity term and with required
	// anti-affinity, kept in list order.
	withAffinity     []*framework.NodeInfo
	withAntiAffinity []*framework.NodeInfo
	generation       int64
	nodeSetVersion   int64
	// changes logs the infos replaced since changesFrom, in generation
	// order, for NodeChangeLister; it is reset when the node set changes.
	changes     []framework.NodeChange
	changesFrom int64
}

// maxChanges bounds the change log; plugins further behind recompute.
const maxChanges = 1024

var (
	_ framework.NodeInfoLister   = (*Snapshot)(nil)
	_ framework.NodeChangeLister = (*Snapshot)(nil)
)

// NewSnapshot returns an empty snapshot to be filled by UpdateSnapshot.
func NewSnapshot() *Snapshot {
	return &Snapshot{infos: map[string]*framework.NodeInfo{}, pos: map[string]int{}, nodeSetVersion: -1}
}

// List returns the nodes in name order; callers must not modify them.
func (s *Snapshot) List() []*framework.NodeInfo { return s.list }

// Get returns one node's info.
func (s *Snapshot) Get(name string) (*framework.NodeInfo, error) {
	ni, ok := s.infos[name]
	if !ok || ni.Node() == nil {
		return nil, fmt.Errorf("node %q: %w", name, framework.ErrNotFound)
	}
	return ni, nil
}

// HavePodsWithAffinityList returns the nodes with a pod that has any pod (anti-)affinity term.
func (s *Snapshot) HavePodsWithAffinityList() []*framework.NodeInfo { return s.withAffinity }

// HavePodsWithRequiredAntiAffinityList returns the nodes with a pod that has required anti-affinity.
func (s *Snapshot) HavePodsWithRequiredAntiAffinityList() []*framework.NodeInfo {
	return s.withAntiAffinity
}

// Generation is the cache generation the snapshot reflects.
func (s *Snapshot) Generation() int64 { return s.generation }

// ChangesSince returns the infos replaced after generation gen, oldest first.
func (s *Snapshot) ChangesSince(gen int64) ([]framework.NodeChange, bool) {
	if gen < s.changesFrom {
		return nil, false
	}
	i, _ := slices.BinarySearchFunc(s.changes, gen, func(c framework.NodeChange, g int64) int {
		return cmp.Compare(c.New.Generation, g+1)
	})
	return s.changes[i:], true
}

// NumNodes is the number of schedulable-candidate nodes in the snapshot.
func (s *Snapshot) NumNodes() int { return len(s.list) }

// UpdateSnapshot refreshes s from the cache, copying only the node infos
// whose generation moved since s was last refreshed (found by walking the
// cache's recency list), and re-sorting names only when the node set changed.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var changed []string
	var changes []framework.NodeChange
	for e := c.recent.Front(); e != nil; e = e.Next() {
		name := e.Value.(string)
		ni := c.nodes[name]
		if ni.Generation <= s.generation {
			break
		}
		clone := ni.Clone()
		changes = append(changes, framework.NodeChange{Old: s.infos[name], New: clone})
		s.infos[name] = clone
		changed = append(changed, name)
	}
	switch {
	case s.nodeSetVersion != c.nodeSetVersion:
		s.resetNames(c.nodes)
		s.nodeSetVersion = c.nodeSetVersion
		s.rebuildList()
		s.changes, s.changesFrom = s.changes[:0], c.generation
	case len(changed) > 0:
		s.patchList(changed)
		s.logChanges(changes)
	}
	s.generation = c.generation
}

// logChanges appends changes, found newest first, to the log in generation
// order, dropping the older half of the log when it is full.
func (s *Snapshot) logChanges(changes []framework.NodeChange) {
	slices.Reverse(changes)
	s.changes = append(s.changes, changes...)
	if len(s.changes) > maxChanges {
		drop := len(s.changes) / 2
		s.changesFrom = s.changes[drop-1].New.Generation
		s.changes = slices.Delete(s.changes, 0, drop)
	}
}

// resetNames drops infos the cache no longer has and re-sorts the names of
// the infos that have a node.
func (s *Snapshot) resetNames(nodes map[string]*framework.NodeInfo) {
	for name := range s.infos {
		if _, ok := nodes[name]; !ok {
			delete(s.infos, name)
		}
	}
	s.names = s.names[:0]
	for _, name := range slices.Sorted(maps.Keys(s.infos)) {
		if s.infos[name].Node() != nil {
			s.names = append(s.names, name)
		}
	}
}

// rebuildList points the ordered list at the current infos.
func (s *Snapshot) rebuildList() {
	s.list = s.list[:0]
	clear(s.pos)
	for i, name := range s.names {
		s.list = append(s.list, s.infos[name])
		s.pos[name] = i
	}
	s.withAffinity, s.withAntiAffinity = s.withAffinity[:0], s.withAntiAffinity[:0]
	for _, ni := range s.list {
		if hasAffinity(ni) {
			s.withAffinity = append(s.withAffinity, ni)
		}
		if hasAntiAffinity(ni) {
			s.withAntiAffinity = append(s.withAntiAffinity, ni)
		}
	}
}

func hasAffinity(ni *framework.NodeInfo) bool     { return len(ni.PodsWithAffinity) > 0 }
func hasAntiAffinity(ni *framework.NodeInfo) bool { return len(ni.PodsWithRequiredAntiAffinity) > 0 }

// patchList is rebuildList when the node set is unchanged: it replaces the
// changed infos in place, so a cycle that moved one node costs one lookup
// rather than a copy of a list of thousands.
func (s *Snapshot) patchList(changed []string) {
	for _, name := range changed {
		if i, ok := s.pos[name]; ok {
			ni := s.infos[name]
			s.list[i] = ni
			s.withAffinity = s.placeInSublist(s.withAffinity, i, ni, hasAffinity(ni))
			s.withAntiAffinity = s.placeInSublist(s.withAntiAffinity, i, ni, hasAntiAffinity(ni))
		}
	}
}

// placeInSublist puts ni, at index i of list, into or out of a sublist kept
// in list order, replacing the info it had before.
func (s *Snapshot) placeInSublist(sub []*framework.NodeInfo, i int, ni *framework.NodeInfo, member bool) []*framework.NodeInfo {
	j, found := slices.BinarySearchFunc(sub, i, func(e *framework.NodeInfo, target int) int {
		return cmp.Compare(s.pos[e.Name()], target)
	})
	switch {
	case found && member:
		sub[j] = ni
	case found:
		sub = slices.Delete(sub, j, j+1)
	case member:
		sub = slices.Insert(sub, j, ni)
	}
	return sub
}
