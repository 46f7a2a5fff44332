package podgc_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/podgc"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

func setup(t *testing.T) (*controllertest.Env, *podgc.Controller) {
	t.Helper()
	e := controllertest.New(t)
	c := podgc.New(e.Reg, e.Caches)
	e.Create(podgc.NodeKind, fixtures.MakeNode().Name("n1").Obj())
	return e, c
}

func names(e *controllertest.Env) []string {
	var out []string
	for _, o := range e.List(controllers.PodKind) {
		out = append(out, o.GetObjectMeta().Name)
	}
	slices.Sort(out)
	return out
}

func TestTerminatedBeyondThresholdOldestFirst(t *testing.T) {
	e, c := setup(t)
	c.Threshold = 3
	// Created newest-named first, so creation order, not name order, must decide.
	for i, name := range []string{"e", "d", "c", "b", "a"} {
		phase := api.PodSucceeded
		if i%2 == 1 {
			phase = api.PodFailed
		}
		e.CreatePod(fixtures.MakePod().Name(name).Node("n1").Phase(phase).Obj())
		e.Clock.Step(time.Second)
	}
	e.CreatePod(fixtures.MakePod().Name("running").Node("n1").Phase(api.PodRunning).Obj())
	res := e.Reconcile(c, podgc.Key)
	if res.RequeueAfter != podgc.Period {
		t.Fatalf("requeue %v, want %v", res.RequeueAfter, podgc.Period)
	}
	if got := names(e); !slices.Equal(got, []string{"a", "b", "c", "running"}) {
		t.Fatalf("pods left %v, want the 3 newest terminated and the running one", got)
	}
	e.Reconcile(c, podgc.Key)
	if got := names(e); len(got) != 4 {
		t.Fatalf("pods left %v after a second run, want 4", got)
	}
}

func TestDefaultThresholdKeepsFewTerminated(t *testing.T) {
	e, c := setup(t)
	e.CreatePod(fixtures.MakePod().Name("done").Node("n1").Phase(api.PodSucceeded).Obj())
	e.Reconcile(c, podgc.Key)
	if got := names(e); len(got) != 1 || c.Threshold != podgc.DefaultThreshold {
		t.Fatalf("pods %v threshold %d, want the pod kept under %d", got, c.Threshold, podgc.DefaultThreshold)
	}
}

func TestOrphanedAndUnscheduledTerminating(t *testing.T) {
	e, c := setup(t)
	e.CreatePod(fixtures.MakePod().Name("on-n1").Node("n1").Phase(api.PodRunning).Obj())
	e.CreatePod(fixtures.MakePod().Name("on-gone").Node("gone").Phase(api.PodRunning).Obj())
	e.CreatePod(fixtures.MakePod().Name("pending").Phase(api.PodPending).Obj())
	e.CreatePod(fixtures.MakePod().Name("stuck").Phase(api.PodPending).Obj())
	e.CreatePod(fixtures.MakePod().Name("draining").Node("n1").Phase(api.PodRunning).Obj())
	grace := int64(30)
	for _, n := range []string{"stuck", "draining"} {
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{GracePeriodSeconds: &grace}}
		if _, _, err := e.Reg.Delete(e.Ctx, controllers.PodKind, "default", n, opts); err != nil {
			t.Fatal(err)
		}
	}
	e.Reconcile(c, podgc.Key)
	if got := names(e); !slices.Equal(got, []string{"draining", "on-n1", "pending"}) {
		t.Fatalf("pods left %v, want draining, on-n1 and pending", got)
	}
}

// The collector is periodic: only nodes queue it, and every pass asks to
// run again after Period.
func TestDescriptorIsPeriodic(t *testing.T) {
	f, c := setup(t)
	d := c.Descriptor()
	if len(d.Watches) != 1 || d.Watches[0].Kind != podgc.NodeKind {
		t.Fatalf("watches %+v, want nodes only", d.Watches)
	}
	if keys := d.Watches[0].MapFunc(fixtures.MakeNode().Name("n").Obj()); len(keys) != 1 || keys[0] != podgc.Key {
		t.Fatalf("a node maps to %v, want the collector", keys)
	}
	if res := f.Reconcile(c, podgc.Key); res.RequeueAfter != podgc.Period {
		t.Fatalf("requeue after %v, want %v", res.RequeueAfter, podgc.Period)
	}
}
