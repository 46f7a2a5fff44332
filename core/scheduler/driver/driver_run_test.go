package driver_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
	"github.com/kubetwin/kubetwin/core/scheduler/queue"
	"github.com/kubetwin/kubetwin/core/store"
)

// runDriver runs a real-time driver on e until the test ends and returns
// the errors it has reported so far.
func (e *env) runDriver() (errs func() []error) {
	set := cache.NewSet(e.reg)
	d := driver.New(e.sched, set, e.wb)
	var mu sync.Mutex
	var got []error
	d.OnError = func(err error) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	waitCaches := set.Start(ctx, e.clock)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done; waitCaches() })
	return func() []error {
		mu.Lock()
		defer mu.Unlock()
		return append([]error(nil), got...)
	}
}

// waitUntil polls cond for up to 20 s.
func (e *env) waitUntil(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out after 20s waiting for %s; events %q", what, e.events())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDriverSchedulesFromWatchedObjects(t *testing.T) {
	e := newEnv(t, clock.Real())
	errs := e.runDriver()
	for i := range 3 {
		e.create(nodeKind, fixtures.MakeNode().Name(fmt.Sprintf("node-%d", i)).CPU("2").Obj())
	}
	for i := range 6 {
		e.create(podKind, fixtures.MakePod().Name(fmt.Sprintf("p%d", i)).CPU("1").Obj())
	}
	e.create(podKind, fixtures.MakePod().Name("huge").CPU("8").Obj())
	e.waitUntil("two pods per node and huge unschedulable", e.settled)
	if err := errs(); err != nil {
		t.Fatalf("driver errors: %v", err)
	}
}

// settled: p0..p5 bound, two per node, and huge marked unschedulable.
func (e *env) settled() bool {
	perNode := map[string]int{}
	for i := range 6 {
		n := e.pod(fmt.Sprintf("p%d", i)).Spec.NodeName
		if n == "" {
			return false
		}
		perNode[n]++
	}
	c := condition(e.pod("huge"), api.PodScheduled)
	return c != nil && c.Reason == "Unschedulable" &&
		len(perNode) == 3 && perNode["node-0"] == 2 && perNode["node-1"] == 2
}

// TestDriverUnderChurn feeds the driver while it schedules and binds:
// pods are deleted while in flight and a node arrives midway. Every pod
// left must end bound exactly once, the scheduler's cache must agree with
// the store, and nothing may be reported as an error (run with -race).
func TestDriverUnderChurn(t *testing.T) {
	e := newEnv(t, clock.Real())
	errs := e.runDriver()
	for i := range 3 {
		e.create(nodeKind, fixtures.MakeNode().Name(fmt.Sprintf("node-%d", i)).CPU("10").Obj())
	}
	for i := range 40 {
		e.create(podKind, fixtures.MakePod().Name(fmt.Sprintf("p%02d", i)).CPU("1").Obj())
		if i%4 == 3 { // delete an earlier pod, pending, in flight or bound
			e.delete(fmt.Sprintf("p%02d", i-2))
		}
		if i == 20 {
			e.create(nodeKind, fixtures.MakeNode().Name("node-3").CPU("10").Obj())
		}
	}
	e.waitUntil("30 pods bound and in the scheduler's cache", func() bool {
		return e.count(false) == 30 && e.count(true) == 30 && e.sched.Cache.PodCount() == 30
	})
	if err := errs(); err != nil {
		t.Fatalf("driver errors: %v", err)
	}
}

// TestPendingPodThatEndsLeavesTheQueue: a pod failed before it was placed
// (as an eviction or a deadline does) is no longer scheduled.
func TestPendingPodThatEndsLeavesTheQueue(t *testing.T) {
	e := newEnv(t, clock.Real())
	errs := e.runDriver()
	e.create(nodeKind, fixtures.MakeNode().Name("node-0").CPU("2").Obj())
	e.create(podKind, fixtures.MakePod().Name("huge").CPU("8").Obj())
	e.waitUntil("huge unschedulable", func() bool {
		c := condition(e.pod("huge"), api.PodScheduled)
		return c != nil && c.Reason == "Unschedulable" && e.sched.Queue.Len().Unschedulable == 1
	})
	e.setPhase("huge", api.PodFailed)
	e.waitUntil("the queue to drop huge", func() bool { return e.sched.Queue.Len() == queue.Counts{} })
	if err := errs(); err != nil {
		t.Fatalf("driver errors: %v", err)
	}
}

// TestFinishedPodsFreeTheirNodeQuietly: a bound pod that ends frees its
// room at once, and its later changes and deletion are no errors.
func TestFinishedPodsFreeTheirNodeQuietly(t *testing.T) {
	e := newEnv(t, clock.Real())
	errs := e.runDriver()
	e.create(nodeKind, fixtures.MakeNode().Name("node-0").CPU("2").Obj())
	e.create(podKind, fixtures.MakePod().Name("done").CPU("2").Obj())
	e.waitUntil("done bound", func() bool { return e.pod("done").Spec.NodeName != "" })
	e.setPhase("done", api.PodSucceeded)
	e.create(podKind, fixtures.MakePod().Name("next").CPU("2").Obj())
	e.waitUntil("next bound in the room done left", func() bool { return e.pod("next").Spec.NodeName != "" })
	e.setPhase("done", api.PodSucceeded) // a later status write of the ended pod
	e.delete("done")
	// The pod cache hands changes over in order: once a later pod is
	// scheduled, the driver has been told of the deletion.
	e.create(podKind, fixtures.MakePod().Name("marker").Obj())
	e.waitUntil("marker bound", func() bool { return e.pod("marker").Spec.NodeName != "" })
	if err := errs(); err != nil {
		t.Fatalf("driver errors: %v", err)
	}
}

func (e *env) delete(name string) {
	e.t.Helper()
	if _, _, err := e.reg.Delete(e.ctx, podKind, "default", name, registry.DeleteOptions{}); err != nil {
		e.t.Fatalf("delete pod %s: %v", name, err)
	}
}

// setPhase writes a pod's phase (and a message, so every call is a change)
// as its node agent would.
func (e *env) setPhase(name string, phase api.PodPhase) {
	e.t.Helper()
	p := e.pod(name).DeepCopy()
	p.Status.Phase, p.Status.Message = phase, p.Status.Message+"."
	if _, err := e.reg.Update(e.ctx, podKind, p, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
		e.t.Fatalf("set phase of %s: %v", name, err)
	}
}

// count counts the pods, or only the bound ones.
func (e *env) count(boundOnly bool) int {
	e.t.Helper()
	res, err := e.reg.List(e.ctx, podKind, store.ListOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, o := range res.Items {
		if !boundOnly || o.(*api.Pod).Spec.NodeName != "" {
			n++
		}
	}
	return n
}
