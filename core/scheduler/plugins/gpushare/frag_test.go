package gpushare_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestNodeFragAmountByHand checks the categories against values worked out
// by hand for the three-class distribution (0.5 × sharing 500m, 0.3 × one
// whole GPU, 0.2 × CPU-only 2 cores).
func TestNodeFragAmountByHand(t *testing.T) {
	d := threeClasses(t)
	tests := []struct {
		name     string
		node     *gpushare.Node
		want     gpushare.FragAmount
		wantFrag float64
	}{
		{
			// sharing: fits on gpu1, gpu0's 300 is fragment: 0.5·300 lack-GPU, 0.5·1000 satisfied;
			// whole: same split with 0.3; CPU-only: 0.2·1300 fits.
			name:     "0.3 left next to a free gpu",
			node:     node(t, "n", "T4", 8000, 1024, 300, 1000),
			want:     gpushare.FragAmount{gpushare.LackGPU: 150 + 90, gpushare.Satisfied: 500 + 300, gpushare.CPUTaskFits: 260},
			wantFrag: 500,
		},
		{
			name:     "two 0.3 slivers: all fragment",
			node:     node(t, "n", "T4", 8000, 1024, 300, 300),
			want:     gpushare.FragAmount{gpushare.LackGPU: 300 + 180, gpushare.CPUTaskFits: 120},
			wantFrag: 600,
		},
		{
			name:     "gpus free but cpu short",
			node:     node(t, "n", "T4", 500, 1024, 1000, 1000),
			want:     gpushare.FragAmount{gpushare.LackCPU: 1000 + 600, gpushare.CPUTaskLacksCPU: 400},
			wantFrag: 2000,
		},
		{
			name:     "half-used gpus: sharing fits, whole does not",
			node:     node(t, "n", "T4", 8000, 1024, 500, 500),
			want:     gpushare.FragAmount{gpushare.Satisfied: 500, gpushare.LackGPU: 300, gpushare.CPUTaskFits: 200},
			wantFrag: 500,
		},
		{
			name:     "no cpu, no room",
			node:     node(t, "n", "T4", 0, 1024, 400),
			want:     gpushare.FragAmount{gpushare.LackBoth: 200 + 120, gpushare.CPUTaskLacksCPU: 80},
			wantFrag: 400,
		},
		{
			name:     "nothing free",
			node:     node(t, "n", "T4", 8000, 1024, 0, 0),
			want:     gpushare.FragAmount{},
			wantFrag: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := gpushare.NodeFragAmount(tc.node, d)
			for c := range got {
				if !near(got[c], tc.want[c]) {
					t.Fatalf("category %d = %v, want %v (all %v)", c, got[c], tc.want[c], got)
				}
			}
			if f := gpushare.NodeFragmentation(tc.node, d); !near(f, tc.wantFrag) {
				t.Fatalf("fragmentation %v, want %v", f, tc.wantFrag)
			}
			if !near(got.Idle(), float64(tc.node.TotalGPUFreeMilli())) {
				t.Fatalf("idle %v, want the free milli-GPU %d", got.Idle(), tc.node.TotalGPUFreeMilli())
			}
		})
	}
}

func TestNoAccessCountsAllFree(t *testing.T) {
	v100 := share(1000, 500)
	v100.GPUSpec = "V100M16"
	d := dist(t,
		gpushare.Class{Task: v100, Popularity: 0.4},
		gpushare.Class{Task: share(1000, 500), Popularity: 0.6},
	)
	n := node(t, "n", "T4", 8000, 1024, 1000, 1000)
	got := gpushare.NodeFragAmount(n, d)
	want := gpushare.FragAmount{gpushare.NoAccess: 800, gpushare.Satisfied: 1200}
	for c := range got {
		if !near(got[c], want[c]) {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestClusterFragmentation(t *testing.T) {
	d := threeClasses(t)
	nodes := []*gpushare.Node{
		node(t, "a", "T4", 8000, 1024, 300, 1000), // frag 500 of 1300 idle
		node(t, "b", "T4", 8000, 1024, 300, 300),  // frag 600 of 600
		node(t, "c", "T4", 8000, 1024, 0, 0),      // nothing idle
	}
	cf := gpushare.ClusterFragmentation(nodes, d)
	if !near(cf.FragMilli, 1100) || !near(cf.IdleMilli, 1900) || !near(cf.Ratio, 1100.0/1900) {
		t.Fatalf("got %+v, want frag 1100 of 1900", cf)
	}
	alloc, capacity := gpushare.GPUAllocation(nodes)
	if alloc != 6000-1900 || capacity != 6000 {
		t.Fatalf("allocation %d/%d, want 4100/6000", alloc, capacity)
	}
	if empty := gpushare.ClusterFragmentation(nodes[2:], d); empty.Ratio != 0 {
		t.Fatalf("ratio with nothing idle: %v", empty.Ratio)
	}
}

func TestNewDistributionRejects(t *testing.T) {
	bad := [][]gpushare.Class{
		nil,
		{{Task: cpuOnly(1), Popularity: 0.5}},
		{{Task: cpuOnly(1), Popularity: 1.5}, {Task: cpuOnly(2), Popularity: -0.5}},
		{{Task: gpushare.Task{NumGPU: 2, GPUMilli: 10}, Popularity: 1}},
	}
	for i, classes := range bad {
		if _, err := gpushare.NewDistribution(classes); !errors.Is(err, gpushare.ErrInvalidDistribution) {
			t.Errorf("case %d: error %v, want ErrInvalidDistribution", i, err)
		}
	}
}

func TestTypicalClasses(t *testing.T) {
	var tasks []gpushare.Task
	add := func(task gpushare.Task, k int) {
		for range k {
			tasks = append(tasks, task)
		}
	}
	a, b := share(4000, 500), whole(8000, 1)
	a.MemoryMiB = 100
	add(a, 3)
	a.MemoryMiB = 200 // memory is not part of a class
	add(a, 2)
	add(b, 3)
	add(cpuOnly(1000), 1)
	add(cpuOnly(2000), 1)

	got, err := gpushare.TypicalClasses(tasks, 80)
	if err != nil {
		t.Fatal(err)
	}
	a.MemoryMiB = 0
	if len(got) != 2 || got[0].Task != a || got[1].Task != b {
		t.Fatalf("kept %+v, want the sharing then the whole-GPU class", got)
	}
	if !near(got[0].Popularity, 5.0/8) || !near(got[1].Popularity, 3.0/8) {
		t.Fatalf("popularities %v %v, want 5/8 and 3/8", got[0].Popularity, got[1].Popularity)
	}

	all, err := gpushare.TypicalClasses(tasks, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[2].Task != cpuOnly(2000) || all[3].Task != cpuOnly(1000) {
		t.Fatalf("equal counts should put the larger demand first: %+v", all)
	}
	if _, err := gpushare.NewDistribution(all); err != nil {
		t.Fatalf("typical classes do not make a distribution: %v", err)
	}
}
