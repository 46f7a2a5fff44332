package framework

import (
	"fmt"
	"sync"
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
// per pod. Data may be read and written concurrently; the skip sets are
// written only by the framework while running PreFilter and PreScore, before
// any Filter or Score reads them.
type CycleState struct {
	data       sync.Map // StateKey → StateData
	skipFilter map[string]bool
	skipScore  map[string]bool
}

// NewCycleState returns an empty state for one scheduling cycle.
func NewCycleState() *CycleState {
	return &CycleState{skipFilter: map[string]bool{}, skipScore: map[string]bool{}}
}

// Write stores data under key.
func (c *CycleState) Write(key StateKey, val StateData) { c.data.Store(key, val) }

// Read returns the data under key, or ErrNotFound wrapped with the key.
func (c *CycleState) Read(key StateKey) (StateData, error) {
	if v, ok := c.data.Load(key); ok {
		return v.(StateData), nil
	}
	return nil, fmt.Errorf("cycle state %q: %w", key, ErrNotFound)
}

// Clone copies the state (each entry through its Clone), so a dry run cannot
// disturb the real cycle.
func (c *CycleState) Clone() *CycleState {
	out := NewCycleState()
	c.data.Range(func(k, v any) bool {
		out.data.Store(k, v.(StateData).Clone())
		return true
	})
	for k := range c.skipFilter {
		out.skipFilter[k] = true
	}
	for k := range c.skipScore {
		out.skipScore[k] = true
	}
	return out
}
