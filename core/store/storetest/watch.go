package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

var watchCases = []testCase{
	{"WatchSequence", testWatchSequence},
	{"WatchFromPastRevision", testWatchFromPastRevision},
	{"WatchFromNow", testWatchFromNow},
	{"WatchNamespaceAndKind", testWatchNamespaceAndKind},
	{"WatchFieldSelectorTransitions", testWatchFieldTransitions},
	{"WatchLabelSelectorTransitions", testWatchLabelTransitions},
	{"WatchStop", testWatchStop},
	{"WatchContextCancel", testWatchContextCancel},
	{"WatchCompacted", testWatchCompacted},
	{"CloseEndsWatches", testCloseEndsWatches},
}

func watchFrom(t *testing.T, s store.Store, kind *api.Kind, opts store.WatchOptions) store.Watcher {
	t.Helper()
	w, err := s.Watch(ctxOf(t), kind, opts)
	if err != nil {
		t.Fatalf("watch %s %+v: %v", kind.Resource, opts, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// nextEvent waits for the watch's next event, failing if the channel
// closes or nothing arrives within eventTimeout.
func nextEvent(t *testing.T, w store.Watcher) store.Event {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch channel closed; wanted an event")
		}
		return ev
	case <-timer.C:
		t.Fatalf("no watch event within %v", eventTimeout)
	}
	return store.Event{}
}

// expectEvent checks the next event's type and key, and that its revision
// is the object's resourceVersion.
func expectEvent(t *testing.T, w store.Watcher, typ store.EventType, key string) store.Event {
	t.Helper()
	ev := nextEvent(t, w)
	if ev.Type != typ || ev.Object == nil || ev.Object.GetObjectMeta().Key() != key {
		t.Fatalf("got event %s %v (err %v), want %s %s", ev.Type, eventKey(ev), ev.Err, typ, key)
	}
	if rvOf(t, ev.Object) != ev.Revision {
		t.Fatalf("%s %s: event revision %d, object resourceVersion %s",
			typ, key, ev.Revision, ev.Object.GetObjectMeta().ResourceVersion)
	}
	return ev
}

func eventKey(ev store.Event) string {
	if ev.Object == nil {
		return "<nil>"
	}
	return ev.Object.GetObjectMeta().Key()
}

// expectClosed waits for the channel to close, ignoring events in flight.
func expectClosed(t *testing.T, w store.Watcher) {
	t.Helper()
	timer := time.NewTimer(eventTimeout)
	defer timer.Stop()
	for {
		select {
		case _, ok := <-w.ResultChan():
			if !ok {
				return
			}
		case <-timer.C:
			t.Fatalf("watch channel still open after %v", eventTimeout)
		}
	}
}

// marker creates a pod and expects it as the watch's next event, which
// proves that no other event was queued before it.
func marker(t *testing.T, s store.Store, w store.Watcher, ns, name string, lbls map[string]string, node string) {
	t.Helper()
	mustCreate(t, s, pod(ns, name, lbls, node))
	expectEvent(t, w, store.Added, ns+"/"+name)
}

func testWatchSequence(t *testing.T, s store.Store) {
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	created := mustCreate(t, s, pod("default", "a", nil, ""))
	updated := modify(t, s, podKind, "default", "a", func(o api.Object) { o.(*api.Pod).Spec.NodeName = "n1" })
	deleted, _ := mustDelete(t, s, podKind, "default", "a", store.DeleteOptions{})
	for _, want := range []struct {
		typ store.EventType
		obj api.Object
	}{{store.Added, created}, {store.Modified, updated}, {store.Deleted, deleted}} {
		ev := expectEvent(t, w, want.typ, "default/a")
		if ev.Revision != rvOf(t, want.obj) {
			t.Fatalf("%s at revision %d, the write was %d", want.typ, ev.Revision, rvOf(t, want.obj))
		}
	}
	if p := nextEventAfterMarker(t, s, w); p != "default/marker" {
		t.Fatalf("unexpected event for %s", p)
	}
}

func nextEventAfterMarker(t *testing.T, s store.Store, w store.Watcher) string {
	t.Helper()
	mustCreate(t, s, pod("default", "marker", nil, ""))
	return eventKey(nextEvent(t, w))
}

func testWatchFromPastRevision(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	from := revision(t, s)
	mustCreate(t, s, pod("default", "b", nil, ""))
	mustCreate(t, s, node("n1"))
	modify(t, s, podKind, "default", "a", func(o api.Object) { o.(*api.Pod).Spec.NodeName = "n1" })
	mustDelete(t, s, podKind, "default", "b", store.DeleteOptions{})
	w := watchFrom(t, s, podKind, store.WatchOptions{Revision: from})
	expectEvent(t, w, store.Added, "default/b")
	expectEvent(t, w, store.Modified, "default/a")
	expectEvent(t, w, store.Deleted, "default/b")
	marker(t, s, w, "default", "live", nil, "")
	w2 := watchFrom(t, s, podKind, store.WatchOptions{Revision: revision(t, s) - 1})
	expectEvent(t, w2, store.Added, "default/live")
	marker(t, s, w2, "default", "live2", nil, "")
}

func testWatchFromNow(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	mustCreate(t, s, pod("default", "b", nil, ""))
	expectEvent(t, w, store.Added, "default/b")
}

func testWatchNamespaceAndKind(t *testing.T, s store.Store) {
	w := watchFrom(t, s, podKind, store.WatchOptions{Namespace: "a"})
	mustCreate(t, s, pod("b", "x", nil, ""))
	mustCreate(t, s, pod("a-b", "x", nil, ""))
	mustCreate(t, s, node("a"))
	mustCreate(t, s, lease("a", "x"))
	mustCreate(t, s, pod("a", "x", nil, ""))
	expectEvent(t, w, store.Added, "a/x")
	nw := watchFrom(t, s, nodeKind, store.WatchOptions{})
	nsw := watchFrom(t, s, nodeKind, store.WatchOptions{Namespace: "a"}) // ignored: nodes have none
	mustCreate(t, s, pod("a", "y", nil, ""))
	mustCreate(t, s, node("n2"))
	expectEvent(t, nw, store.Added, "n2")
	expectEvent(t, nsw, store.Added, "n2")
	expectEvent(t, w, store.Added, "a/y")
}

func testWatchFieldTransitions(t *testing.T, s store.Store) {
	sel := mustParseFields(t, "spec.nodeName=n1")
	w := watchFrom(t, s, podKind, store.WatchOptions{Fields: sel})
	mustCreate(t, s, pod("default", "p", nil, ""))
	bind := func(n string) func(api.Object) { return func(o api.Object) { o.(*api.Pod).Spec.NodeName = n } }
	modify(t, s, podKind, "default", "p", bind("n1"))
	expectEvent(t, w, store.Added, "default/p")
	modify(t, s, podKind, "default", "p", func(o api.Object) { o.(*api.Pod).Status.Phase = api.PodRunning })
	expectEvent(t, w, store.Modified, "default/p")
	modify(t, s, podKind, "default", "p", bind("n2"))
	ev := expectEvent(t, w, store.Deleted, "default/p")
	if ev.Object.(*api.Pod).Spec.NodeName != "n2" {
		t.Fatalf("the Deleted event for leaving the selection carries %q, want the new state", ev.Object.(*api.Pod).Spec.NodeName)
	}
	modify(t, s, podKind, "default", "p", bind("n3"))
	marker(t, s, w, "default", "m", nil, "n1")
	unscheduled := watchFrom(t, s, podKind, store.WatchOptions{Fields: mustParseFields(t, "spec.nodeName=")})
	mustCreate(t, s, pod("default", "q", nil, ""))
	expectEvent(t, unscheduled, store.Added, "default/q")
	modify(t, s, podKind, "default", "q", bind("n1"))
	expectEvent(t, unscheduled, store.Deleted, "default/q")
	expectEvent(t, w, store.Added, "default/q")
}

func testWatchLabelTransitions(t *testing.T, s store.Store) {
	w := watchFrom(t, s, podKind, store.WatchOptions{Labels: mustParseLabels(t, "app=web")})
	mustCreate(t, s, pod("default", "db", map[string]string{"app": "db"}, ""))
	mustCreate(t, s, pod("default", "p", map[string]string{"app": "web"}, ""))
	expectEvent(t, w, store.Added, "default/p")
	relabel := func(v string) func(api.Object) {
		return func(o api.Object) { o.GetObjectMeta().Labels = map[string]string{"app": v} }
	}
	modify(t, s, podKind, "default", "p", relabel("db"))
	expectEvent(t, w, store.Deleted, "default/p")
	mustDelete(t, s, podKind, "default", "db", store.DeleteOptions{})
	modify(t, s, podKind, "default", "p", relabel("web"))
	expectEvent(t, w, store.Added, "default/p")
	mustDelete(t, s, podKind, "default", "p", store.DeleteOptions{})
	expectEvent(t, w, store.Deleted, "default/p")
	marker(t, s, w, "default", "m", map[string]string{"app": "web"}, "")
}

func testWatchStop(t *testing.T, s store.Store) {
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	mustCreate(t, s, pod("default", "a", nil, ""))
	w.Stop()
	w.Stop() // idempotent
	expectClosed(t, w)
	mustCreate(t, s, pod("default", "b", nil, "")) // writes go on without the watcher
	other := watchFrom(t, s, podKind, store.WatchOptions{})
	marker(t, s, other, "default", "c", nil, "")
}

func testWatchContextCancel(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(ctxOf(t))
	w, err := s.Watch(ctx, podKind, store.WatchOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	cancel()
	expectClosed(t, w)
}

func testWatchCompacted(t *testing.T, s store.Store) {
	createPods(t, s, "default", "a", "b", "c")
	old := revision(t, s) - 2
	if err := s.Compact(ctxOf(t), revision(t, s)-1); err != nil {
		t.Fatalf("compact: %v", err)
	}
	_, err := s.Watch(ctxOf(t), podKind, store.WatchOptions{Revision: old})
	expectErr(t, "watch from a compacted revision", err, store.ErrCompacted)
	w := watchFrom(t, s, podKind, store.WatchOptions{Revision: revision(t, s) - 1})
	expectEvent(t, w, store.Added, "default/c")
}

func testCloseEndsWatches(t *testing.T, s store.Store) {
	w1 := watchFrom(t, s, podKind, store.WatchOptions{})
	w2 := watchFrom(t, s, nodeKind, store.WatchOptions{Labels: mustParseLabels(t, "x=y")})
	mustCreate(t, s, pod("default", "a", nil, ""))
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	expectClosed(t, w1)
	expectClosed(t, w2)
	_, err := s.Get(context.Background(), podKind, "default", "a")
	expectErr(t, "get after close", err, store.ErrClosed)
}

var concurrencyCases = []testCase{
	{"ConcurrentRetryUpdates", testConcurrentRetryUpdates},
	{"WatchersAgree", testWatchersAgree},
}

func testConcurrentRetryUpdates(t *testing.T, s store.Store) {
	const workers, increments = 8, 50
	mustCreate(t, s, lease("default", "counter"))
	w := watchFrom(t, s, leaseKind, store.WatchOptions{})
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var err error
			for i := 0; i < increments && err == nil; i++ {
				_, err = store.RetryUpdate(context.Background(), s, leaseKind, "default", "counter", increment)
			}
			errs <- err
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatalf("increment: %v", err)
		}
	}
	final := mustGet(t, s, leaseKind, "default", "counter")
	if got := final.GetObjectMeta().Annotations[counterAnnotation]; got != fmt.Sprint(workers*increments) {
		t.Fatalf("counter %s after %d increments", got, workers*increments)
	}
	for want := 1; want <= workers*increments; want++ {
		ev := expectEvent(t, w, store.Modified, "default/counter")
		if got := ev.Object.GetObjectMeta().Annotations[counterAnnotation]; got != fmt.Sprint(want) {
			t.Fatalf("update %d set the counter to %s: an update was lost", want, got)
		}
	}
}

