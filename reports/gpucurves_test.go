package reports_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

var openbDir = filepath.Join("..", "..", "shared", "traces", "alibaba-gpu-v2023")

// TestGPUExperimentReproducesThePublishedCurve runs one experiment of the
// GPU-sharing study at full size, seed 42 of the default trace with
// GpuPacking (whose integer scores tie the most, so that it also holds the
// nodes' names and tie-breaking to the artefact's), and requires the
// published curve of that experiment to the last of its two decimals: the
// workload, the scheduler, the device choices and the analysis' binning
// must all be the authors'.
func TestGPUExperimentReproducesThePublishedCurve(t *testing.T) {
	nodes, err := scenarios.LoadGPUNodes(filepath.Join(openbDir, "openb_node_list_gpu_node.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := scenarios.LoadGPUTasks(filepath.Join(openbDir, "openb_pod_list_default.csv"))
	if err != nil {
		t.Fatal(err)
	}
	work, named, err := scenarios.ArtefactExperiment(tasks, nodes, 1.3, 42)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunGPUExperiment(context.Background(), sim.GPUExperiment{Nodes: named, Tasks: work,
		Typical: scenarios.TypicalTasks(tasks, 0.95), Policy: "GpuPacking", Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := reports.DiscreteCurves(res, reports.GPUCurve{Workload: "openb_pod_list_default", Policy: "04-GpuPacking", Tune: "1.3", Seed: 42})
	want := publishedCurve(t, got.Workload, got.Policy, got.Seed)
	if got.TotalGPUs != want.TotalGPUs {
		t.Errorf("total GPUs %d, published %d", got.TotalGPUs, want.TotalGPUs)
	}
	for x := range reports.CurvePoints {
		if got.Has[x] != want.Has[x] || got.Values[x] != want.Values[x] {
			t.Fatalf("at %d %% arrived: %v (%v), published %v (%v)", x, got.Values[x], got.Has[x], want.Values[x], want.Has[x])
		}
	}
	var buf bytes.Buffer
	if err := reports.WriteGPUCurves(&buf, []reports.GPUCurve{got}); err != nil {
		t.Fatal(err)
	}
	back, err := reports.ReadGPUCurves(&buf, "written")
	if err != nil || len(back) != 1 || back[0] != got {
		t.Fatalf("the curve does not survive writing and reading: %v", err)
	}
}

func publishedCurve(t *testing.T, workload, policy string, seed int64) reports.GPUCurve {
	t.Helper()
	f, err := os.Open(filepath.Join(openbDir, "paper-expected", "analysis_allo_discrete.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	curves, err := reports.ReadGPUCurves(f, "paper")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range curves {
		if c.Workload == workload && c.Policy == policy && c.Seed == seed {
			return c
		}
	}
	t.Fatalf("no published curve for %s %s seed %d", workload, policy, seed)
	return reports.GPUCurve{}
}

// DiscreteCurves bins as the study's scripts do: the arrived share is
// rounded half to even, and a point without arrivals takes the mean of
// its neighbours' arrivals.
func TestDiscreteCurvesBinning(t *testing.T) {
	res := &sim.GPUExperimentResult{CapacityMilli: 100000, Arrivals: []sim.GPUArrival{
		{ArrivedMilli: 500, AllocatedMilli: 500, FragMilli: 10, IdleMilli: 100},   // 0.5 % rounds to 0
		{ArrivedMilli: 1500, AllocatedMilli: 1000, FragMilli: 30, IdleMilli: 100}, // 1.5 % rounds to 2
		{ArrivedMilli: 4000, AllocatedMilli: 2000, FragMilli: 0, IdleMilli: 0},    // 4 %
	}}
	alloc, frag := reports.DiscreteCurves(res, reports.GPUCurve{Workload: "w"})
	checks := []struct {
		x    int
		has  bool
		want float64
	}{{0, true, 0.5}, {1, true, 0.75}, {2, true, 1}, {3, true, 1.5}, {4, true, 2}, {5, true, 2}, {6, false, 0}}
	for _, c := range checks {
		if alloc.Has[c.x] != c.has || alloc.Values[c.x] != c.want {
			t.Errorf("alloc at %d: %v (%v), want %v (%v)", c.x, alloc.Values[c.x], alloc.Has[c.x], c.want, c.has)
		}
	}
	if alloc.TotalGPUs != 100 || frag.Values[0] != 10 || frag.Values[2] != 30 || frag.Values[4] != 0 {
		t.Errorf("total %d, fragmentation %v %v %v", alloc.TotalGPUs, frag.Values[0], frag.Values[2], frag.Values[4])
	}
}
