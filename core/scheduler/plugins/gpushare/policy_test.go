package gpushare_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// halfGPU is a one-class distribution: every typical task wants 0.5 GPU.
func halfGPU(t testing.TB) *gpushare.Distribution {
	return dist(t, gpushare.Class{Task: share(1000, 500), Popularity: 1})
}

// clustered returns an 8-GPU node running one sharing task (tag "share")
// and, when withWhole, one whole-GPU task too.
func clustered(t testing.TB, sharing, withWhole bool) *gpushare.Node {
	n := node(t, "n", "G2", 96000, 1<<20, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000)
	if sharing {
		if err := n.Allocate(share(1000, 500), []int{0}); err != nil {
			t.Fatal(err)
		}
	}
	if withWhole {
		if err := n.Allocate(whole(1000, 1), []int{1}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func TestScoresByHand(t *testing.T) {
	fgd := gpushare.NewFGD(halfGPU(t))
	twoFree := func() *gpushare.Node { return node(t, "n", "T4", 64000, 1<<20, 1000, 1000) }
	tests := []struct {
		name   string
		policy gpushare.Policy
		node   *gpushare.Node
		task   gpushare.Task
		want   int64
	}{
		// s = ½·56000/128000 + ½·1500/8000 = 0.3125 → 68.75
		{"bestfit", gpushare.BestFit{}, twoFree(), share(8000, 500), 68},
		// dot = 0.5·0.0625 + 0.25·0.0625 = 0.046875; 1 − dot/2 → 97.66
		{"dotprod", gpushare.DotProd{}, twoFree(), share(8000, 500), 97},
		{"dotprod short of cpu", gpushare.DotProd{}, twoFree(), share(64001, 500), 0},
		{"packing: idle 8-gpu node", gpushare.GpuPacking{}, clustered(t, false, false), share(1000, 500), 25},
		{"packing: idle 2-gpu node", gpushare.GpuPacking{}, twoFree(), share(1000, 500), 31},
		{"packing: share a used gpu", gpushare.GpuPacking{}, node(t, "n", "T4", 8000, 1024, 300, 1000), share(1000, 200), 97},
		{"packing: open a free gpu", gpushare.GpuPacking{}, node(t, "n", "T4", 8000, 1024, 300, 1000), share(1000, 500), 49},
		{"packing: cpu task", gpushare.GpuPacking{}, twoFree(), cpuOnly(1000), 0},
		// 25·(8000−7500)/8000 = 1, plus 75 for "only this kind"
		{"clustering: same kind only", gpushare.GpuClustering{}, clustered(t, true, false), share(1000, 100), 76},
		{"clustering: empty node", gpushare.GpuClustering{}, clustered(t, false, false), share(1000, 100), 25},
		{"clustering: other kind", gpushare.GpuClustering{}, clustered(t, true, false), whole(1000, 1), 1},
		{"clustering: mixed kinds", gpushare.GpuClustering{}, clustered(t, true, true), whole(1000, 1), 54},
		{"clustering: cpu task", gpushare.GpuClustering{}, clustered(t, true, false), cpuOnly(1000), 0},
		// best device leaves [500 800]: no change → sigmoid(0) = 0.5
		{"fgd: keep the 0.5 usable", fgd, node(t, "n", "T4", 8000, 1024, 500, 1000), share(1000, 200), 50},
		// only choice leaves a 0.3 sliver: sigmoid(−0.3) = 0.4256
		{"fgd: forced sliver", fgd, node(t, "n", "T4", 8000, 1024, 500), share(1000, 200), 42},
		// [300 300] → [300 0]: 300 milli stop being fragment: sigmoid(0.3) = 0.5744
		{"fgd: fill a sliver", fgd, node(t, "n", "T4", 8000, 1024, 300, 300), share(1000, 300), 57},
		{"fgd: empty request", fgd, twoFree(), gpushare.Task{}, 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.policy.Score(tc.node, tc.task); got != tc.want {
				t.Fatalf("%s score = %d, want %d", tc.policy.Name(), got, tc.want)
			}
		})
	}
}

func TestDeviceChoice(t *testing.T) {
	fgd := gpushare.NewFGD(halfGPU(t))
	n := node(t, "n", "T4", 8000, 1024, 500, 1000, 700)
	tests := []struct {
		name   string
		policy gpushare.Policy
		task   gpushare.Task
		want   []int
	}{
		{"bestfit: tightest", gpushare.BestFit{}, share(1000, 200), []int{0}},
		{"packing: tightest", gpushare.GpuPacking{}, share(1000, 600), []int{2}},
		// on gpu0 it leaves a 0.3 sliver; gpu1 → 800 and gpu2 → 500 both
		// leave no fragment, so the lower number wins
		{"fgd: avoid the sliver", fgd, share(1000, 200), []int{1}},
		{"fgd: whole gpu", fgd, whole(1000, 1), []int{1}},
		{"cpu task: no devices", gpushare.DotProd{}, cpuOnly(100), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.policy.Devices(n, tc.task, rand.New(rand.NewPCG(1, 2)))
			if !slices.Equal(got, tc.want) {
				t.Fatalf("%s devices %v, want %v", tc.policy.Name(), got, tc.want)
			}
		})
	}
}

func TestNodePreferences(t *testing.T) {
	fgd := gpushare.NewFGD(halfGPU(t))
	tests := []struct {
		name   string
		policy gpushare.Policy
		nodes  []*gpushare.Node
		task   gpushare.Task
		want   string
	}{
		{"bestfit: least left", gpushare.BestFit{}, []*gpushare.Node{
			node(t, "roomy", "T4", 8000, 1024, 1000, 1000, 1000, 1000),
			node(t, "snug", "T4", 8000, 1024, 1000),
		}, share(1000, 500), "snug"},
		{"bestfit: takes the sliver maker", gpushare.BestFit{}, []*gpushare.Node{
			node(t, "a", "T4", 8000, 1024, 500),
			node(t, "b", "T4", 8000, 1024, 1000),
		}, share(1000, 200), "a"},
		{"fgd: avoids an unusable 0.3", fgd, []*gpushare.Node{
			node(t, "a", "T4", 8000, 1024, 500),
			node(t, "b", "T4", 8000, 1024, 1000),
		}, share(1000, 200), "b"},
		{"packing: share before opening", gpushare.GpuPacking{}, []*gpushare.Node{
			node(t, "a", "T4", 8000, 1024, 1000, 1000),
			node(t, "b", "T4", 8000, 1024, 600, 1000),
		}, share(1000, 300), "b"},
		{"clustering: same kind", gpushare.GpuClustering{}, []*gpushare.Node{
			rename(t, clustered(t, false, true), "whole"),
			rename(t, clustered(t, true, false), "sharing"),
		}, share(1000, 100), "sharing"},
		{"dotprod: less free cpu", gpushare.DotProd{}, []*gpushare.Node{
			node(t, "big", "T4", 64000, 1024, 1000, 1000),
			node(t, "small", "T4", 16000, 1024, 1000, 1000),
		}, share(8000, 500), "small"},
		{"ties: smallest name", gpushare.BestFit{}, []*gpushare.Node{
			node(t, "n2", "T4", 8000, 1024, 1000),
			node(t, "n1", "T4", 8000, 1024, 1000),
			node(t, "n3", "T4", 8000, 1024, 1000),
		}, share(1000, 500), "n1"},
		{"infeasible skipped", gpushare.BestFit{}, []*gpushare.Node{
			node(t, "a", "P100", 8000, 1024, 1000),
			node(t, "b", "T4", 8000, 1024, 1000, 1000),
		}, gpushare.Task{CPUMilli: 1000, NumGPU: 1, GPUMilli: 500, GPUSpec: "T4"}, "b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl, ok := gpushare.Schedule(tc.nodes, tc.task, tc.policy, rand.New(rand.NewPCG(1, 2)))
			if !ok {
				t.Fatal("no node chosen")
			}
			if got := tc.nodes[pl.Node].Name(); got != tc.want {
				t.Fatalf("%s chose %s, want %s", tc.policy.Name(), got, tc.want)
			}
		})
	}
}