func increment(o api.Object) (api.Object, error) {
	m := o.GetObjectMeta()
	var n int
	if v := m.Annotations[counterAnnotation]; v != "" {
		if _, err := fmt.Sscan(v, &n); err != nil {
			return nil, fmt.Errorf("counter %q: %w", v, err)
		}
	}
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[counterAnnotation] = fmt.Sprint(n + 1)
	return o, nil
}

func testWatchersAgree(t *testing.T, s store.Store) {
	const watchers, writers, writes = 20, 4, 25
	ws := make([]store.Watcher, watchers)
	for i := range ws {
		ws[i] = watchFrom(t, s, podKind, store.WatchOptions{})
	}
	done := make(chan error, writers)
	for g := range writers {
		go func() {
			var err error
			for i := 0; i < writes && err == nil; i++ {
				_, err = s.Create(context.Background(), pod("default", fmt.Sprintf("w%d-%02d", g, i), nil, ""))
			}
			done <- err
		}()
	}
	for range writers {
		if err := <-done; err != nil {
			t.Fatalf("create: %v", err)
		}
	}
	var first []string
	for i, w := range ws {
		var seq []string
		var last int64
		for range writers * writes {
			ev := nextEvent(t, w)
			if ev.Type != store.Added || ev.Revision <= last {
				t.Fatalf("watcher %d: event %s at revision %d after %d", i, ev.Type, ev.Revision, last)
			}
			last = ev.Revision
			seq = append(seq, fmt.Sprintf("%s@%d", eventKey(ev), ev.Revision))
		}
		if i == 0 {
			first = seq
		} else if fmt.Sprint(seq) != fmt.Sprint(first) {
			t.Fatalf("watcher %d saw %v, watcher 0 saw %v", i, seq, first)
		}
	}
}
