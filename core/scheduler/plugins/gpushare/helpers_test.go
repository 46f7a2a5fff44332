package gpushare_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// node builds a node whose GPUs have the given free shares, by allocating
// one sharing (or whole) task per partly used device; cpu and memory are
// free amounts.
func node(t testing.TB, name, model string, cpuMilli, memMiB int64, gpuFree ...int64) *gpushare.Node {
	t.Helper()
	n, err := gpushare.NewNode(name, model, cpuMilli, memMiB, len(gpuFree))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range gpuFree {
		if f == gpushare.MilliPerGPU {
			continue
		}
		if err := n.Allocate(gpushare.Task{NumGPU: 1, GPUMilli: gpushare.MilliPerGPU - f}, []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

func share(cpu, milli int64) gpushare.Task {
	return gpushare.Task{CPUMilli: cpu, NumGPU: 1, GPUMilli: milli}
}

func whole(cpu int64, k int) gpushare.Task {
	return gpushare.Task{CPUMilli: cpu, NumGPU: k, GPUMilli: gpushare.MilliPerGPU}
}

func cpuOnly(cpu int64) gpushare.Task { return gpushare.Task{CPUMilli: cpu} }

func dist(t testing.TB, classes ...gpushare.Class) *gpushare.Distribution {
	t.Helper()
	d, err := gpushare.NewDistribution(classes)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// threeClasses is the hand-computed tests' distribution: half sharing
// 0.5-GPU tasks, 30 % one-GPU tasks, 20 % CPU-only tasks.
func threeClasses(t testing.TB) *gpushare.Distribution {
	return dist(t,
		gpushare.Class{Task: share(1000, 500), Popularity: 0.5},
		gpushare.Class{Task: whole(1000, 1), Popularity: 0.3},
		gpushare.Class{Task: cpuOnly(2000), Popularity: 0.2},
	)
}
