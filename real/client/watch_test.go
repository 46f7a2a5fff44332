package client_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// next reads one event, failing the test after a bound.
func next(t *testing.T, w store.Watcher) store.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("the watch ended early")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event")
	}
	return store.Event{}
}

// closes requires w's channel to close (after any events) within a bound.
func closes(t *testing.T, w store.Watcher) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-w.ResultChan():
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the watch channel did not close")
		}
	}
}

// revisionOf parses obj's resourceVersion.
func revisionOf(t *testing.T, obj api.Object) int64 {
	t.Helper()
	n, err := strconv.ParseInt(obj.GetObjectMeta().ResourceVersion, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWatchSeesChangesInOrder(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	start, err := e.c.List(c, podKind, store.ListOptions{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := e.c.Watch(c, podKind, store.WatchOptions{Namespace: "default", Revision: start.Revision})
	if err != nil {
		t.Fatal(err)
	}
	created, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	upd := created.DeepCopyObject().(*api.Pod)
	upd.Labels = map[string]string{"v": "2"}
	updated, err := e.c.Update(c, podKind, upd, registry.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.c.Delete(c, podKind, "default", "a", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ store.EventType
		rev int64
	}{{store.Added, revisionOf(t, created)}, {store.Modified, revisionOf(t, updated)}, {store.Deleted, 0}}
	last := start.Revision
	for i, wnt := range want {
		ev := next(t, w)
		p, ok := ev.Object.(*api.Pod)
		if ev.Type != wnt.typ || !ok || p.Name != "a" || ev.Revision <= last || ev.Revision != revisionOf(t, p) {
			t.Fatalf("event %d: %s %T rev %d (after %d), want %s of pod a", i, ev.Type, ev.Object, ev.Revision, last, wnt.typ)
		}
		if wnt.rev != 0 && ev.Revision != wnt.rev {
			t.Errorf("event %d: revision %d, want %d", i, ev.Revision, wnt.rev)
		}
		last = ev.Revision
	}
	w.Stop()
	w.Stop() // idempotent
	closes(t, w)
}

func TestWatchFromNowSkipsExisting(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("old").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	web, _ := labels.Parse("app=web")
	w, err := e.c.Watch(c, podKind, store.WatchOptions{Labels: web})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, p := range []*fixtures.PodWrapper{fixtures.MakePod().Name("db").Label("app", "db"),
		fixtures.MakePod().Name("web").Label("app", "web")} {
		if _, err := e.c.Create(c, podKind, "default", p.Obj(), registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if ev := next(t, w); ev.Type != store.Added || ev.Object.GetObjectMeta().Name != "web" {
		t.Errorf("first event %s %s, want ADDED web", ev.Type, ev.Object.GetObjectMeta().Name)
	}
}

func TestWatchCompactedRevision(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	first, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("b").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rev, _ := e.store.Revision(c)
	if err := e.store.Compact(c, rev); err != nil {
		t.Fatal(err)
	}
	w, err := e.c.Watch(c, podKind, store.WatchOptions{Revision: revisionOf(t, first)})
	if err != nil {
		t.Fatal(err)
	}
	ev := next(t, w)
	if ev.Type != store.Error || !errors.Is(ev.Err, store.ErrCompacted) {
		t.Fatalf("event %s %v, want an Error wrapping ErrCompacted", ev.Type, ev.Err)
	}
	if se := statusOf(t, ev.Err); se.Status.Code != http.StatusGone {
		t.Errorf("status %+v, want 410", se.Status)
	}
	closes(t, w)
}

func TestWatchEndsWithTheConnection(t *testing.T) {
	e := newEnv(t)
	w, err := e.c.Watch(ctx(t), podKind, store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.CloseClientConnections()
	closes(t, w)

	c, cancel := context.WithCancel(ctx(t))
	w, err = e.c.Watch(c, podKind, store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	closes(t, w)
}

func TestWatchErrorsBeforeStreaming(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.c.Watch(c, nodeKind, store.WatchOptions{Namespace: "default"})
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("watch nodes in a namespace: %v, want ErrInvalid", err)
	}
	_, err = e.client("wrong").Watch(c, podKind, store.WatchOptions{Revision: 1})
	if se := statusOf(t, err); se.Status.Code != http.StatusUnauthorized {
		t.Errorf("watch with a wrong token: %+v, want 401", se.Status)
	}
}

func TestWatchNothingSeesNothing(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	w, err := e.c.Watch(c, podKind, store.WatchOptions{Labels: labels.Nothing()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case ev := <-w.ResultChan():
		t.Errorf("a watch selecting nothing saw %s", ev.Type)
	case <-time.After(100 * time.Millisecond):
	}
	w.Stop()
	closes(t, w)
}
