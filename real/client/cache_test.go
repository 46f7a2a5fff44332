package client_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
)

// runCache runs cc until the test ends, and returns a func that stops it
// and waits for Run to return.
func runCache(t *testing.T, cc *cache.Cache) (stop func()) {
	t.Helper()
	c, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		cc.Run(c, clock.Real(), 10*time.Millisecond)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the cache did not stop")
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestCacheFollowsOverHTTP(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cc := cache.New(e.c, podKind)
	rec := &recorder{}
	cc.AddHandler(rec.handle)
	runCache(t, cc)
	select {
	case <-cc.Synced():
	case <-time.After(10 * time.Second):
		t.Fatal("the cache never synced")
	}
	if _, ok := cc.Get("default", "a"); !ok {
		t.Fatal("the synced cache lacks pod a")
	}
	b, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("b").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nb := b.DeepCopyObject().(*api.Pod)
	nb.Labels = map[string]string{"v": "2"}
	if _, err := e.c.Update(c, podKind, nb, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.c.Delete(c, podKind, "default", "a", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	within(t, "the cache to follow", func() bool {
		_, hasA := cc.Get("default", "a")
		got, hasB := cc.Get("default", "b")
		return !hasA && hasB && got.GetObjectMeta().Labels["v"] == "2"
	})
	rev, _ := e.store.Revision(c)
	if cc.Revision() != rev {
		t.Errorf("cache at revision %d, store at %d", cc.Revision(), rev)
	}
	want := []string{"add a", "add b", "update b", "delete a"}
	if got := rec.list(); !slices.Equal(got, want) {
		t.Errorf("handlers saw %v, want %v", got, want)
	}
}

// recorder notes what a cache's handler is told, as "add|update|delete name".
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) handle(old, cur api.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case old == nil:
		r.seen = append(r.seen, "add "+cur.GetObjectMeta().Name)
	case cur == nil:
		r.seen = append(r.seen, "delete "+old.GetObjectMeta().Name)
	default:
		r.seen = append(r.seen, "update "+cur.GetObjectMeta().Name)
	}
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

// TestCacheRelistsAfterCompaction restarts a synced cache after the
// history it would watch from has been compacted: the watch ends with
// ErrCompacted over HTTP and the cache lists again.
func TestCacheRelistsAfterCompaction(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cc := cache.New(e.c, podKind)
	if err := cc.Sync(c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("b").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.c.Delete(c, podKind, "default", "a", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	rev, _ := e.store.Revision(c)
	if err := e.store.Compact(c, rev); err != nil {
		t.Fatal(err)
	}
	runCache(t, cc)
	within(t, "the cache to relist", func() bool {
		_, hasA := cc.Get("default", "a")
		_, hasB := cc.Get("default", "b")
		return !hasA && hasB && cc.Revision() == rev
	})
}
