package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// testTimeout bounds every wait in this package's own tests.
const testTimeout = 20 * time.Second

func testPod(ns, name string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec:       api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	}
}

func mustKind(t testing.TB, obj api.Object) *api.Kind {
	t.Helper()
	k, err := api.KindOf(obj)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func create(t testing.TB, s store.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Create(context.Background(), obj)
	if err != nil {
		t.Fatalf("create %s: %v", obj.GetObjectMeta().Key(), err)
	}
	return out
}

// nextEvent waits for a watch event; ok is false when the channel closed.
func nextEvent(t testing.TB, w store.Watcher) (store.Event, bool) {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		return ev, ok
	case <-time.After(testTimeout):
		t.Fatalf("no watch event within %v", testTimeout)
		return store.Event{}, false
	}
}

func expectIs(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func TestErrorMapping(t *testing.T) {
	s := New(nil, Options{})
	for _, c := range []struct {
		in   error
		want error
	}{
		{rpctypes.ErrCompacted, store.ErrCompacted},
		{fmt.Errorf("wrapped: %w", rpctypes.ErrCompacted), store.ErrCompacted},
		{errors.New("etcdserver: mvcc: required revision has been compacted"), store.ErrCompacted},
		{rpctypes.ErrFutureRev, store.ErrInvalid},
	} {
		if got := s.mapErr(c.in); !errors.Is(got, c.want) {
			t.Errorf("mapErr(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	other := errors.New("something else")
	if got := s.mapErr(other); got != other {
		t.Errorf("mapErr(other) = %v, want it unchanged", got)
	}
}

func TestNotFoundAndConflict(t *testing.T) {
	s := newSharedStore(t)
	ctx := context.Background()
	podKind := mustKind(t, &api.Pod{})
	_, err := s.Get(ctx, podKind, "default", "missing")
	expectIs(t, "get", err, store.ErrNotFound)
	_, err = s.Update(ctx, testPod("default", "missing"))
	expectIs(t, "update", err, store.ErrNotFound)
	_, _, err = s.Delete(ctx, podKind, "default", "missing", store.DeleteOptions{})
	expectIs(t, "delete", err, store.ErrNotFound)
	if err == nil || !strings.Contains(err.Error(), "default/missing") {
		t.Fatalf("the error %v does not name the object", err)
	}
	created := create(t, s, testPod("default", "a"))
	next := created.DeepCopyObject()
	next.GetObjectMeta().Labels = map[string]string{"v": "1"}
	if _, err := s.Update(ctx, next); err != nil {
		t.Fatalf("update: %v", err)
	}
	_, err = s.Update(ctx, next) // next still carries the old resourceVersion
	expectIs(t, "stale update", err, store.ErrConflict)
	bad := created.DeepCopyObject()
	bad.GetObjectMeta().ResourceVersion = "x"
	_, err = s.Update(ctx, bad)
	expectIs(t, "update with a malformed resourceVersion", err, store.ErrInvalid)
}

// TestUpdateFromStaleMemory checks that an update started from a value the
// store remembers but that another client has since replaced still lands
// correctly: the guarded transaction catches the stale start.
func TestUpdateFromStaleMemory(t *testing.T) {
	endpoints := shared(t).Endpoints()
	prefix := uniquePrefix()
	a := openStore(t, endpoints, Options{Prefix: prefix})
	b := openStore(t, endpoints, Options{Prefix: prefix})
	ctx := context.Background()
	podKind := mustKind(t, &api.Pod{})
	created := create(t, a, testPod("default", "p")) // a remembers p with its first uid
	if _, _, err := b.Delete(ctx, podKind, "default", "p", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	recreated := create(t, b, testPod("default", "p"))
	next := testPod("default", "p")
	next.UID = recreated.GetObjectMeta().UID
	out, err := a.Update(ctx, next)
	if err != nil {
		t.Fatalf("update with the new uid: %v", err)
	}
	if out.GetObjectMeta().UID == created.GetObjectMeta().UID {
		t.Fatalf("update kept the deleted object's uid")
	}
	// b remembers the pod at its creation; a has moved it on since.
	stale := recreated.DeepCopyObject()
	stale.GetObjectMeta().Labels = map[string]string{"from": "b"}
	_, err = b.Update(ctx, stale)
	expectIs(t, "update at b's remembered revision", err, store.ErrConflict)
	blind := testPod("default", "p")
	blind.Labels = map[string]string{"from": "b"}
	got, err := b.Update(ctx, blind)
	if err != nil || got.GetObjectMeta().ResourceVersion == out.GetObjectMeta().ResourceVersion {
		t.Fatalf("unconditional update from a stale memory: %v", err)
	}
	if _, _, err := b.Delete(ctx, podKind, "default", "p", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = a.Update(ctx, testPod("default", "p"))
	expectIs(t, "update of a pod deleted elsewhere", err, store.ErrNotFound)
}

func TestCompactedListAndWatch(t *testing.T) {
	s := newSharedStore(t).(*Store)
	ctx := context.Background()
	podKind := mustKind(t, &api.Pod{})
	for i := range 4 {
		create(t, s, testPod("default", fmt.Sprintf("p%d", i)))
	}
	old, _ := s.Revision(ctx)
	create(t, s, testPod("default", "late"))
	now, _ := s.Revision(ctx)
	if err := s.Compact(ctx, now); err != nil {
		t.Fatalf("compact: %v", err)
	}
	if err := s.Compact(ctx, old); err != nil {
		t.Fatalf("compacting below the last compaction: %v", err)
	}
	expectIs(t, "compact in the future", s.Compact(ctx, now+1000), store.ErrInvalid)
	_, err := s.List(ctx, podKind, store.ListOptions{Revision: old})
	expectIs(t, "list at a compacted revision", err, store.ErrCompacted)
	_, err = s.Watch(ctx, podKind, store.WatchOptions{Revision: old})
	expectIs(t, "watch from a compacted revision", err, store.ErrCompacted)
}

// TestWatchErrorsAreEvents checks the errors that reach a running watch:
// compaction reported by etcd and a value that does not decode.
func TestWatchErrorsAreEvents(t *testing.T) {
	s := newSharedStore(t).(*Store)
	podKind := mustKind(t, &api.Pod{})
	w := &watcher{s: s, kind: podKind, ctx: context.Background(), ch: make(chan store.Event, 1)}
	if w.forward(clientv3.WatchResponse{CompactRevision: 7}) {
		t.Fatalf("a compaction did not end the watch")
	}
	ev := <-w.ch
	if ev.Type != store.Error || !errors.Is(ev.Err, store.ErrCompacted) {
		t.Fatalf("compaction became %s %v", ev.Type, ev.Err)
	}

	watch, err := s.Watch(context.Background(), podKind, store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Stop()
	if _, err := s.client.Put(context.Background(), s.key(podKind, "default", "junk"), "{not json"); err != nil {
		t.Fatal(err)
	}
	ev, ok := nextEvent(t, watch)
	if !ok || ev.Type != store.Error || ev.Err == nil {
		t.Fatalf("a value that does not decode became %s %v (open %v)", ev.Type, ev.Err, ok)
	}
	if _, ok := nextEvent(t, watch); ok {
		t.Fatalf("the watch went on after its Error event")
	}
	_, err = s.Get(context.Background(), podKind, "default", "junk")
	if err == nil {
		t.Fatalf("get of a value that does not decode succeeded")
	}
	if _, err := s.List(context.Background(), podKind, store.ListOptions{}); err == nil {
		t.Fatalf("list over a value that does not decode succeeded")
	}
}

func TestOpenUnreachable(t *testing.T) {
	url, err := FreeLoopbackURL()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if s, err := Open(ctx, []string{url}, Options{}); err == nil {
		s.Close()
		t.Fatalf("Open of an address where nothing listens succeeded")
	}
	if _, err := StartEmbedded(EmbeddedConfig{}); err == nil {
		t.Fatalf("StartEmbedded without a data directory succeeded")
	}
}

func TestCloseLeavesSharedClient(t *testing.T) {
	client, err := clientv3.New(clientv3.Config{Endpoints: shared(t).Endpoints(), DialTimeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s := New(client, Options{Prefix: uniquePrefix()})
	create(t, s, testPod("default", "a"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = s.Revision(context.Background())
	expectIs(t, "revision after close", err, store.ErrClosed)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if _, err := client.Get(ctx, "x"); err != nil {
		t.Fatalf("the caller's client stopped working after Close: %v", err)
	}
}
