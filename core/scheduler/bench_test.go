package scheduler_test

import (
	"fmt"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

// BenchmarkScheduleOne schedules 10,000 pods onto 1,000 nodes through the
// whole default profile and reports throughput in pods/s: plain pods, and
// pods in 100 groups each with hostname anti-affinity and a zone spread
// constraint on their group.
func BenchmarkScheduleOne(b *testing.B) {
	b.Run("basic", func(b *testing.B) { benchSchedule(b, plainPod) })
	b.Run("spread+antiaffinity", func(b *testing.B) { benchSchedule(b, constrainedPod) })
}

func plainPod(i int) *api.Pod {
	return fixtures.MakePod().Name(fmt.Sprintf("pod-%05d", i)).CPU("500m").Memory("1Gi").Obj()
}

func constrainedPod(i int) *api.Pod {
	group := fmt.Sprintf("g%02d", i%100)
	return fixtures.MakePod().Name(fmt.Sprintf("pod-%05d", i)).CPU("500m").Memory("1Gi").Label("app", group).
		PodAntiAffinity("kubernetes.io/hostname", "app", group).
		SpreadConstraint(1, "topology.kubernetes.io/zone", api.DoNotSchedule, "app", group).Obj()
}

func benchSchedule(b *testing.B, makePod func(int) *api.Pod) {
	const nodes, pods = 1000, 10000
	for range b.N {
		b.StopTimer()
		h := newHarness(b, 1)
		for i := range nodes {
			h.s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("node-%04d", i)).CPU("32").Memory("128Gi").
				Zone(fmt.Sprintf("z%d", i%3)).Obj())
		}
		for i := range pods {
			h.s.AddPod(makePod(i))
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
