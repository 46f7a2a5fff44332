package cache

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
)

// DefaultRetry is how long Run waits before listing again after a failed list.
const DefaultRetry = time.Second

// Set shares one cache per kind among all controllers of a process, so
// each kind is listed and watched once however many controllers read it.
type Set struct {
	src Source

	mu     sync.Mutex
	caches map[*api.Kind]*Cache
	order  []*Cache // creation order, so starting is deterministic
}

// NewSet returns an empty set reading from src.
func NewSet(src Source) *Set {
	return &Set{src: src, caches: map[*api.Kind]*Cache{}}
}

// For returns the set's cache of kind, creating it on first use.
func (s *Set) For(kind *api.Kind) *Cache {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.caches[kind]; ok {
		return c
	}
	c := New(s.src, kind)
	s.caches[kind] = c
	s.order = append(s.order, c)
	return c
}

// Lookup returns the set's cache of kind, or nil when nobody asked for one,
// so a driver can skip delivering changes that no cache holds.
func (s *Set) Lookup(kind *api.Kind) *Cache {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caches[kind]
}

// All returns the set's caches in creation order.
func (s *Set) All() []*Cache {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Cache(nil), s.order...)
}

// SyncAll lists every cache once, for drivers (the simulator, tests) that
// feed caches themselves rather than running watches.
func (s *Set) SyncAll(ctx context.Context) error {
	for _, c := range s.All() {
		if err := c.Sync(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Start runs every cache in its own goroutine until ctx ends and returns a
// function that waits for them to stop.
func (s *Set) Start(ctx context.Context, clk clock.Clock) (wait func()) {
	var wg sync.WaitGroup
	for _, c := range s.All() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Run(ctx, clk, DefaultRetry)
		}()
	}
	return wg.Wait
}

// WaitForSync blocks until every cache has listed once or ctx ends.
func (s *Set) WaitForSync(ctx context.Context) error {
	for _, c := range s.All() {
		select {
		case <-c.Synced():
		case <-ctx.Done():
			return fmt.Errorf("wait for %s cache to sync: %w", c.Kind().GroupResource(), ctx.Err())
		}
	}
	return nil
}
