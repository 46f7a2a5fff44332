package events_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	clock *clock.Manual
	reg   *registry.Registry
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := clock.NewManual(start)
	s := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = s.Close() })
	e := &env{t: t, clock: c, reg: registry.New(s, c)}
	e.create("Namespace", fixtures.MakeNamespace("default"))
	e.create("Namespace", fixtures.MakeNamespace("team"))
	return e
}

func (e *env) create(kind string, obj api.Object) api.Object {
	e.t.Helper()
	k, err := api.LookupKind(api.CoreV1, kind)
	if err != nil {
		e.t.Fatal(err)
	}
	out, err := e.reg.Create(context.Background(), k, obj.GetObjectMeta().Namespace, obj, registry.CreateOptions{})
	if err != nil {
		e.t.Fatalf("create %s: %v", kind, err)
	}
	return out
}

func (e *env) events() []*api.Event {
	e.t.Helper()
	k, _ := api.LookupKind(api.CoreV1, "Event")
	res, err := e.reg.List(context.Background(), k, store.ListOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	out := make([]*api.Event, 0, len(res.Items))
	for _, o := range res.Items {
		out = append(out, o.(*api.Event))
	}
	return out
}

func TestEventWrittenWithKubernetesFields(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Namespace("team").Name("web-1").Obj())
	sink := events.NewSink(e.reg, e.clock, events.Options{})
	sink.Recorder("default-scheduler").Eventf(pod, api.EventTypeWarning, "FailedScheduling", "0/%d nodes are available", 3)

	evs := e.events()
	if len(evs) != 1 {
		t.Fatalf("events = %d, want 1", len(evs))
	}
	ev := evs[0]
	want := api.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "team", Name: "web-1",
		UID: pod.GetObjectMeta().UID, ResourceVersion: pod.GetObjectMeta().ResourceVersion}
	if ev.InvolvedObject != want {
		t.Errorf("involvedObject = %+v, want %+v", ev.InvolvedObject, want)
	}
	if ev.Namespace != "team" || !strings.HasPrefix(ev.Name, "web-1.") {
		t.Errorf("event %s/%s, want team/web-1.<hex>", ev.Namespace, ev.Name)
	}
	if ev.Type != "Warning" || ev.Reason != "FailedScheduling" || ev.Message != "0/3 nodes are available" ||
		ev.Count != 1 || ev.Source.Component != "default-scheduler" || ev.ReportingController != "default-scheduler" {
		t.Errorf("event = %+v", ev)
	}
	if !ev.FirstTimestamp.Equal(start) || !ev.LastTimestamp.Equal(start) {
		t.Errorf("timestamps %v %v, want %v", ev.FirstTimestamp, ev.LastTimestamp, start)
	}
}

func TestIdenticalEventBumpsCount(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Name("p").Obj())
	rec := events.NewSink(e.reg, e.clock, events.Options{}).Recorder("kubelet")
	rec.Eventf(pod, api.EventTypeNormal, "Pulled", "image pulled")
	e.clock.Step(time.Minute)
	rec.Eventf(pod, api.EventTypeNormal, "Pulled", "image pulled")
	rec.Eventf(pod, api.EventTypeNormal, "Pulled", "another image pulled")

	evs := e.events()
	if len(evs) != 2 {
		t.Fatalf("events = %d, want 2 (one bumped, one new message)", len(evs))
	}
	var bumped *api.Event
	for _, ev := range evs {
		if ev.Message == "image pulled" {
			bumped = ev
		}
	}
	if bumped == nil || bumped.Count != 2 || !bumped.LastTimestamp.Equal(start.Add(time.Minute)) ||
		!bumped.FirstTimestamp.Equal(start) {
		t.Fatalf("bumped event = %+v, want count 2, first %v, last %v", bumped, start, start.Add(time.Minute))
	}
}

func TestClusterScopedObjectEventsGoToDefault(t *testing.T) {
	e := newEnv(t)
	node := e.create("Node", fixtures.MakeNode().Name("n1").Obj())
	events.NewSink(e.reg, e.clock, events.Options{}).Recorder("node-controller").
		Eventf(node, api.EventTypeNormal, "NodeNotReady", "Node n1 status is now: NodeNotReady")
	evs := e.events()
	if len(evs) != 1 || evs[0].Namespace != "default" || evs[0].InvolvedObject.Kind != "Node" {
		t.Fatalf("events = %+v, want one in default about Node n1", evs)
	}
}

