package cache

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Snapshot is an immutable view of the cache for one scheduling cycle:
// node infos in name order, so iteration never depends on map order. It is
// owned by the scheduling loop: UpdateSnapshot must not run while a plugin reads it.
type Snapshot struct {
	infos          map[string]*framework.NodeInfo
	list           []*framework.NodeInfo
	names          []string
	pos            map[string]int // index in list by node name
	generation     int64
	nodeSetVersion int64
}

var _ framework.NodeInfoLister = (*Snapshot)(nil)

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

// NumNodes is the number of schedulable-candidate nodes in the snapshot.
func (s *Snapshot) NumNodes() int { return len(s.list) }

// UpdateSnapshot refreshes s from the cache, copying only the node infos
// whose generation moved since s was last refreshed (found by walking the
// cache's recency list), and re-sorting names only when the node set changed.
func (c *Cache) UpdateSnapshot(s *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var changed []string
	for e := c.recent.Front(); e != nil; e = e.Next() {
		name := e.Value.(string)
		ni := c.nodes[name]
		if ni.Generation <= s.generation {
			break
		}
		s.infos[name] = ni.Clone()
		changed = append(changed, name)
	}
	switch {
	case s.nodeSetVersion != c.nodeSetVersion:
		s.resetNames(c.nodes)
		s.nodeSetVersion = c.nodeSetVersion
		s.rebuildList()
	case len(changed) > 0:
		s.patchList(changed)
	}
	s.generation = c.generation
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

// rebuildList points a fresh ordered list at the current infos, so a list
// handed out in an earlier cycle is never rewritten.
func (s *Snapshot) rebuildList() {
	s.list = make([]*framework.NodeInfo, 0, len(s.names))
	clear(s.pos)
	for i, name := range s.names {
		s.list = append(s.list, s.infos[name])
		s.pos[name] = i
	}
}

// patchList is rebuildList when the node set is unchanged: a copy of the
// list with the changed infos replaced, which costs a copy rather than a
// map lookup per node.
func (s *Snapshot) patchList(changed []string) {
	s.list = slices.Clone(s.list)
	for _, name := range changed {
		if i, ok := s.pos[name]; ok {
			s.list[i] = s.infos[name]
		}
	}
}
