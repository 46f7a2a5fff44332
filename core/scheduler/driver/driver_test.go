package driver_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
	"github.com/kubetwin/kubetwin/core/scheduler/queue"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

var (
	podKind   = kind(api.CoreV1, "Pod")
	nodeKind  = kind(api.CoreV1, "Node")
	nsKind    = kind(api.CoreV1, "Namespace")
	eventKind = kind(api.CoreV1, "Event")
	pcKind    = kind(api.SchedulingV1, "PriorityClass")
)

func kind(v, k string) *api.Kind {
	out, err := api.LookupKind(v, k)
	if err != nil {
		panic(err)
	}
	return out
}

// env is a registry on a clock with a scheduler written back synchronously,
// as the simulator drives it.
type env struct {
	t     *testing.T
	ctx   context.Context
	clock clock.Clock
	reg   *registry.Registry
	sched *scheduler.Scheduler
	wb    *driver.WriteBack
}

func newEnv(t *testing.T, c clock.Clock) *env {
	t.Helper()
	st := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = st.Close() })
	reg := registry.New(st, c)
	s, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(1, 2)),
		Binder: driver.Binder{Client: reg}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), clock: c, reg: reg, sched: s,
		wb: &driver.WriteBack{Client: reg, Clock: c,
			Events: events.NewSink(reg, c, events.Options{}).Recorder(driver.Component)}}
	e.create(nsKind, fixtures.MakeNamespace("default"))
	return e
}

func (e *env) create(k *api.Kind, obj api.Object) api.Object {
	e.t.Helper()
	out, err := e.reg.Create(e.ctx, k, obj.GetObjectMeta().Namespace, obj, registry.CreateOptions{})
	if err != nil {
		e.t.Fatalf("create %s %s: %v", k.Kind, obj.GetObjectMeta().Name, err)
	}
	return out
}

func (e *env) pod(name string) *api.Pod {
	e.t.Helper()
	obj, err := e.reg.Get(e.ctx, podKind, "default", name)
	if err != nil {
		e.t.Fatalf("get pod %s: %v", name, err)
	}
	return obj.(*api.Pod)
}

