package deployment_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/deployment"
)

func TestRolloutReportsScalingReplicaSet(t *testing.T) {
	h := newHarness(t, web(2).Obj())
	h.dc.Events = h.e.Recorder(deployment.Component)
	h.settle(5)
	first := h.rsByImage("busybox").Name
	if want := "Normal ScalingReplicaSet Deployment/web: Scaled up replica set " + first + " from 0 to 2"; !h.e.HasEvent(want) {
		t.Fatalf("no %q in %q", want, h.e.Events())
	}
	h.update(setImage("busybox:2"))
	h.settle(10)
	if want := "Normal ScalingReplicaSet Deployment/web: Scaled down replica set " + first + " from "; !h.e.HasEvent(want) {
		t.Fatalf("no %q in %q", want, h.e.Events())
	}
}

// TestRollingUpdateOf100KeepsEveryPodAvailable is the promise: with
// maxSurge 25% and maxUnavailable 0, a rollout of 100 replicas never has
// fewer than 100 available pods, checked after every write.
func TestRollingUpdateOf100KeepsEveryPodAvailable(t *testing.T) {
	h := newHarness(t, web(100).RollingUpdate(api.FromString("25%"), api.FromInt(0)).Obj())
	h.settle(10)
	most := 0
	h.check = func() {
		total, ready := 0, 0
		for _, p := range h.pods() {
			total++
			if controllers.IsPodReady(p) {
				ready++
			}
		}
		if ready < 100 || total > 125 {
			t.Fatalf("%d pods, %d available during the rollout; want ≥ 100 available and ≤ 125 pods: %s",
				total, ready, h.describe())
		}
		most = max(most, total)
	}
	h.update(setImage("busybox:2"))
	h.settle(40)
	if n, _ := h.podsOf("busybox:2"); n != 100 {
		t.Fatalf("%d pods of the new template, want 100: %s", n, h.describe())
	}
	if most != 125 {
		t.Fatalf("at most %d pods: the rollout did not use its 25%% surge", most)
	}
}
