package memory

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/store"
)

func TestTriggersAgreeWithFieldSets(t *testing.T) {
	p := &api.Pod{Spec: api.PodSpec{NodeName: "n7"}}
	for resource, tr := range triggers {
		k, err := api.LookupResource("", resource)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tr.value(p), k.ObjectFields(p)[tr.field]; got != want {
			t.Fatalf("%s trigger reads %q, field set says %q", resource, got, want)
		}
	}
}

func recv(t *testing.T, w store.Watcher) store.Event {
	t.Helper()
	select {
	case ev := <-w.ResultChan():
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event")
	}
	return store.Event{}
}

// TestIndexedWatchers checks that node watchers are indexed, see their own
// pods arrive and leave, and are unregistered when stopped.
func TestIndexedWatchers(t *testing.T) {
	ctx := context.Background()
	s := New(Options{})
	defer s.Close()
	kind, _ := api.KindOf(&api.Pod{})
	ws := make([]store.Watcher, 100)
	for i := range ws {
		w, err := s.Watch(ctx, kind, store.WatchOptions{Fields: fields.OneTermEqualSelector("spec.nodeName", fmt.Sprint("n", i))})
		if err != nil {
			t.Fatal(err)
		}
		ws[i] = w
	}
	ks := s.kinds[kind]
	if len(ks.byValue) != 100 || len(ks.watchers) != 0 {
		t.Fatalf("%d indexed values, %d plain watchers", len(ks.byValue), len(ks.watchers))
	}
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "p"}, Spec: api.PodSpec{NodeName: "n5"}}
	if _, err := s.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	p.Spec.NodeName = "n6"
	if _, err := s.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	for i, want := range map[int]store.EventType{5: store.Added, 6: store.Added} {
		if ev := recv(t, ws[i]); ev.Type != want {
			t.Fatalf("watcher n%d got %s", i, ev.Type)
		}
	}
	if ev := recv(t, ws[5]); ev.Type != store.Deleted {
		t.Fatalf("watcher n5 got %s when the pod left", ev.Type)
	}
	for _, w := range ws {
		w.Stop()
		for range w.ResultChan() {
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(ks.byValue) != 0 {
		t.Fatalf("%d indexed values left after every watcher stopped", len(ks.byValue))
	}
}
