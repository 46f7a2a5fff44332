package job_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/job"
	"github.com/kubetwin/kubetwin/core/registry"
)

func TestLowerParallelismDeletesLeastAdvanced(t *testing.T) {
	e, c := setup(t, fixtures.MakeJob("pi", 10, 3))
	e.Reconcile(c, jobKey)
	act := activePods(e)
	for _, p := range act[:2] {
		p.Spec.NodeName = "n1"
		e.UpdatePodStatus(controllertest.ReadyAt(p, e.Clock.Now(), "10.0.0.1"))
	}
	j := getJob(t, e)
	two := int32(2)
	j.Spec.Parallelism = &two
	if _, err := e.Reg.Update(e.Ctx, job.JobKind, j, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, jobKey)
	left := activePods(e)
	if len(left) != 2 || !controllers.IsPodReady(left[0]) || !controllers.IsPodReady(left[1]) {
		t.Fatalf("%d pods left, want the 2 ready ones", len(left))
	}
}

func TestWorkQueueJobCompletesWhenOneSucceedsAndRestStop(t *testing.T) {
	j := fixtures.MakeJob("pi", 1, 2)
	j.Spec.Completions = nil
	e, c := setup(t, j)
	e.Reconcile(c, jobKey)
	act := activePods(e)
	if len(act) != 2 {
		t.Fatalf("%d pods, want parallelism 2", len(act))
	}
	finish(e, act[0], api.PodSucceeded)
	e.Reconcile(c, jobKey)
	if n := len(activePods(e)); n != 1 || condition(getJob(t, e), api.JobComplete) != nil {
		t.Fatalf("%d active after one success, want 1 still running and not complete", n)
	}
	finish(e, activePods(e)[0], api.PodSucceeded)
	e.Reconcile(c, jobKey)
	if got := getJob(t, e); condition(got, api.JobComplete) == nil || got.Status.Succeeded != 2 {
		t.Fatalf("status %+v, want Complete with 2 succeeded", got.Status)
	}
}

func TestThroughRealTimeRunner(t *testing.T) {
	e := controllertest.New(t)
	c := job.New(e.Reg, e.Caches, e.Clock)
	r, err := controllers.NewRunner(e.Caches, clock.Real(), c.Descriptor(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	e.Create(job.JobKind, fixtures.MakeJob("pi", 3, 2))
	for finished := 0; finished < 3; {
		eventuallyTrue(t, "an active pod", func() bool { return len(activePods(e)) > 0 })
		for _, p := range activePods(e) {
			if len(activePods(e)) > 2 {
				t.Fatalf("more than parallelism 2 pods active")
			}
			finish(e, p, api.PodSucceeded)
			finished++
		}
	}
	eventuallyTrue(t, "Complete", func() bool {
		o, err := e.Get(job.JobKind, "pi")
		return err == nil && condition(o.(*api.Job), api.JobComplete) != nil
	})
	if n := len(e.List(controllers.PodKind)); n != 3 {
		t.Fatalf("%d pods created, want 3", n)
	}
}

func eventuallyTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