// events lists "Type Reason Name: message (count)" lines, sorted by name.
func (e *env) events() []string {
	e.t.Helper()
	res, err := e.reg.List(e.ctx, eventKind, store.ListOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, o := range res.Items {
		ev := o.(*api.Event)
		out = append(out, fmt.Sprintf("%s %s %s: %s (%d)", ev.Type, ev.Reason, ev.InvolvedObject.Name, ev.Message, ev.Count))
	}
	return out
}

// scheduleAll runs synchronous cycles until none is ready, writing each back.
func (e *env) scheduleAll() {
	e.t.Helper()
	for range 100 {
		res, ok := e.sched.ScheduleOne(e.ctx)
		if !ok {
			return
		}
		if err := e.wb.Apply(e.ctx, res); err != nil {
			e.t.Fatalf("write back %s: %v", res.Pod.Name, err)
		}
	}
	e.t.Fatal("scheduler never ran out of ready pods")
}

func (e *env) addNodes(n int, cpu string) {
	for i := range n {
		e.sched.AddNode(e.create(nodeKind, fixtures.MakeNode().Name(fmt.Sprintf("node-%d", i)).CPU(cpu).Obj()).(*api.Node))
	}
}

func (e *env) addPod(p *api.Pod) {
	e.t.Helper()
	if err := e.sched.AddPod(e.create(podKind, p).(*api.Pod)); err != nil {
		e.t.Fatal(err)
	}
}

func TestUnschedulablePodGetsConditionAndEvent(t *testing.T) {
	e := newEnv(t, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	e.addNodes(5, "2")
	e.addPod(fixtures.MakePod().Name("big").CPU("4").Obj())
	e.scheduleAll()

	const msg = "0/5 nodes are available: 5 Insufficient cpu."
	pod := e.pod("big")
	var cond *api.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == api.PodScheduled {
			cond = &pod.Status.Conditions[i]
		}
	}
	if cond == nil || cond.Status != api.ConditionFalse || cond.Reason != "Unschedulable" || !strings.HasPrefix(cond.Message, msg) {
		t.Fatalf("PodScheduled = %+v, want False/Unschedulable %q", cond, msg)
	}
	evs := e.events()
	if len(evs) != 1 || !strings.HasPrefix(evs[0], "Warning FailedScheduling big: "+msg) {
		t.Fatalf("events = %q, want one FailedScheduling with %q", evs, msg)
	}
}

func TestRepeatedFailureDoesNotRewriteStatus(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := newEnv(t, c)
	e.addNodes(2, "1")
	e.addPod(fixtures.MakePod().Name("big").CPU("4").Obj())
	e.scheduleAll()
	rv := e.pod("big").ResourceVersion
	c.Step(time.Minute)
	e.sched.Queue.MoveAllToActiveOrBackoff(queue.EventNodeUpdate)
	e.scheduleAll()
	if got := e.pod("big").ResourceVersion; got != rv {
		t.Fatalf("pod rewritten on an identical failure: resourceVersion %s -> %s", rv, got)
	}
	if evs := e.events(); len(evs) != 1 || !strings.HasSuffix(evs[0], "(2)") {
		t.Fatalf("events = %q, want one FailedScheduling counted twice", evs)
	}
}

func TestScheduledPodIsBoundWithEvent(t *testing.T) {
	e := newEnv(t, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	e.addNodes(1, "2")
	e.addPod(fixtures.MakePod().Name("web").CPU("1").Obj())
	e.scheduleAll()
	if n := e.pod("web").Spec.NodeName; n != "node-0" {
		t.Fatalf("web bound to %q, want node-0", n)
	}
	want := "Normal Scheduled web: Successfully assigned default/web to node-0 (1)"
	if evs := e.events(); len(evs) != 1 || evs[0] != want {
		t.Fatalf("events = %q, want %q", evs, want)
	}
}

func TestPreemptionDeletesVictimsAndNominates(t *testing.T) {
	e := newEnv(t, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	e.create(pcKind, fixtures.MakePriorityClass("low", 1))
	e.create(pcKind, fixtures.MakePriorityClass("high", 1000))
	e.addNodes(1, "2")
	// The finalizer keeps the victim visible after its deletion, as a
	// kubelet's graceful termination would.
	e.addPod(fixtures.MakePod().Name("low").CPU("2").PriorityClass("low").Finalizer("example.com/keep").Obj())
	e.scheduleAll()
	e.sched.AddPod(e.pod("low")) // the bound pod, as the watch would report it
	e.addPod(fixtures.MakePod().Name("high").CPU("2").PriorityClass("high").Obj())
	e.scheduleAll()

	victim := e.pod("low")
	if victim.DeletionTimestamp == nil {
		t.Fatal("victim not deleted")
	}
	mark := condition(victim, api.DisruptionTarget)
	if mark == nil || mark.Status != api.ConditionTrue || mark.Reason != "PreemptionByScheduler" ||
		mark.Message != "default-scheduler: preempting to accommodate a higher priority pod" {
		t.Fatalf("victim's DisruptionTarget = %+v", mark)
	}
	high := e.pod("high")
	if n := high.Status.NominatedNodeName; n != "node-0" {
		t.Fatalf("nominatedNodeName = %q, want node-0", n)
	}
	want := fmt.Sprintf("Normal Preempted low: Preempted by pod %s on node node-0 (1)", high.UID)
	if !slices.Contains(e.events(), want) {
		t.Fatalf("events = %q, want %q", e.events(), want)
	}
}

func TestPreemptionOfVanishedVictimIsNotAnError(t *testing.T) {
	e := newEnv(t, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	e.create(pcKind, fixtures.MakePriorityClass("low", 1))
	e.create(pcKind, fixtures.MakePriorityClass("high", 1000))
	e.addNodes(1, "2")
	e.addPod(fixtures.MakePod().Name("low").CPU("2").PriorityClass("low").Obj())
	e.scheduleAll()
	low := e.pod("low")
	e.sched.AddPod(low)
	// The victim goes between the scheduler's decision and its write-back.
	if _, _, err := e.reg.Delete(e.ctx, podKind, "default", "low", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.addPod(fixtures.MakePod().Name("high").CPU("2").PriorityClass("high").Obj())
	e.scheduleAll() // fails the test on a write-back error
	if n := e.pod("high").Status.NominatedNodeName; n != "node-0" {
		t.Fatalf("nominatedNodeName = %q: the vanished pod was not chosen as victim", n)
	}
	for _, ev := range e.events() {
		if strings.Contains(ev, "Preempted") {
			t.Fatalf("Preempted reported for a pod already gone: %q", ev)
		}
	}
}

func condition(p *api.Pod, typ api.PodConditionType) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// watchFirstBinder binds through the registry and, before returning,
// reports the bound pod to the scheduler, as a watch that wins the race
// against the binding goroutine does on a real control plane.
type watchFirstBinder struct {
	e     *env
	sched *scheduler.Scheduler
}

func (b *watchFirstBinder) Bind(ctx context.Context, pod *api.Pod, node string) error {
	if err := (driver.Binder{Client: b.e.reg}).Bind(ctx, pod, node); err != nil {
		return err
	}
	return b.sched.UpdatePod(pod, b.e.pod(pod.Name))
}

func TestBindingConfirmedByWatchFirstIsNoError(t *testing.T) {
	e := newEnv(t, clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	b := &watchFirstBinder{e: e}
	s, err := scheduler.New(scheduler.Options{Clock: e.clock, Rand: rand.New(rand.NewPCG(1, 2)), Binder: b})
	if err != nil {
		t.Fatal(err)
	}
	b.sched, e.sched = s, s
	e.addNodes(1, "2")
	e.addPod(fixtures.MakePod().Name("web").CPU("1").Obj())
	res, ok := s.ScheduleOne(e.ctx)
	if !ok || res.Node != "node-0" || res.Err != nil {
		t.Fatalf("result = node %q, err %v; want node-0 and no error", res.Node, res.Err)
	}
	if s.Cache.IsAssumed(e.pod("web")) || s.Cache.PodCount() != 1 {
		t.Fatalf("cache: assumed %v, %d pods; want the pod confirmed", s.Cache.IsAssumed(e.pod("web")), s.Cache.PodCount())
	}
}
