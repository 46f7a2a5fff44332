package sim_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// benchScenario runs an embedded scenario b.N times, reporting virtual
// seconds simulated per wall second and events per second.
func benchScenario(b *testing.B, name string, sets ...string) {
	sc, err := scenarios.Open(name, sets)
	if err != nil {
		b.Fatal(err)
	}
	var virtual, events float64
	b.ReportAllocs()
	for range b.N {
		res, err := sim.Run(context.Background(), sc, sim.Options{Seed: sc.Seed})
		if err != nil {
			b.Fatal(err)
		}
		virtual += res.Summary.VirtualSeconds
		events += float64(res.Summary.Events)
	}
	b.ReportMetric(virtual/b.Elapsed().Seconds(), "virtual-s/s")
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
}

// Small sizes of the shipped scenarios; `make bench` runs them, and the
// full sizes are `kubetwin sim run NAME`.
func BenchmarkSchedulerBasic1000(b *testing.B) {
	benchScenario(b, "scheduler-basic-5000", "nodes=1000", "pods=10000")
}

func BenchmarkQuickstart(b *testing.B) { benchScenario(b, "quickstart") }

// BenchmarkHeartbeats is 1,000 idle nodes for ten virtual minutes: the
// cost of leases and of the node lifecycle controller alone.
func BenchmarkHeartbeats(b *testing.B) {
	sc, err := scenarios.Parse([]byte(`
name: heartbeats
duration: 10m
cluster:
  pools:
  - {name: n, count: 1000, capacity: {cpu: "4", memory: 16Gi}}
workloads: []
timeline:
- {at: 10m, fault: {type: slowNode, nodes: [n-0], factor: 2}}
`), "heartbeats", nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	var events float64
	for range b.N {
		res, err := sim.Run(context.Background(), sc, sim.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		events += float64(res.Summary.Events)
	}
	b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkGPUExperiment is one experiment of the GPU-sharing study at
// full size: the default openb trace (10,866 arrivals for seed 42) on the
// 1,213 GPU nodes, FGD as the only score, through the scheduler. The
// trace is loaded once; an iteration builds the objects, places every
// task and records the cluster after each arrival. Its small variant is
// TestGPUExperimentMatchesThePureModel.
func BenchmarkGPUExperiment(b *testing.B) {
	nodes, err := scenarios.LoadGPUNodes(filepath.Join(openbDir, "openb_node_list_gpu_node.csv"))
	if err != nil {
		b.Fatal(err)
	}
	tasks, err := scenarios.LoadGPUTasks(filepath.Join(openbDir, "openb_pod_list_default.csv"))
	if err != nil {
		b.Fatal(err)
	}
	work, err := scenarios.ArtefactWorkload(tasks, nodes, 1.3, 42)
	if err != nil {
		b.Fatal(err)
	}
	e := sim.GPUExperiment{Nodes: nodes, Tasks: work, Typical: scenarios.TypicalTasks(tasks, 0.95), Policy: "FGD", Seed: 42}
	b.ReportAllocs()
	for range b.N {
		if _, err := sim.RunGPUExperiment(context.Background(), e); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(work))*float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}
