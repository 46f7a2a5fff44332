package main

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// removals records, from the registry's watches, the store revision at
// which each object of some kinds matching a selector left the store, so
// a test can check the order in which the garbage collector removed them.
type removals struct {
	mu     sync.Mutex
	at     map[string]int64 // "Kind/name" → revision of its DELETED event
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func recordRemovals(t *testing.T, reg *registry.Registry, selector string, kinds ...*api.Kind) *removals {
	t.Helper()
	sel, err := labels.Parse(selector)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &removals{at: map[string]int64{}, cancel: cancel}
	t.Cleanup(r.stop)
	for _, k := range kinds {
		w, err := reg.Watch(ctx, k, store.WatchOptions{Namespace: "default", Labels: sel})
		if err != nil {
			t.Fatalf("watch %s: %v", k.Kind, err)
		}
		r.wg.Go(func() { r.drain(k.Kind, w) })
	}
	return r
}

func (r *removals) drain(kind string, w store.Watcher) {
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == store.Deleted {
			r.mu.Lock()
			r.at[kind+"/"+ev.Object.GetObjectMeta().Name] = ev.Revision
			r.mu.Unlock()
		}
	}
}

func (r *removals) stop() {
	r.cancel()
	r.wg.Wait()
}

// lastIs waits until key has been removed and then requires it to have
// been the last of at least want removals: foreground deletion removes
// the owner only after its dependents.
func (r *removals) lastIs(t *testing.T, key string, want int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		r.mu.Lock()
		order := r.orderLocked()
		r.mu.Unlock()
		if len(order) >= want && order[len(order)-1] == key {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: removals in order %v; want %d ending with %s", limit, order, want, key)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// orderLocked lists the removed keys by revision.
func (r *removals) orderLocked() []string {
	keys := make([]string, 0, len(r.at))
	for k := range r.at {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return r.at[keys[i]] < r.at[keys[j]] })
	return keys
}
