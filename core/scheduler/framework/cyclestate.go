package framework

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// StateKey names an entry of CycleState; plugins use their own name to avoid clashes.
type StateKey string

// StateData is anything a plugin stores for later extension points of the same cycle.
type StateData interface {
	// Clone copies the data so a state can be forked (e.g. for preemption dry runs).
	Clone() StateData
}

// ErrNotFound is returned when a CycleState key or a snapshot node does not exist.
var ErrNotFound = fmt.Errorf("not found")

// CycleState carries data between a plugin's extension points within one
// scheduling cycle (PreFilter computes, Filter reads), so work is done once
// per pod. Data may be read and written concurrently; the skip sets and
// active plugin lists are written only by the framework while running
// PreFilter and PreScore, before any Filter or Score reads them.
type CycleState struct {
	// A cycle holds a handful of entries read once per node by every
	// plugin and written a few times: readers scan an immutable slice,
	// writers (serialised by mu) publish a new one.
	mu         sync.Mutex
	data       atomic.Pointer[[]stateEntry]
	skipFilter nameSet
	skipScore  nameSet
	// filters and scores are the plugins left after the skips, worked out
	// once per cycle because Filter and Score run once per node.
	filters      []FilterPlugin
	extensions   []extensionPlugin
	filtersReady bool
	scores       []weightedScore
	scoresReady  bool
}

// nameSet is a set of the few plugin names a cycle skips.
type nameSet []string

func (s nameSet) has(name string) bool { return slices.Contains(s, name) }

type stateEntry struct {
	key StateKey
	val StateData
}

// NewCycleState returns an empty state for one scheduling cycle.
func NewCycleState() *CycleState {
	return &CycleState{}
}

// Write stores data under key.
func (c *CycleState) Write(key StateKey, val StateData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := slices.DeleteFunc(slices.Clone(c.entries()), func(e stateEntry) bool { return e.key == key })
	next = append(next, stateEntry{key, val})
	c.data.Store(&next)
}

// entries is the published entries, nil before the first Write.
func (c *CycleState) entries() []stateEntry {
	if p := c.data.Load(); p != nil {
		return *p
	}
	return nil
}

// Read returns the data under key, or ErrNotFound wrapped with the key.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	for _, e := range c.entries() {
		if e.key == key {
			return e.val, nil
		}
	}
	return nil, fmt.Errorf("cycle state %q: %w", key, ErrNotFound)
}

// Clone copies the state (each entry through its Clone), so a dry run cannot
// disturb the real cycle.
func (c *CycleState) Clone() *CycleState {
	out := NewCycleState()
	src := c.entries()
	entries := make([]stateEntry, len(src))
	for i, e := range src {
		entries[i] = stateEntry{e.key, e.val.Clone()}
	}
	out.data.Store(&entries)
	// The skip sets and plugin lists are never modified once set, so they are shared.
	out.skipFilter, out.skipScore = c.skipFilter, c.skipScore
	out.filters, out.extensions, out.filtersReady = c.filters, c.extensions, c.filtersReady
	out.scores, out.scoresReady = c.scores, c.scoresReady
	return out
}
