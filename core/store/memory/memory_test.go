package memory_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/core/store/storetest"
)

var (
	podKind   = mustKind(&api.Pod{})
	leaseKind = mustKind(&api.Lease{})
	start     = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func mustKind(obj api.Object) *api.Kind {
	k, err := api.KindOf(obj)
	if err != nil {
		panic(err)
	}
	return k
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New(memory.Options{}) })
}

func TestConformanceManualClockSmallHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return memory.New(memory.Options{Clock: clock.NewManual(start), Rand: rand.New(rand.NewPCG(5, 6)), HistorySize: 1000})
	})
}

func BenchmarkMemory(b *testing.B) {
	storetest.Benchmarks(b, func(b *testing.B) store.Store { return memory.New(memory.Options{}) })
}

func pod(ns, name string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
}

func generated(ns, prefix string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, GenerateName: prefix}}
}

func mustCreate(t *testing.T, s *memory.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Create(context.Background(), obj)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return out
}

// identities creates a fixed sequence of pods and returns their names and uids.
func identities(t *testing.T, seed uint64) []string {
	s := memory.New(memory.Options{Clock: clock.NewManual(start), Rand: rand.New(rand.NewPCG(seed, 1))})
	defer s.Close()
	var out []string
	for i := range 10 {
		var obj api.Object = generated("default", "web-")
		if i%3 == 0 {
			obj = pod("default", fmt.Sprint("p", i))
		}
		m := mustCreate(t, s, obj).GetObjectMeta()
		out = append(out, m.Name+" "+m.UID)
	}
	return out
}

func TestDeterministicIdentities(t *testing.T) {
	a, b, c := identities(t, 1), identities(t, 1), identities(t, 2)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("same seed, different names or uids:\n%v\n%v", a, b)
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatalf("different seeds, same names and uids")
	}
}

func TestUIDsAreVersion4(t *testing.T) {
	s := memory.New(memory.Options{})
	defer s.Close()
	u, err := uuid.Parse(mustCreate(t, s, pod("default", "a")).GetObjectMeta().UID)
	if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("uid %v (err %v) is not a version 4 UUID", u, err)
	}
}

func TestGeneratedNameCollisionDrawsAgain(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	r.Uint64() // the explicit pod's uid takes two draws
	r.Uint64()
	taken := store.GenerateName("web-", r)
	s := memory.New(memory.Options{Rand: rand.New(rand.NewPCG(9, 9))})
	defer s.Close()
	mustCreate(t, s, pod("default", taken))
	got := mustCreate(t, s, generated("default", "web-")).GetObjectMeta().Name
	if got == taken {
		t.Fatalf("generated the taken name %q", got)
	}
	_, err := s.Create(context.Background(), pod("default", taken))
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("explicit duplicate: %v", err)
	}
}

func TestManualClockTimestamps(t *testing.T) {
	c := clock.NewManual(start.Add(300 * time.Millisecond))
	s := memory.New(memory.Options{Clock: c})
	defer s.Close()
	created := mustCreate(t, s, pod("default", "a")).GetObjectMeta()
	if !created.CreationTimestamp.Equal(start) {
		t.Fatalf("creationTimestamp %v, want %v", created.CreationTimestamp, start)
	}
	c.Step(10 * time.Second)
	grace := int64(30)
	out, _, err := s.Delete(context.Background(), podKind, "default", "a", store.DeleteOptions{GracePeriodSeconds: &grace})
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(40 * time.Second); !out.GetObjectMeta().DeletionTimestamp.Equal(want) {
		t.Fatalf("deletionTimestamp %v, want %v", out.GetObjectMeta().DeletionTimestamp, want)
	}
}