func TestSpamFilterBoundsOneSourceAndObject(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Name("p").Obj())
	other := e.create("Pod", fixtures.MakePod().Name("q").Obj())
	sink := events.NewSink(e.reg, e.clock, events.Options{Burst: 5, RefillEvery: time.Minute})
	rec := sink.Recorder("c")
	for i := range 8 {
		rec.Eventf(pod, api.EventTypeNormal, "R", "message %d", i)
	}
	rec.Eventf(other, api.EventTypeNormal, "R", "other object has its own bucket")
	if st := sink.Stats(); st.Created != 6 || st.Filtered != 3 {
		t.Fatalf("stats = %+v, want 6 created, 3 filtered", st)
	}
	e.clock.Step(time.Minute)
	rec.Eventf(pod, api.EventTypeNormal, "R", "after a refill")
	rec.Eventf(pod, api.EventTypeNormal, "R", "refill spent")
	if st := sink.Stats(); st.Created != 7 || st.Filtered != 4 {
		t.Fatalf("stats = %+v, want 7 created, 4 filtered", st)
	}
}

func TestEventsExpireAfterTTLUnlessBumped(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Name("p").Obj())
	sink := events.NewSink(e.reg, e.clock, events.Options{TTL: 10 * time.Minute})
	rec := sink.Recorder("c")
	rec.Eventf(pod, api.EventTypeNormal, "Old", "old")
	rec.Eventf(pod, api.EventTypeNormal, "Kept", "kept")
	e.clock.Step(8 * time.Minute)
	rec.Eventf(pod, api.EventTypeNormal, "Kept", "kept") // bumped: lives until 18m
	e.clock.Step(4 * time.Minute)
	rec.Eventf(pod, api.EventTypeNormal, "New", "new") // at 12m: "old" is due
	got := reasons(e.events())
	if got != "Kept,New" {
		t.Fatalf("events at 12m = %s, want Kept,New", got)
	}
	e.clock.Step(7 * time.Minute)
	rec.Eventf(pod, api.EventTypeNormal, "Later", "later") // at 19m: "kept" is due
	if got := reasons(e.events()); got != "Later,New" {
		t.Fatalf("events at 19m = %s, want Later,New", got)
	}
	if st := sink.Stats(); st.Expired != 2 {
		t.Fatalf("expired = %d, want 2", st.Expired)
	}
}

func reasons(evs []*api.Event) string {
	var rs []string
	for _, ev := range evs {
		rs = append(rs, ev.Reason)
	}
	slices.Sort(rs)
	return strings.Join(rs, ",")
}

func TestSameInstantEventsGetDistinctNames(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Name("p").Obj())
	rec := events.NewSink(e.reg, e.clock, events.Options{}).Recorder("c")
	for i := range 4 {
		rec.Eventf(pod, api.EventTypeNormal, "R", "m%d", i)
	}
	evs := e.events()
	names := map[string]bool{}
	for _, ev := range evs {
		names[ev.Name] = true
	}
	if len(evs) != 4 || len(names) != 4 {
		t.Fatalf("events %d with %d names, want 4 distinct", len(evs), len(names))
	}
}

func TestAsyncSinkFlushesOnClose(t *testing.T) {
	e := newEnv(t)
	pod := e.create("Pod", fixtures.MakePod().Name("p").Obj())
	sink := events.NewSink(e.reg, e.clock, events.Options{Buffer: 100})
	rec := sink.Recorder("c")
	for i := range 10 {
		rec.Eventf(pod, api.EventTypeNormal, "R", "m%d", i)
	}
	sink.Close()
	rec.Eventf(pod, api.EventTypeNormal, "R", "after close")
	if n := len(e.events()); n != 10 {
		t.Fatalf("events = %d, want 10", n)
	}
	if st := sink.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped = %d, want 1 (the event after Close)", st.Dropped)
	}
}

func TestWriteFailureIsCountedNotRaised(t *testing.T) {
	e := newEnv(t)
	ghost := fixtures.MakePod().Namespace("missing").Name("p").Obj()
	sink := events.NewSink(e.reg, e.clock, events.Options{})
	sink.Recorder("c").Eventf(ghost, api.EventTypeWarning, "R", "namespace does not exist")
	sink.Recorder("c").Eventf(&notAKind{}, api.EventTypeWarning, "R", "unknown kind")
	if st := sink.Stats(); st.Failed != 2 || st.Created != 0 {
		t.Fatalf("stats = %+v, want 2 failed", st)
	}
}

// notAKind is an api.Object the scheme does not know.
type notAKind struct{ api.Pod }

func (n *notAKind) DeepCopyObject() api.Object { return n }
