package sim_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

var openbDir = filepath.Join("..", "..", "shared", "traces", "alibaba-gpu-v2023")

// smallGPUStudy is the default openb trace on every eighth GPU node: the
// experiment's shape at a tenth of its size.
func smallGPUStudy(t testing.TB, seed int64) sim.GPUExperiment {
	t.Helper()
	all, err := scenarios.LoadGPUNodes(filepath.Join(openbDir, "openb_node_list_gpu_node.csv"))
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := scenarios.LoadGPUTasks(filepath.Join(openbDir, "openb_pod_list_default.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var nodes []scenarios.GPUNode
	for i := 0; i < len(all); i += 8 {
		nodes = append(nodes, all[i])
	}
	work, err := scenarios.ArtefactWorkload(tasks, nodes, 1.3, seed)
	if err != nil {
		t.Fatal(err)
	}
	return sim.GPUExperiment{Nodes: nodes, Tasks: work, Typical: scenarios.TypicalTasks(tasks, 0.95), Seed: uint64(seed)}
}

// modelReplay places the experiment's tasks with the pure model's
// Schedule and returns the GPU milli allocated after each arrival.
func modelReplay(t *testing.T, e sim.GPUExperiment, p gpushare.Policy) ([]int64, []*gpushare.Node) {
	t.Helper()
	var nodes []*gpushare.Node
	for _, n := range e.Nodes {
		m, err := gpushare.NewNode(n.Name, n.Model, n.CPUMilli, n.MemoryMiB, n.GPUs)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, m)
	}
	var placed int64
	var out []int64
	for _, task := range e.Tasks {
		mt := task.ModelTask()
		if pl, ok := gpushare.Schedule(nodes, mt, p, nil); ok {
			if err := nodes[pl.Node].Allocate(mt, pl.Devices); err != nil {
				t.Fatal(err)
			}
			placed += task.TotalGPUMilli()
		}
		out = append(out, placed)
	}
	return out, nodes
}

// TestGPUExperimentMatchesThePureModel runs each deterministic policy of
// the study through the simulator's scheduler and through the pure
// model: the allocation after every arrival, and the fragmentation at
// the end, must be the same.
func TestGPUExperimentMatchesThePureModel(t *testing.T) {
	e := smallGPUStudy(t, 42)
	dist, err := scenarios.TypicalDistribution(e.Typical)
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]gpushare.Policy{"DotProd": gpushare.DotProd{}, "GpuClustering": gpushare.GpuClustering{},
		"GpuPacking": gpushare.GpuPacking{}, "BestFit": gpushare.BestFit{}, "FGD": gpushare.NewFGD(dist)}
	for _, name := range []string{"DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD"} {
		t.Run(name, func(t *testing.T) {
			e.Policy = name
			res, err := sim.RunGPUExperiment(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			want, nodes := modelReplay(t, e, policies[name])
			got := make([]int64, len(res.Arrivals))
			for i, a := range res.Arrivals {
				got[i] = a.AllocatedMilli
			}
			if i := firstDifference(got, want); i >= 0 {
				t.Fatalf("after arrival %d the scheduler has %d milli placed, the model %d", i, got[i], want[i])
			}
			if res.Failed == 0 || res.Placed+res.Failed != len(e.Tasks) {
				t.Fatalf("placed %d failed %d of %d: the workload should overflow the cluster", res.Placed, res.Failed, len(e.Tasks))
			}
			frag := gpushare.ClusterFragmentation(nodes, dist)
			last := res.Arrivals[len(res.Arrivals)-1]
			if math.Abs(last.FragMilli-frag.FragMilli) > 1e-6*frag.IdleMilli || math.Abs(last.IdleMilli-frag.IdleMilli) > 1e-6 {
				t.Fatalf("fragmentation at the end %v of %v idle, the model %+v", last.FragMilli, last.IdleMilli, frag)
			}
		})
	}
}

func firstDifference(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func TestGPUExperimentRandomIsSeeded(t *testing.T) {
	run := func(seed uint64) []sim.GPUArrival {
		e := smallGPUStudy(t, 42)
		e.Policy, e.Seed = "Random", seed
		res, err := sim.RunGPUExperiment(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range res.Arrivals {
			if a.AllocatedMilli > a.ArrivedMilli || a.FragMilli > a.IdleMilli+1e-6 {
				t.Fatalf("arrival %d: %+v", i, a)
			}
		}
		return res.Arrivals
	}
	a, b, c := run(1), run(1), run(2)
	if !slices.Equal(a, b) {
		t.Fatal("a seed did not reproduce its run")
	}
	if slices.Equal(a, c) {
		t.Fatal("two seeds gave the same run")
	}
}

func TestGPUExperimentRejectsAnUnknownPolicy(t *testing.T) {
	e := smallGPUStudy(t, 42)
	e.Policy = "Tetris"
	if _, err := sim.RunGPUExperiment(context.Background(), e); err == nil || !strings.Contains(err.Error(), "Tetris") {
		t.Fatalf("unknown policy: %v", err)
	}
}

// TestGPUSharingScenarioCountsDevices runs the shipped gpu-sharing
// scenario with twelve inference pods of 600 milli-GPU, each for a T4:
// four T4 nodes of two GPUs hold eight of them with per-device
// accounting, while the default profile, which counts only each node's
// total, places all twelve, three to a node. Training Jobs come and go on
// the V100 nodes meanwhile, so nodes are rebuilt as pods leave.
func TestGPUSharingScenarioCountsDevices(t *testing.T) {
	for _, tc := range []struct {
		profile      string
		placed, left int
	}{{"gpushare-bestfit", 8, 4}, {"gpushare-fgd", 8, 4}, {"default", 12, 0}} {
		sc, err := scenarios.Open("gpu-sharing", []string{"inference=12", "scheduler.profile=" + tc.profile})
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sc, sim.Options{Seed: sc.Seed})
		if err != nil {
			t.Fatal(err)
		}
		perNode := map[string]int{}
		placed, left, trained := 0, 0, 0
		for _, p := range res.Pods {
			switch {
			case p.Workload == "inference" && p.Node != "":
				placed++
				perNode[p.Node]++
			case p.Workload == "inference":
				left++
			case p.Workload == "train" && p.Phase == "Succeeded":
				trained++
			}
		}
		if placed != tc.placed || left != tc.left || trained == 0 || res.Summary.Violations != 0 {
			t.Errorf("%s: %d inference pods placed (%v), %d left, %d training Jobs done, %d violations; want %d placed, %d left",
				tc.profile, placed, perNode, left, trained, res.Summary.Violations, tc.placed, tc.left)
		}
		if tc.profile != "default" {
			for node, n := range perNode {
				if n > 2 {
					t.Errorf("%s: %d inference pods on %s, whose two GPUs hold one each", tc.profile, n, node)
				}
			}
		}
	}
}
