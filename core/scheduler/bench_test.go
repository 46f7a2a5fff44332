package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

// BenchmarkScheduleOne schedules 10,000 pods onto 1,000 nodes through the
// whole default profile and reports throughput in pods/s.
func BenchmarkScheduleOne(b *testing.B) {
	const nodes, pods = 1000, 10000
	for range b.N {
		b.StopTimer()
		h := newHarness(b, 1)
		for i := range nodes {
			h.s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("node-%04d", i)).CPU("32").Memory("128Gi").
				Zone(fmt.Sprintf("z%d", i%3)).Obj())
		}
		for i := range pods {
			h.s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("pod-%05d", i)).CPU("500m").Memory("1Gi").Obj())
		}
		b.StartTimer()
		scheduled := 0
		for {
			res, ok := h.s.ScheduleOne(b.Context())
			if !ok {
				break
			}
			if res.Err != nil {
				b.Fatalf("%s: %v", res.Pod.Name, res.Err)
			}
			scheduled++
		}
		if scheduled != pods {
			b.Fatalf("scheduled %d of %d", scheduled, pods)
		}
	}
	b.ReportMetric(float64(pods*b.N)/b.Elapsed().Seconds(), "pods/s")
}