// rename rebuilds n under another name with the same allocations, so
// fixtures from one builder can sit side by side.
func rename(t testing.TB, n *gpushare.Node, name string) *gpushare.Node {
	t.Helper()
	m, err := gpushare.NewNode(name, n.Model(), n.CPUCapacityMilli(), n.MemoryCapacityMiB(), n.NumGPU())
	if err != nil {
		t.Fatal(err)
	}
	for i := range n.NumGPU() {
		used := gpushare.MilliPerGPU - n.GPUFreeMilli(i)
		if used == 0 {
			continue
		}
		task := share(0, used)
		if used == gpushare.MilliPerGPU {
			task = whole(0, 1)
		}
		if err := m.Allocate(task, []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestScheduleNoFit(t *testing.T) {
	nodes := []*gpushare.Node{node(t, "a", "T4", 1000, 1024, 1000)}
	if _, ok := gpushare.Schedule(nodes, whole(1000, 2), gpushare.BestFit{}, rand.New(rand.NewPCG(1, 2))); ok {
		t.Fatal("placed a task that fits nowhere")
	}
}

func TestRandomIsUniformOverFeasible(t *testing.T) {
	nodes := []*gpushare.Node{
		node(t, "a", "T4", 8000, 1024, 1000),
		node(t, "full", "T4", 8000, 1024, 100),
		node(t, "b", "T4", 8000, 1024, 1000),
		node(t, "c", "T4", 8000, 1024, 1000),
	}
	rng := rand.New(rand.NewPCG(7, 7))
	counts := map[string]int{}
	for range 3000 {
		pl, ok := gpushare.Schedule(nodes, share(1000, 500), gpushare.Random{}, rng)
		if !ok {
			t.Fatal("no node chosen")
		}
		counts[nodes[pl.Node].Name()]++
	}
	if counts["full"] != 0 {
		t.Fatalf("picked an infeasible node %d times", counts["full"])
	}
	for _, name := range []string{"a", "b", "c"} {
		if c := counts[name]; c < 850 || c > 1150 {
			t.Fatalf("node %s picked %d of 3000 times: %v", name, c, counts)
		}
	}
}

func TestRandomDevicesUniform(t *testing.T) {
	n := node(t, "n", "T4", 8000, 1024, 1000, 100, 600, 1000)
	rng := rand.New(rand.NewPCG(3, 4))
	counts := make([]int, 4)
	for range 3000 {
		d := gpushare.Random{}.Devices(n, share(1000, 500), rng)
		counts[d[0]]++
	}
	if counts[1] != 0 {
		t.Fatalf("chose a full device: %v", counts)
	}
	for _, i := range []int{0, 2, 3} {
		if counts[i] < 850 || counts[i] > 1150 {
			t.Fatalf("device %d chosen %d of 3000 times: %v", i, counts[i], counts)
		}
	}
}

func TestNormalizeMinMax(t *testing.T) {
	s := []int64{68, 70, 80}
	gpushare.NormalizeMinMax(s)
	if !slices.Equal(s, []int64{0, 16, 100}) {
		t.Fatalf("got %v", s)
	}
	eq := []int64{42, 42}
	gpushare.NormalizeMinMax(eq)
	if !slices.Equal(eq, []int64{0, 0}) {
		t.Fatalf("equal scores: got %v", eq)
	}
}

// TestDeterministic replays the same seeded run twice per policy and
// requires identical placements.
func TestDeterministic(t *testing.T) {
	for _, mk := range allPolicies(t) {
		a, b := replay(t, mk(), 11), replay(t, mk(), 11)
		if !slices.Equal(a, b) {
			t.Fatalf("%s: two runs with one seed differ", mk().Name())
		}
	}
	if slices.Equal(replay(t, gpushare.Random{}, 11), replay(t, gpushare.Random{}, 12)) {
		t.Fatal("Random ignores its seed")
	}
}

func allPolicies(t testing.TB) []func() gpushare.Policy {
	d := threeClasses(t)
	return []func() gpushare.Policy{
		func() gpushare.Policy { return gpushare.Random{} },
		func() gpushare.Policy { return gpushare.DotProd{} },
		func() gpushare.Policy { return gpushare.GpuClustering{} },
		func() gpushare.Policy { return gpushare.GpuPacking{} },
		func() gpushare.Policy { return gpushare.BestFit{} },
		func() gpushare.Policy { return gpushare.NewFGD(d) },
	}
}

// replay places 300 random tasks on 20 small nodes and returns a trace of
// where each went.
func replay(t testing.TB, p gpushare.Policy, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 0))
	var nodes []*gpushare.Node
	for i := range 20 {
		nodes = append(nodes, node(t, fmt.Sprintf("n%02d", i), "T4", 32000, 1<<16, 1000, 1000, 1000, 1000))
	}
	tasks := []gpushare.Task{share(2000, 300), share(4000, 500), whole(8000, 1), whole(8000, 2), cpuOnly(4000)}
	var trace []string
	for range 300 {
		task := tasks[rng.IntN(len(tasks))]
		pl, ok := gpushare.Schedule(nodes, task, p, rng)
		if !ok {
			trace = append(trace, "-")
			continue
		}
		if err := nodes[pl.Node].Allocate(task, pl.Devices); err != nil {
			t.Fatal(err)
		}
		trace = append(trace, fmt.Sprint(pl.Node, pl.Devices))
	}
	return trace
}
