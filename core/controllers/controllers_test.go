package controllers_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

func TestControllerOwnerKey(t *testing.T) {
	owned := fixtures.MakePod().Name("p").OwnedBy("ReplicaSet", "web", "u1").Obj()
	mapFn := controllers.ControllerOwnerKey(controllers.ReplicaSetKind)
	if got := mapFn(owned); len(got) != 1 || got[0] != (controllers.Key{Namespace: "default", Name: "web"}) {
		t.Fatalf("keys %v, want default/web", got)
	}
	if got := mapFn(fixtures.MakePod().Name("p").OwnedBy("Job", "j", "u2").Obj()); got != nil {
		t.Fatalf("a Job-owned pod mapped to %v", got)
	}
	if got := mapFn(fixtures.MakePod().Name("p").Obj()); got != nil {
		t.Fatalf("an orphan mapped to %v", got)
	}
}

func TestExpectations(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	e := controllers.NewExpectations(c)
	k := controllers.Key{Namespace: "default", Name: "web"}
	if !e.Satisfied(k) {
		t.Fatalf("unknown key not satisfied")
	}
	e.ExpectCreations(k, 2)
	e.CreationObserved(k)
	if e.Satisfied(k) {
		t.Fatalf("satisfied with one create outstanding")
	}
	e.CreationObserved(k)
	if !e.Satisfied(k) {
		t.Fatalf("not satisfied after both creates were seen")
	}
	e.ExpectDeletions(k, []string{"u1", "u2"})
	e.DeletionObserved(k, "u1")
	e.DeletionObserved(k, "u1")
	if adds, dels := e.Pending(k); adds != 0 || dels != 1 || e.Satisfied(k) {
		t.Fatalf("pending %d/%d, want 0/1 and unsatisfied", adds, dels)
	}
	c.Step(controllers.ExpectationsTimeout + time.Second)
	if !e.Satisfied(k) {
		t.Fatalf("expectations did not expire")
	}
}

func TestProcessOneRequeues(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	q := workqueue.New[controllers.Key](c)
	k := controllers.Key{Namespace: "default", Name: "a"}
	fail := true
	ctl := controllers.Controller{Name: "t", Reconciler: controllers.ReconcilerFunc(
		func(context.Context, controllers.Key) (controllers.Result, error) {
			if fail {
				return controllers.Result{}, errors.New("boom")
			}
			return controllers.Result{RequeueAfter: time.Minute}, nil
		})}
	var reported error
	controllers.ProcessOne(context.Background(), ctl, q, k, func(_ string, _ controllers.Key, err error) { reported = err })
	if reported == nil || q.NumRequeues(k) != 1 || q.Len() != 0 {
		t.Fatalf("error not reported or not rate limited: requeues %d len %d", q.NumRequeues(k), q.Len())
	}
	c.Step(workqueue.DefaultBaseDelay)
	if q.Len() != 1 {
		t.Fatalf("retry not queued after the base delay")
	}
	got, _ := q.TryGet()
	fail = false
	controllers.ProcessOne(context.Background(), ctl, q, got, nil)
	q.Done(got)
	if q.NumRequeues(k) != 0 {
		t.Fatalf("success did not reset the back-off")
	}
	c.Step(time.Minute - time.Millisecond)
	if q.Len() != 0 {
		t.Fatalf("requeued before RequeueAfter")
	}
	c.Step(time.Millisecond)
	if q.Len() != 1 {
		t.Fatalf("not requeued after RequeueAfter")
	}
}

func TestRunnerRejectsDuplicateNames(t *testing.T) {
	ctl := controllers.Controller{Name: "x", Reconciler: controllers.ReconcilerFunc(nil)}
	if _, err := controllers.NewRunner(nil, clock.Real(), ctl, ctl); err == nil {
		t.Fatalf("duplicate controller names accepted")
	}
}
