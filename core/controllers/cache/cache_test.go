package cache_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

var (
	podKind, _ = api.LookupKind(api.CoreV1, "Pod")
	nsKind, _  = api.LookupKind(api.CoreV1, "Namespace")
)

func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = s.Close() })
	r := registry.New(s, c)
	for _, ns := range []string{"default", "other"} {
		create(t, r, nsKind, "", fixtures.MakeNamespace(ns))
	}
	return r
}

func create(t *testing.T, r *registry.Registry, k *api.Kind, ns string, obj api.Object) api.Object {
	t.Helper()
	out, err := r.Create(context.Background(), k, ns, obj, registry.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", k.Kind, err)
	}
	return out
}

// recorder collects handler calls as "add name", "update name", "delete name".
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) handle(old, cur api.Object) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case old == nil:
		r.got = append(r.got, "add "+cur.GetObjectMeta().Name)
	case cur == nil:
		r.got = append(r.got, "delete "+old.GetObjectMeta().Name)
	default:
		r.got = append(r.got, "update "+cur.GetObjectMeta().Name)
	}
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func names(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetObjectMeta().Name
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSyncIndexesAndNotifies(t *testing.T) {
	r := newRegistry(t)
	create(t, r, podKind, "default", fixtures.MakePod().Name("b").Label("app", "x").OwnedBy("ReplicaSet", "rs", "uid-1").Obj())
	create(t, r, podKind, "default", fixtures.MakePod().Name("a").Label("app", "y").Obj())
	create(t, r, podKind, "other", fixtures.MakePod().Name("c").Namespace("other").Label("app", "x").OwnedBy("ReplicaSet", "rs", "uid-1").Obj())
	c := cache.New(r, podKind)
	rec := &recorder{}
	c.AddHandler(rec.handle)
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !c.HasSynced() {
		t.Fatalf("not synced after Sync")
	}
	if got := names(c.List("", nil)); len(got) != 3 || got[0] != "a" || got[2] != "c" {
		t.Fatalf("List all = %v, want [a b c]", got)
	}
	if got := names(c.List("default", labels.SelectorFromSet(labels.Set{"app": "x"}))); len(got) != 1 || got[0] != "b" {
		t.Fatalf("List default app=x = %v, want [b]", got)
	}
	if got := names(c.ByOwner("uid-1")); len(got) != 2 || got[0] != "b" || got[1] != "c" {
		t.Fatalf("ByOwner = %v, want [b c]", got)
	}
	if got := rec.list(); len(got) != 3 || got[0] != "add a" {
		t.Fatalf("handler calls %v, want adds in key order", got)
	}
}

func TestApplyMovesIndexes(t *testing.T) {
	c := cache.New(newRegistry(t), podKind)
	p := fixtures.MakePod().Name("p").OwnedBy("ReplicaSet", "rs", "uid-1").Obj()
	p.ResourceVersion = "5"
	c.Apply(store.Event{Type: store.Added, Object: p, Revision: 5})
	// An update under the same owner replaces the object in place.
	relabelled := p.DeepCopy()
	relabelled.Labels, relabelled.ResourceVersion = map[string]string{"v": "2"}, "6"
	c.Apply(store.Event{Type: store.Modified, Object: relabelled, Revision: 6})
	if got := c.ByOwner("uid-1"); len(got) != 1 || got[0].GetObjectMeta().Labels["v"] != "2" {
		t.Fatalf("ByOwner after an update = %v, want the new version only", got)
	}
	// A new controller moves it between owners.
	moved := relabelled.DeepCopy()
	moved.OwnerReferences[0].UID, moved.ResourceVersion = "uid-2", "7"
	c.Apply(store.Event{Type: store.Modified, Object: moved, Revision: 7})
	if len(c.ByOwner("uid-1")) != 0 || len(c.ByOwner("uid-2")) != 1 {
		t.Fatalf("ByOwner after a change of controller: %d under uid-1, %d under uid-2", len(c.ByOwner("uid-1")), len(c.ByOwner("uid-2")))
	}
	p = moved
	orphan := p.DeepCopy()
	orphan.OwnerReferences, orphan.ResourceVersion = nil, "8"
	c.Apply(store.Event{Type: store.Modified, Object: orphan, Revision: 8})
	if len(c.ByOwner("uid-2")) != 0 {
		t.Fatalf("released pod still indexed under its old owner")
	}
	c.Apply(store.Event{Type: store.Deleted, Object: orphan, Revision: 9})
	if _, ok := c.Get("default", "p"); ok || c.Revision() != 9 {
		t.Fatalf("deleted pod still cached or revision %d != 9", c.Revision())
	}
	if c.Apply(store.Event{Type: store.Error, Err: store.ErrCompacted}) {
		t.Fatalf("Apply accepted an error event")
	}
}

func TestRunListsThenWatches(t *testing.T) {
	r := newRegistry(t)
	create(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
	c := cache.New(r, podKind)
	rec := &recorder{}
	c.AddHandler(rec.handle)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, clock.Real(), 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	<-c.Synced()
	create(t, r, podKind, "default", fixtures.MakePod().Name("b").Obj())
	if _, _, err := r.Delete(ctx, podKind, "default", "a", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "watch events", func() bool { return len(rec.list()) == 3 })
	if got := rec.list(); got[1] != "add b" || got[2] != "delete a" {
		t.Fatalf("handler calls %v", got)
	}
}

func TestRelistAfterCompaction(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	create(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
	c := cache.New(r, podKind)
	rec := &recorder{}
	c.AddHandler(rec.handle)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// Changes the cache misses, then history up to them is forgotten: a
	// watch from the cache's revision must fail and Run must relist.
	create(t, r, podKind, "default", fixtures.MakePod().Name("b").Obj())
	if _, _, err := r.Delete(ctx, podKind, "default", "a", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	rev, _ := r.Store().Revision(ctx)
	if err := r.Store().Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { c.Run(rctx, clock.Real(), 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, "relist", func() bool {
		_, hasA := c.Get("default", "a")
		_, hasB := c.Get("default", "b")
		return hasB && !hasA
	})
	got := rec.list()
	if len(got) < 3 || got[1] != "add b" || got[2] != "delete a" {
		t.Fatalf("handler calls %v, want add b then delete a from the relist", got)
	}
}

// countingSource counts lists and hands out watches the test can end.
type countingSource struct {
	*registry.Registry
	mu      sync.Mutex
	lists   int
	watches []store.Watcher
}

func (s *countingSource) List(ctx context.Context, k *api.Kind, o store.ListOptions) (*store.ListResult, error) {
	s.mu.Lock()
	s.lists++
	s.mu.Unlock()
	return s.Registry.List(ctx, k, o)
}

func (s *countingSource) Watch(ctx context.Context, k *api.Kind, o store.WatchOptions) (store.Watcher, error) {
	w, err := s.Registry.Watch(ctx, k, o)
	if err == nil {
		s.mu.Lock()
		s.watches = append(s.watches, w)
		s.mu.Unlock()
	}
	return w, err
}

func (s *countingSource) counts() (lists, watches int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists, len(s.watches)
}

func TestRelistAfterWatchCloses(t *testing.T) {
	src := &countingSource{Registry: newRegistry(t)}
	c := cache.New(src, podKind)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, clock.Real(), 10*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	eventually(t, "first watch", func() bool { _, w := src.counts(); return w == 1 })
	src.mu.Lock()
	src.watches[0].Stop()
	src.mu.Unlock()
	create(t, src.Registry, podKind, "default", fixtures.MakePod().Name("late").Obj())
	eventually(t, "relist and new watch", func() bool { l, w := src.counts(); return l == 2 && w == 2 })
	eventually(t, "pod seen", func() bool { _, ok := c.Get("default", "late"); return ok })
}

func TestApplySkipsEventsAlreadyListed(t *testing.T) {
	r := newRegistry(t)
	create(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
	c := cache.New(r, podKind)
	if err := c.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	stale := fixtures.MakePod().Name("a").Obj()
	c.Apply(store.Event{Type: store.Deleted, Object: stale, Revision: c.Revision()})
	if _, ok := c.Get("default", "a"); !ok {
		t.Fatalf("an event at the listed revision was applied again")
	}
}
