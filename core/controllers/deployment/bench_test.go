package deployment_test

import "testing"

// BenchmarkReconcileSteady10000 measures reconciles per second of a
// Deployment whose 10,000 pods are all available: nothing to do.
func BenchmarkReconcileSteady10000(b *testing.B) {
	h := newHarness(b, web(10000).Obj())
	h.settle(30)
	b.ResetTimer()
	for b.Loop() {
		if _, err := h.dc.Reconcile(h.e.Ctx, dKey); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reconciles/s")
}

// BenchmarkRollout10000 measures the controller work of a rolling update
// of 10,000 pods (25% surge, 25% unavailable), the kubelet's part included.
func BenchmarkRollout10000(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		h := newHarness(b, web(10000).Obj())
		h.settle(30)
		b.StartTimer()
		h.update(setImage("busybox:2"))
		h.settle(60)
	}
}
