package gpushare_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		task gpushare.Task
		ok   bool
	}{
		{"cpu only", cpuOnly(1000), true},
		{"sharing", share(1000, 250), true},
		{"one whole gpu", whole(1000, 1), true},
		{"eight whole gpus", whole(1000, 8), true},
		{"negative cpu", gpushare.Task{CPUMilli: -1}, false},
		{"milli without gpus", gpushare.Task{GPUMilli: 500}, false},
		{"zero milli", share(1000, 0), false},
		{"more than a gpu", share(1000, 1001), false},
		{"partial multi-gpu", gpushare.Task{NumGPU: 2, GPUMilli: 500}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.task.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate(%+v) = %v, want ok=%v", tc.task, err, tc.ok)
			}
			if err != nil && !errors.Is(err, gpushare.ErrInvalidTask) {
				t.Fatalf("error %v is not ErrInvalidTask", err)
			}
		})
	}
}

func TestAllowsModel(t *testing.T) {
	tests := []struct {
		spec, model string
		want        bool
	}{
		{"", "T4", true},
		{"", "", true},
		{"T4", "T4", true},
		{"V100M16|T4", "T4", true},
		{"V100M16|T4", "P100", false},
		{"T4", "", false},
		{"|", "P100", true},
		{"T4|", "T4", true},
		{"T", "T4", false},
	}
	for _, tc := range tests {
		got := gpushare.Task{GPUSpec: tc.spec}.AllowsModel(tc.model)
		if got != tc.want {
			t.Errorf("spec %q model %q: got %v, want %v", tc.spec, tc.model, got, tc.want)
		}
	}
}

