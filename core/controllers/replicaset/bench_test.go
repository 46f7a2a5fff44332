package replicaset_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
)

// scaleUp reconciles the ReplicaSet, syncing the caches by hand before
// each reconcile (what a watch does in the background), until n pods
// exist; it returns the reconciles it took.
func scaleUp(tb testing.TB, e *controllertest.Env, c *replicaset.Controller, n int) int {
	tb.Helper()
	for i := 1; i <= n/replicaset.BurstReplicas+5; i++ {
		e.Reconcile(c, rsKey)
		if podCount(e) == n {
			return i
		}
	}
	tb.Fatalf("%d pods after scaling to %d", podCount(e), n)
	return 0
}

func podCount(e *controllertest.Env) int {
	return len(e.Caches.For(controllers.PodKind).List("default", nil))
}

// TestScaleUpInBursts is the small variant of the 0 → 10,000 benchmark:
// creates come in bursts of 500 and never overshoot.
func TestScaleUpInBursts(t *testing.T) {
	e, c, _ := setup(t, 1200)
	if got := scaleUp(t, e, c, 1200); got != 4 {
		t.Fatalf("%d reconciles to create 1,200 pods, want 4 (three bursts, then observe)", got)
	}
	e.Reconcile(c, rsKey)
	if n := len(pods(e)); n != 1200 {
		t.Fatalf("%d pods, want 1200", n)
	}
}

// BenchmarkScaleUp0To10000 measures the wall time of the controller work
// that takes a ReplicaSet from 0 to 10,000 pods against the memory store,
// cache syncs included.
func BenchmarkScaleUp0To10000(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		e, c, _ := setup(b, 10000)
		b.StartTimer()
		scaleUp(b, e, c, 10000)
	}
}

// BenchmarkReconcileSteady10000 measures reconciles per second of a
// ReplicaSet that owns 10,000 pods and has nothing to do.
func BenchmarkReconcileSteady10000(b *testing.B) {
	e, c, _ := setup(b, 10000)
	scaleUp(b, e, c, 10000)
	e.Reconcile(c, rsKey) // observe the creates and write status
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Reconcile(e.Ctx, rsKey); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reconciles/s")
}
