package gpushare

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchTasks is the experiment size of the openb default trace after
// the artefact's tuning to 130 % of GPU capacity.
const benchTasks = 10866

// benchClasses is a small synthetic workload shaped like openb: mostly
// sharing and one-GPU tasks, some CPU-only, a few multi-GPU.
var benchClasses = []Class{
	{Task{CPUMilli: 3152, MemoryMiB: 8192, NumGPU: 1, GPUMilli: 810}, 0.15},
	{Task{CPUMilli: 11300, MemoryMiB: 32768, NumGPU: 1, GPUMilli: 1000}, 0.25},
	{Task{CPUMilli: 11908, MemoryMiB: 16384, NumGPU: 1, GPUMilli: 470}, 0.12},
	{Task{CPUMilli: 12500, MemoryMiB: 16384}, 0.12},
	{Task{CPUMilli: 4000, MemoryMiB: 8192, NumGPU: 1, GPUMilli: 320}, 0.10},
	{Task{CPUMilli: 11908, MemoryMiB: 16384, NumGPU: 1, GPUMilli: 650}, 0.08},
	{Task{CPUMilli: 4000, MemoryMiB: 4096, NumGPU: 1, GPUMilli: 230, GPUSpec: "T4|V100M32"}, 0.06},
	{Task{CPUMilli: 8000, MemoryMiB: 16384}, 0.06},
	{Task{CPUMilli: 24000, MemoryMiB: 65536, NumGPU: 2, GPUMilli: 1000}, 0.03},
	{Task{CPUMilli: 32000, MemoryMiB: 131072, NumGPU: 4, GPUMilli: 1000}, 0.02},
	{Task{CPUMilli: 88000, MemoryMiB: 262144, NumGPU: 8, GPUMilli: 1000}, 0.01},
}

// benchCluster is 1,213 nodes in openb's mix: mostly 8-GPU machines.
func benchCluster(tb testing.TB) []*Node {
	pools := []struct {
		count       int
		model       string
		cpu, memory int64
		gpus        int
	}{
		{549, "G2", 96000, 786432, 8}, {387, "T4", 104000, 393216, 2}, {107, "P100", 16000, 131072, 2},
		{60, "G3", 128000, 786432, 8}, {45, "V100M16", 32000, 262144, 4}, {35, "V100M32", 96000, 786432, 8},
		{30, "T4", 96000, 393216, 4},
	}
	var nodes []*Node
	for _, p := range pools {
		for range p.count {
			n, err := NewNode(fmt.Sprintf("node-%04d", len(nodes)), p.model, p.cpu, p.memory, p.gpus)
			if err != nil {
				tb.Fatal(err)
			}
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// benchWorkload draws the tasks from benchClasses with a seeded rand.
func benchWorkload(seed uint64) []Task {
	rng := rand.New(rand.NewPCG(seed, 0))
	tasks := make([]Task, benchTasks)
	for i := range tasks {
		x, j := rng.Float64(), 0
		for ; j < len(benchClasses)-1 && x >= benchClasses[j].Popularity; j++ {
			x -= benchClasses[j].Popularity
		}
		tasks[i] = benchClasses[j].Task
	}
	return tasks
}

// runExperiment places every task in order with a naive loop over all
// nodes per task and returns how many were placed.
func runExperiment(tb testing.TB, p Policy, tasks []Task, seed uint64) ([]*Node, int) {
	nodes := benchCluster(tb)
	rng := rand.New(rand.NewPCG(seed, 1))
	placed := 0
	for _, t := range tasks {
		pl, ok := Schedule(nodes, t, p, rng)
		if !ok {
			continue
		}
		if err := nodes[pl.Node].Allocate(t, pl.Devices); err != nil {
			tb.Fatal(err)
		}
		placed++
	}
	return nodes, placed
}

func benchDist(tb testing.TB) *Distribution {
	d, err := NewDistribution(benchClasses)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// BenchmarkExperiment times one whole experiment (10,866 tasks on 1,213
// nodes) per op for each policy, FGD with and without its memo.
func BenchmarkExperiment(b *testing.B) {
	tasks := benchWorkload(42)
	d := benchDist(b)
	policies := []struct {
		name string
		mk   func() Policy
	}{
		{"Random", func() Policy { return Random{} }},
		{"DotProd", func() Policy { return DotProd{} }},
		{"GpuClustering", func() Policy { return GpuClustering{} }},
		{"GpuPacking", func() Policy { return GpuPacking{} }},
		{"BestFit", func() Policy { return BestFit{} }},
		{"FGD", func() Policy { return NewFGD(d) }},
		{"FGD-nomemo", func() Policy { f := NewFGD(d); f.noMemo = true; return f }},
	}
	for _, p := range policies {
		b.Run(p.name, func(b *testing.B) {
			var nodes []*Node
			for b.Loop() {
				nodes, _ = runExperiment(b, p.mk(), tasks, 42)
			}
			alloc, capacity := GPUAllocation(nodes)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchTasks, "ns/task")
			b.ReportMetric(100*float64(alloc)/float64(capacity), "%gpu-alloc")
			b.ReportMetric(100*ClusterFragmentation(nodes, d).Ratio, "%frag")
		})
	}
}

// TestExperimentMemoMatchesNoMemo runs a cut-down experiment with and
// without FGD's memo and requires the same placements and end state.
func TestExperimentMemoMatchesNoMemo(t *testing.T) {
	tasks := benchWorkload(7)[:600]
	d := benchDist(t)
	slow := NewFGD(d)
	slow.noMemo = true
	a, placedA := runExperiment(t, NewFGD(d), tasks, 7)
	b, placedB := runExperiment(t, slow, tasks, 7)
	if placedA != placedB {
		t.Fatalf("placed %d with memo, %d without", placedA, placedB)
	}
	for i := range a {
		if a[i].cpuFreeMilli != b[i].cpuFreeMilli || fmt.Sprint(a[i].gpuFreeMilli) != fmt.Sprint(b[i].gpuFreeMilli) {
			t.Fatalf("node %s differs: %v vs %v", a[i].name, a[i].gpuFreeMilli, b[i].gpuFreeMilli)
		}
	}
}