func TestHistoryWindow(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{HistorySize: 10})
	defer s.Close()
	for i := range 25 {
		mustCreate(t, s, pod("default", fmt.Sprintf("p%02d", i)))
	}
	if _, err := s.Watch(ctx, podKind, store.WatchOptions{Revision: 14}); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("watch from a revision outside the window: %v", err)
	}
	if _, err := s.List(ctx, podKind, store.ListOptions{Revision: 14}); !errors.Is(err, store.ErrCompacted) {
		t.Fatalf("list at a revision outside the window: %v", err)
	}
	res, err := s.List(ctx, podKind, store.ListOptions{Revision: 15})
	if err != nil || len(res.Items) != 15 {
		t.Fatalf("list at the window's edge: %v, %d items", err, len(res.Items))
	}
	w, err := s.Watch(ctx, podKind, store.WatchOptions{Revision: 15})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for rev := int64(16); rev <= 25; rev++ {
		if ev := <-w.ResultChan(); ev.Revision != rev || ev.Type != store.Added {
			t.Fatalf("replayed %s at %d, want ADDED at %d", ev.Type, ev.Revision, rev)
		}
	}
	if err := s.Compact(ctx, 26); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("compact beyond the current revision: %v", err)
	}
}

func TestSlowWatcherEnded(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{WatchQueueLimit: 5})
	defer s.Close()
	w, err := s.Watch(ctx, podKind, store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for i := range 20 {
		mustCreate(t, s, pod("default", fmt.Sprint("p", i)))
	}
	events := 0
	var last store.Event
	for ev := range w.ResultChan() {
		events++
		last = ev
	}
	if last.Type != store.Error || !errors.Is(last.Err, store.ErrTooSlow) {
		t.Fatalf("last event %s %v, want an ErrTooSlow error", last.Type, last.Err)
	}
	if events > 5+2 {
		t.Fatalf("%d events delivered past a limit of 5", events)
	}
	mustCreate(t, s, pod("default", "after")) // writers are unaffected
}

func TestUpdateAllocations(t *testing.T) {
	ctx := context.Background()
	s := memory.New(memory.Options{HistorySize: 16})
	defer s.Close()
	holder := "node-1"
	l := &api.Lease{ObjectMeta: api.ObjectMeta{Namespace: "kube-node-lease", Name: "node-1"},
		Spec: api.LeaseSpec{HolderIdentity: &holder}}
	mustCreate(t, s, l)
	renew := api.NewMicroTime(start)
	l.Spec.RenewTime = &renew
	copies := testing.AllocsPerRun(100, func() { _ = l.DeepCopyObject() })
	updates := testing.AllocsPerRun(1000, func() {
		renew.Time = renew.Add(time.Second)
		if _, err := s.Update(ctx, l); err != nil {
			t.Fatal(err)
		}
	})
	if updates > copies+1 {
		t.Fatalf("an update allocates %v times, the object copy %v: more than the resourceVersion extra", updates, copies)
	}
}

func TestCloseRefusesWork(t *testing.T) {
	s := memory.New(memory.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), pod("default", "a")); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("create after close: %v", err)
	}
	if _, err := s.Watch(context.Background(), leaseKind, store.WatchOptions{}); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("watch after close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

// OnCommit sees every change in revision order with the version it replaced.
func TestOnCommitSeesEveryChangeInOrder(t *testing.T) {
	ctx := context.Background()
	var got []string
	s := memory.New(memory.Options{Clock: clock.NewManual(start), OnCommit: func(ev store.Event, prev api.Object) {
		prevRV := "-"
		if prev != nil {
			prevRV = prev.GetObjectMeta().ResourceVersion
		}
		got = append(got, fmt.Sprintf("%d %s %s prev=%s", ev.Revision, ev.Type, ev.Object.GetObjectMeta().Name, prevRV))
	}})
	created, err := s.Create(ctx, pod("default", "a"))
	if err != nil {
		t.Fatal(err)
	}
	changed := created.DeepCopyObject().(*api.Pod)
	changed.Labels = map[string]string{"x": "y"}
	if _, err := s.Update(ctx, changed); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Delete(ctx, podKind, "default", "a", store.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "[1 ADDED a prev=- 2 MODIFIED a prev=1 3 DELETED a prev=2]"
	if fmt.Sprint(got) != want {
		t.Fatalf("commits %v\nwant %s", got, want)
	}
}
