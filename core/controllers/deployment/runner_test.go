package deployment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/deployment"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
)

// eventually polls cond on the test goroutine, playing the node between
// polls through cond itself.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestThroughRealTimeRunner(t *testing.T) {
	e := controllertest.New(t)
	dc := deployment.New(e.Reg, e.Caches, e.Clock)
	rc := replicaset.New(e.Reg, e.Caches, e.Clock)
	r, err := controllers.NewRunner(e.Caches, clock.Real(), dc.Descriptor(2), rc.Descriptor(2))
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
	e.Create(deployment.DeploymentKind, web(3).RollingUpdate(api.FromInt(1), api.FromInt(1)).Obj())
	complete := playNodeUntilComplete(e)
	eventually(t, "the first rollout", complete("1"))
	eventually(t, "the image update", func() bool { // retried: the controller may write in between
		d, err := e.Get(deployment.DeploymentKind, "web")
		if err != nil {
			return false
		}
		next := d.(*api.Deployment).DeepCopy()
		setImage("busybox:2")(next)
		_, err = e.Reg.Update(e.Ctx, deployment.DeploymentKind, next, updateMain)
		return err == nil
	})
	eventually(t, "the second rollout", complete("2"))
	if n := len(e.List(controllers.PodKind)); n != 3 {
		t.Fatalf("%d pods after the rollout, want 3", n)
	}
}

// playNodeUntilComplete returns a condition that, each time it is polled,
// makes every pod Ready (the node) and reports whether the Deployment's
// rollout to revision is complete, as kubectl rollout status judges it.
func playNodeUntilComplete(e *controllertest.Env) func(revision string) func() bool {
	ips := 0
	return func(revision string) func() bool {
		return func() bool {
			for _, o := range e.List(controllers.PodKind) {
				if p := o.(*api.Pod); !controllers.IsPodReady(p) && p.DeletionTimestamp == nil {
					ips++
					_, _ = e.Reg.Update(e.Ctx, controllers.PodKind, controllertest.ReadyAt(p.DeepCopy(), e.Clock.Now(),
						fmt.Sprintf("10.1.0.%d", ips%250+1)), updateStatus)
				}
			}
			o, err := e.Get(deployment.DeploymentKind, "web")
			if err != nil {
				return false
			}
			d := o.(*api.Deployment)
			return rolloutComplete(d) && d.Annotations[api.RevisionAnnotation] == revision &&
				conditionOf(d, api.DeploymentProgressing).Reason == deployment.NewRSAvailableReason
		}
	}
}
