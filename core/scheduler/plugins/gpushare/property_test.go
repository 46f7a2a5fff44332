package gpushare_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

var models = []string{"", "T4", "P100", "G2"}

// randomTask draws a valid task over small amounts so fits and misfits
// are both common.
func randomTask(rng *rand.Rand) gpushare.Task {
	t := gpushare.Task{CPUMilli: rng.Int64N(5) * 1000, MemoryMiB: rng.Int64N(5) * 256}
	switch rng.IntN(3) {
	case 0: // CPU-only
	case 1:
		t.NumGPU, t.GPUMilli = 1, 50*(1+rng.Int64N(20))
	default:
		t.NumGPU, t.GPUMilli = 1+rng.IntN(3), gpushare.MilliPerGPU
	}
	if rng.IntN(3) == 0 {
		t.GPUSpec = []string{"T4", "P100|T4", "|", "V100M16"}[rng.IntN(4)]
	}
	return t
}

// randomNode builds a node of up to four GPUs and fills it with random tasks.
func randomNode(t *testing.T, rng *rand.Rand, name string) *gpushare.Node {
	model := models[rng.IntN(len(models))]
	numGPU := 0
	if model != "" {
		numGPU = 1 + rng.IntN(4)
	}
	n, err := gpushare.NewNode(name, model, 1000*rng.Int64N(12), 256*rng.Int64N(12), numGPU)
	if err != nil {
		t.Fatal(err)
	}
	for range rng.IntN(6) {
		task := randomTask(rng)
		if c := gpushare.Candidates(n, task); c != nil {
			if err := n.Allocate(task, c[rng.IntN(len(c))]); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

// naiveFits tries every set of NumGPU devices.
func naiveFits(n *gpushare.Node, t gpushare.Task) bool {
	if n.CPUFreeMilli() < t.CPUMilli || n.MemoryFreeMiB() < t.MemoryMiB {
		return false
	}
	if t.NumGPU == 0 {
		return true
	}
	if n.NumGPU() == 0 || !specAllows(t.GPUSpec, n.Model()) {
		return false
	}
	for mask := 0; mask < 1<<n.NumGPU(); mask++ {
		picked, ok := 0, true
		for i := range n.NumGPU() {
			if mask&(1<<i) != 0 {
				picked++
				ok = ok && n.GPUFreeMilli(i) >= t.GPUMilli
			}
		}
		if ok && picked == t.NumGPU {
			return true
		}
	}
	return false
}

func specAllows(spec, model string) bool {
	named := false
	entry := ""
	for i := 0; i <= len(spec); i++ {
		if i < len(spec) && spec[i] != '|' {
			entry += string(spec[i])
			continue
		}
		if entry != "" {
			named = true
			if entry == model && model != "" {
				return true
			}
		}
		entry = ""
	}
	return !named
}

func TestFitsMatchesNaiveOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 1))
	for i := range 3000 {
		n := randomNode(t, rng, "n")
		task := randomTask(rng)
		want := naiveFits(n, task)
		if got := gpushare.Fits(n, task); got != want {
			t.Fatalf("case %d: Fits(%s %q free %v cpu %d mem %d, %+v) = %v, oracle %v",
				i, n.Name(), n.Model(), n.GPUFree(), n.CPUFreeMilli(), n.MemoryFreeMiB(), task, got, want)
		}
		cands := gpushare.Candidates(n, task)
		if (cands != nil) != want {
			t.Fatalf("case %d: candidates %v but fits %v", i, cands, want)
		}
		for _, c := range cands {
			m := n.Clone()
			if err := m.Allocate(task, c); err != nil {
				t.Fatalf("case %d: candidate %v does not allocate: %v", i, c, err)
			}
			if err := m.Release(task, c); err != nil {
				t.Fatalf("case %d: release: %v", i, err)
			}
			if !slices.Equal(m.GPUFree(), n.GPUFree()) || m.CPUFreeMilli() != n.CPUFreeMilli() {
				t.Fatalf("case %d: allocate+release changed the node", i)
			}
		}
	}
}

// naiveFGD scores by cloning the node for every candidate and measuring
// fragmentation from scratch.
func naiveFGD(n *gpushare.Node, task gpushare.Task, d *gpushare.Distribution) (int64, []int) {
	if task == (gpushare.Task{}) { // requests nothing: the artefact's top score
		return 100, nil
	}
	before := gpushare.NodeFragmentation(n, d)
	var best int64
	var dev []int
	for _, c := range gpushare.Candidates(n, task) {
		m := n.Clone()
		if err := m.Allocate(task, c); err != nil {
			panic(err)
		}
		x := (before - gpushare.NodeFragmentation(m, d)) / 1000
		s := int64(1 / (1 + math.Exp(-x)) * 100)
		if dev == nil || s > best {
			best, dev = s, c
		}
	}
	if len(dev) == 0 {
		dev = nil
	}
	return best, dev
}

// TestFGDMatchesNaive runs a cluster forward with FGD's memo and checks
// every score and device against a from-scratch computation, so a stale
// memo entry cannot go unnoticed.
func TestFGDMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(99, 5))
	d := threeClasses(t)
	fgd := gpushare.NewFGD(d)
	var nodes []*gpushare.Node
	for i := range 12 {
		nodes = append(nodes, randomNode(t, rng, fmt.Sprintf("n%02d", i)))
	}
	for step := range 400 {
		task := randomTask(rng)
		task.GPUSpec = ""
		for _, n := range nodes {
			if !gpushare.Fits(n, task) {
				continue
			}
			wantScore, wantDev := naiveFGD(n, task, d)
			if got := fgd.Score(n, task); got != wantScore {
				t.Fatalf("step %d node %s free %v: score %d, naive %d", step, n.Name(), n.GPUFree(), got, wantScore)
			}
			if got := fgd.Devices(n, task, nil); !slices.Equal(got, wantDev) {
				t.Fatalf("step %d node %s free %v: devices %v, naive %v", step, n.Name(), n.GPUFree(), got, wantDev)
			}
		}
		churn(t, rng, nodes, task, fgd)
	}
}

// churn places the task with FGD and now and then releases it again, so
// nodes change in both directions.
func churn(t *testing.T, rng *rand.Rand, nodes []*gpushare.Node, task gpushare.Task, fgd *gpushare.FGD) {
	pl, ok := gpushare.Schedule(nodes, task, fgd, rng)
	if !ok {
		return
	}
	n := nodes[pl.Node]
	if err := n.Allocate(task, pl.Devices); err != nil {
		t.Fatal(err)
	}
	if rng.IntN(3) == 0 {
		if err := n.Release(task, pl.Devices); err != nil {
			t.Fatal(err)
		}
	}
}
