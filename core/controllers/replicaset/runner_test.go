package replicaset_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
)

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestThroughRealTimeRunner(t *testing.T) {
	e := controllertest.New(t)
	c := replicaset.New(e.Reg, e.Caches, e.Clock)
	r, err := controllers.NewRunner(e.Caches, clock.Real(), c.Descriptor(4))
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
	e.Create(controllers.ReplicaSetKind, fixtures.MakeReplicaSet("web").Replicas(5).Obj())
	status := func(want int32) func() bool {
		return func() bool {
			o, err := e.Get(controllers.ReplicaSetKind, "web")
			return err == nil && o.(*api.ReplicaSet).Status.Replicas == want && len(pods(e)) == int(want)
		}
	}
	eventually(t, "5 replicas", status(5))
	setReplicas(t, e, 2)
	eventually(t, "2 replicas", status(2))
	time.Sleep(20 * time.Millisecond) // a runaway controller would overshoot here
	if n := len(pods(e)); n != 2 {
		t.Fatalf("%d pods after settling, want 2", n)
	}
	if st := r.Queue(replicaset.Name).Stats(); st.Taken == 0 {
		t.Fatalf("queue stats %+v: nothing processed", st)
	}
}