func TestFits(t *testing.T) {
	withSpec := func(task gpushare.Task, spec string) gpushare.Task { task.GPUSpec = spec; return task }
	withMem := func(task gpushare.Task, mem int64) gpushare.Task { task.MemoryMiB = mem; return task }
	tests := []struct {
		name string
		node *gpushare.Node
		task gpushare.Task
		want bool
	}{
		{"cpu task on gpu node", node(t, "n", "T4", 4000, 1024, 1000), cpuOnly(4000), true},
		{"cpu task short of cpu", node(t, "n", "T4", 4000, 1024, 1000), cpuOnly(4001), false},
		{"short of memory", node(t, "n", "T4", 4000, 1024, 1000), withMem(share(1000, 100), 1025), false},
		{"memory exactly", node(t, "n", "T4", 4000, 1024, 1000), withMem(share(1000, 100), 1024), true},
		{"cpu task on cpu node", node(t, "n", "", 4000, 1024), cpuOnly(1000), true},
		{"sharing on cpu node", node(t, "n", "", 4000, 1024), share(1000, 100), false},
		{"sharing fits one gpu", node(t, "n", "T4", 4000, 1024, 400, 600), share(1000, 600), true},
		{"sharing spread is not enough", node(t, "n", "T4", 4000, 1024, 400, 400), share(1000, 500), false},
		{"sharing short of cpu", node(t, "n", "T4", 999, 1024, 1000), share(1000, 100), false},
		{"whole gpu needs a free one", node(t, "n", "T4", 4000, 1024, 999, 1000), whole(1000, 1), true},
		{"whole gpu, none free", node(t, "n", "T4", 4000, 1024, 999, 999), whole(1000, 1), false},
		{"two gpus free", node(t, "n", "T4", 4000, 1024, 1000, 500, 1000), whole(1000, 2), true},
		{"two gpus, one free", node(t, "n", "T4", 4000, 1024, 1000, 500, 900), whole(1000, 2), false},
		{"eight of eight", node(t, "n", "G2", 96000, 1024, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000), whole(1000, 8), true},
		{"spec matches", node(t, "n", "T4", 4000, 1024, 1000), withSpec(share(1000, 100), "V100M16|T4"), true},
		{"spec excludes", node(t, "n", "P100", 4000, 1024, 1000), withSpec(share(1000, 100), "V100M16|T4"), false},
		{"spec ignored for cpu task", node(t, "n", "", 4000, 1024), withSpec(cpuOnly(100), "T4"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := gpushare.Fits(tc.node, tc.task); got != tc.want {
				t.Fatalf("Fits = %v, want %v (free %v)", got, tc.want, tc.node.GPUFree())
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	n := node(t, "n", "T4", 8000, 1024, 300, 1000, 600, 1000)
	tests := []struct {
		name string
		task gpushare.Task
		want [][]int
	}{
		{"sharing: every device with room", share(1000, 500), [][]int{{1}, {2}, {3}}},
		{"whole: lowest free devices", whole(1000, 2), [][]int{{1, 3}}},
		{"cpu only", cpuOnly(1000), [][]int{{}}},
		{"does not fit", whole(1000, 3), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := gpushare.Candidates(n, tc.task)
			if !slices.EqualFunc(got, tc.want, slices.Equal[[]int]) {
				t.Fatalf("Candidates = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAllocateAccounting(t *testing.T) {
	tests := []struct {
		name    string
		task    gpushare.Task
		devices []int
		wantGPU []int64
	}{
		{"sharing on device 1", share(1000, 300), []int{1}, []int64{1000, 700, 1000, 1000}},
		{"whole gpu", whole(2000, 1), []int{3}, []int64{1000, 1000, 1000, 0}},
		{"two whole gpus", whole(2000, 2), []int{0, 2}, []int64{0, 1000, 0, 1000}},
		{"cpu only", cpuOnly(3000), nil, []int64{1000, 1000, 1000, 1000}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.task.MemoryMiB = 512
			n := node(t, "n", "T4", 8000, 2048, 1000, 1000, 1000, 1000)
			if err := n.Allocate(tc.task, tc.devices); err != nil {
				t.Fatal(err)
			}
			if got := n.GPUFree(); !slices.Equal(got, tc.wantGPU) {
				t.Fatalf("gpu free %v, want %v", got, tc.wantGPU)
			}
			if n.CPUFreeMilli() != 8000-tc.task.CPUMilli || n.MemoryFreeMiB() != 2048-512 {
				t.Fatalf("cpu %d memory %d after allocate", n.CPUFreeMilli(), n.MemoryFreeMiB())
			}
			if err := n.Release(tc.task, tc.devices); err != nil {
				t.Fatal(err)
			}
			if n.TotalGPUFreeMilli() != 4000 || n.CPUFreeMilli() != 8000 || n.MemoryFreeMiB() != 2048 {
				t.Fatalf("release did not restore: %v cpu %d mem %d", n.GPUFree(), n.CPUFreeMilli(), n.MemoryFreeMiB())
			}
		})
	}
}

func TestAllocateRejects(t *testing.T) {
	tests := []struct {
		name    string
		task    gpushare.Task
		devices []int
		want    error
	}{
		{"too few devices", whole(1000, 2), []int{1}, gpushare.ErrBadDevices},
		{"device twice", whole(1000, 2), []int{1, 1}, gpushare.ErrBadDevices},
		{"no such device", share(1000, 100), []int{2}, gpushare.ErrBadDevices},
		{"devices for cpu task", cpuOnly(1000), []int{0}, gpushare.ErrBadDevices},
		{"device too full", share(1000, 500), []int{0}, gpushare.ErrDoesNotFit},
		{"whole on partly used", whole(1000, 1), []int{0}, gpushare.ErrDoesNotFit},
		{"cpu short", share(9000, 100), []int{1}, gpushare.ErrDoesNotFit},
		{"model excluded", gpushare.Task{CPUMilli: 1, NumGPU: 1, GPUMilli: 100, GPUSpec: "A100"}, []int{1}, gpushare.ErrDoesNotFit},
		{"invalid task", gpushare.Task{NumGPU: 2, GPUMilli: 300}, []int{0, 1}, gpushare.ErrInvalidTask},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := node(t, "n", "T4", 8000, 1024, 400, 1000)
			err := n.Allocate(tc.task, tc.devices)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Allocate error %v, want %v", err, tc.want)
			}
			if got := n.GPUFree(); !slices.Equal(got, []int64{400, 1000}) || n.CPUFreeMilli() != 8000 {
				t.Fatalf("failed allocate changed the node: %v cpu %d", got, n.CPUFreeMilli())
			}
		})
	}
}

func TestReleaseRejectsOverRelease(t *testing.T) {
	n := node(t, "n", "T4", 8000, 1024, 1000, 1000)
	if err := n.Release(share(1000, 100), []int{0}); !errors.Is(err, gpushare.ErrOverRelease) {
		t.Fatalf("release on an empty node: %v, want ErrOverRelease", err)
	}
	if err := n.Allocate(share(1000, 100), []int{0}); err != nil {
		t.Fatal(err)
	}
	if err := n.Release(share(1000, 100), []int{1}); !errors.Is(err, gpushare.ErrOverRelease) {
		t.Fatalf("release from the wrong device: %v, want ErrOverRelease", err)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	n := node(t, "n", "T4", 8000, 1024, 1000, 1000)
	c := n.Clone()
	if err := c.Allocate(share(1000, 600), []int{0}); err != nil {
		t.Fatal(err)
	}
	if n.GPUFreeMilli(0) != 1000 || n.CPUFreeMilli() != 8000 {
		t.Fatalf("clone shares state with the original: %v", n.GPUFree())
	}
}

func TestNewNodeRejects(t *testing.T) {
	if _, err := gpushare.NewNode("n", "", 1000, 1000, 2); !errors.Is(err, gpushare.ErrInvalidNode) {
		t.Fatalf("gpus without a model: %v", err)
	}
	if _, err := gpushare.NewNode("n", "T4", -1, 1000, 2); !errors.Is(err, gpushare.ErrInvalidNode) {
		t.Fatalf("negative cpu: %v", err)
	}
}

func TestSetUsageKeepsGPUsAndCanOvercommit(t *testing.T) {
	n := node(t, "n", "T4", 8000, 2048, 1000, 1000)
	if err := n.Allocate(share(1000, 300), []int{1}); err != nil {
		t.Fatal(err)
	}
	n.SetUsage(6000, 1024)
	if n.CPUFreeMilli() != 2000 || n.MemoryFreeMiB() != 1024 || n.GPUFreeMilli(1) != 700 {
		t.Fatalf("after SetUsage: cpu %d memory %d gpu1 %d", n.CPUFreeMilli(), n.MemoryFreeMiB(), n.GPUFreeMilli(1))
	}
	n.SetUsage(9000, 0)
	if gpushare.Fits(n, cpuOnly(1)) {
		t.Fatalf("an overcommitted node (cpu free %d) fits a task", n.CPUFreeMilli())
	}
}
