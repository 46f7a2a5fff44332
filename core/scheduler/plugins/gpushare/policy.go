package gpushare

import (
	"math/rand/v2"
)

// Score bounds, equal to the framework's MinNodeScore and MaxNodeScore.
const (
	MinScore int64 = 0
	MaxScore int64 = 100
)

// Policy is one of the paper's placement policies: a node score and a
// device choice, both for a task that fits the node.
type Policy interface {
	// Name is the policy's name in the paper's figures.
	Name() string
	// Score is the node's integer score for the task as the artefact's
	// score plugin returns it (higher is better); call it only when Fits.
	Score(n *Node, t Task) int64
	// Devices picks the devices on n for the task (nil for a CPU-only
	// task); call it only when Fits. rng is used only by Random.
	Devices(n *Node, t Task, rng *rand.Rand) []int
}

// NodePicker is implemented by policies that choose the node themselves
// rather than by score (Random).
type NodePicker interface {
	// PickNode returns an index into feasible.
	PickNode(feasible []*Node, t Task, rng *rand.Rand) int
}

// Normalizer is implemented by policies whose artefact plugin rescales its
// scores over the feasible nodes before they are compared (BestFit).
type Normalizer interface {
	// Normalize rescales scores in place.
	Normalize(scores []int64)
}

// Placement is where Schedule puts a task.
type Placement struct {
	// Node indexes the nodes passed to Schedule.
	Node    int
	Devices []int
	Score   int64
}

// Schedule runs one scheduling cycle over every node the way the
// artefact's simulator does: keep the nodes the task fits, score them
// (or let a NodePicker pick), take the highest score with ties to the
// smallest node name, and choose devices there. It does not allocate;
// ok is false when no node fits.
func Schedule(nodes []*Node, t Task, p Policy, rng *rand.Rand) (pl Placement, ok bool) {
	idx := make([]int, 0, len(nodes))
	for i, n := range nodes {
		if Fits(n, t) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return Placement{}, false
	}
	best := pickIndex(nodes, idx, t, p, rng)
	pl = Placement{Node: idx[best.at], Score: best.score}
	pl.Devices = p.Devices(nodes[pl.Node], t, rng)
	return pl, true
}

type choice struct {
	at    int
	score int64
}

func pickIndex(nodes []*Node, idx []int, t Task, p Policy, rng *rand.Rand) choice {
	if picker, ok := p.(NodePicker); ok {
		feasible := make([]*Node, len(idx))
		for j, i := range idx {
			feasible[j] = nodes[i]
		}
		return choice{at: picker.PickNode(feasible, t, rng), score: MaxScore}
	}
	scores := make([]int64, len(idx))
	names := make([]string, len(idx))
	for j, i := range idx {
		scores[j], names[j] = p.Score(nodes[i], t), nodes[i].name
	}
	if nz, ok := p.(Normalizer); ok {
		nz.Normalize(scores)
	}
	at := SelectHost(names, scores)
	return choice{at: at, score: scores[at]}
}

// SelectHost returns the index of the highest score, ties going to the
// lexicographically smallest name: the artefact patches kube-scheduler's
// random tie-break into this rule for reproducibility.
func SelectHost(names []string, scores []int64) int {
	best := 0
	for i := 1; i < len(scores); i++ {
		if scores[i] > scores[best] || (scores[i] == scores[best] && names[i] < names[best]) {
			best = i
		}
	}
	return best
}

// NormalizeMinMax rescales scores linearly so the lowest becomes MinScore
// and the highest MaxScore, in integer arithmetic; equal scores all become
// MinScore. This is the artefact's shared NormalizeScore.
func NormalizeMinMax(scores []int64) {
	if len(scores) == 0 {
		return
	}
	lo, hi := scores[0], scores[0]
	for _, s := range scores {
		lo, hi = min(lo, s), max(hi, s)
	}
	for i, s := range scores {
		if hi == lo {
			scores[i] = MinScore
			continue
		}
		scores[i] = (s-lo)*(MaxScore-MinScore)/(hi-lo) + MinScore
	}
}

// tightestDevices is the artefact's default ("best") device choice: a
// sharing task goes to the device with the least free share that still
// has room (lowest number among equals); a whole-GPU task to the
// lowest-numbered wholly free devices.
func tightestDevices(n *Node, t Task) []int {
	switch {
	case t.NumGPU == 0:
		return nil
	case !t.IsSharing():
		return firstWhollyFree(n.gpuFreeMilli, t.NumGPU)
	}
	best := -1
	for i, f := range n.gpuFreeMilli {
		if f >= t.GPUMilli && (best < 0 || f < n.gpuFreeMilli[best]) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	return []int{best}
}

// Random places a task on a feasible node chosen uniformly, and a sharing
// task on a device chosen uniformly among those with room.
type Random struct{}

// Name is the paper's name for the policy.
func (Random) Name() string { return "Random" }

// Score is unused by Random's node choice; it is MinScore everywhere.
func (Random) Score(*Node, Task) int64 { return MinScore }

// PickNode picks a feasible node uniformly.
func (Random) PickNode(feasible []*Node, _ Task, rng *rand.Rand) int {
	return rng.IntN(len(feasible))
}

// Devices picks uniformly by reservoir sampling over devices in order, as
// the artefact's "random" device choice does; whole-GPU tasks get the
// lowest-numbered wholly free devices.
func (Random) Devices(n *Node, t Task, rng *rand.Rand) []int {
	if !t.IsSharing() {
		return tightestDevices(n, t)
	}
	chosen, seen := -1, 0
	for i, f := range n.gpuFreeMilli {
		if f >= t.GPUMilli {
			seen++
			if rng.IntN(seen) == 0 {
				chosen = i
			}
		}
	}
	if chosen < 0 {
		return nil
	}
	return []int{chosen}
}

// Artefact normalisers: the largest node of the trace's shape.
const (
	maxSpecCPUMilli = 128000
	maxSpecGPUMilli = 8000
)

// DotProd is the Tetris-style alignment score in the artefact's
// configuration ("merge" GPUs into one dimension, normalise by the
// largest machine): free and demand vectors (CPU, total GPU) divided by
// (128 cores, 8 GPUs); the score falls as their dot product grows, so
// nodes with less left are preferred.
type DotProd struct{}

// Name is the paper's name for the policy.
func (DotProd) Name() string { return "DotProd" }

// Score is int64(100 * (1 - dot/2)), or MinScore when CPU is short.
func (DotProd) Score(n *Node, t Task) int64 {
	if n.cpuFreeMilli < t.CPUMilli {
		return MinScore
	}
	nodeVec := [2]float64{float64(n.cpuFreeMilli) / maxSpecCPUMilli, float64(sumMilli(n.gpuFreeMilli)) / maxSpecGPUMilli}
	taskVec := [2]float64{float64(t.CPUMilli) / maxSpecCPUMilli, float64(t.TotalGPUMilli()) / maxSpecGPUMilli}
	dot := 0.0
	for i := range nodeVec {
		dot += float64(nodeVec[i] * taskVec[i])
	}
	s := 1 - dot/float64(len(nodeVec))
	return int64(float64(MaxScore) * s)
}

// Devices is the tightest-fit device choice.
func (DotProd) Devices(n *Node, t Task, _ *rand.Rand) []int { return tightestDevices(n, t) }

// BestFit prefers the node left with the least free CPU and GPU, each
// scaled by the largest machine and weighted one half.
type BestFit struct{}

// Name is the paper's name for the policy.
func (BestFit) Name() string { return "BestFit" }

// Score is int64(100 * (1 - Σ ½·(free−demand)/maxSpec)) over CPU and total GPU.
func (BestFit) Score(n *Node, t Task) int64 {
	free := [2]float64{float64(n.cpuFreeMilli), float64(sumMilli(n.gpuFreeMilli))}
	req := [2]float64{float64(t.CPUMilli), float64(t.TotalGPUMilli())}
	maxSpec := [2]float64{maxSpecCPUMilli, maxSpecGPUMilli}
	s := 0.0
	for i := range free {
		s += float64(float64((free[i]-req[i])/maxSpec[i]) * 0.5)
	}
	return int64(float64(1.0-s) * float64(MaxScore))
}

// Normalize applies the artefact's min-max rescaling; with raw scores in
// [0, 100] it keeps their order and ties.
func (BestFit) Normalize(scores []int64) { NormalizeMinMax(scores) }

// Devices is the tightest-fit device choice.
func (BestFit) Devices(n *Node, t Task, _ *rand.Rand) []int { return tightestDevices(n, t) }

// GpuClustering keeps tasks of one GPU kind (sharing, or k whole GPUs)
// together: nodes already running only that kind score highest, then
// mixed nodes with it, then empty nodes, then nodes of other kinds; within
// a band, fuller nodes score higher.
type GpuClustering struct{}

// Name is the paper's name for the policy.
func (GpuClustering) Name() string { return "GpuClustering" }

// Score is band·25 + 25·(8000 − free milli-GPU)/8000 in integer
// arithmetic; CPU-only tasks score MinScore everywhere.
func (GpuClustering) Score(n *Node, t Task) int64 {
	tag := gpuTag(t)
	if tag < 0 {
		return MinScore
	}
	fill := MaxScore / 4 * (maxSpecGPUMilli - sumMilli(n.gpuFreeMilli)) / maxSpecGPUMilli
	var band int64
	switch kinds := n.distinctTags(); {
	case n.hasTag(tag) && kinds == 1:
		band = 3
	case n.hasTag(tag):
		band = 2
	case kinds == 0:
		band = 1
	}
	return fill + MaxScore*band/4
}

// Devices is the tightest-fit device choice.
func (GpuClustering) Devices(n *Node, t Task, _ *rand.Rand) []int { return tightestDevices(n, t) }

// GpuPacking prefers, in order: sharing an already used GPU (tighter
// first), then opening free GPUs on a used node (fewer first), then
// opening an unused node.
type GpuPacking struct{}

// Name is the paper's name for the policy.
func (GpuPacking) Name() string { return "GpuPacking" }

// Score follows the artefact's three bands: [50, 100] when the task fits
// on partly used GPUs, [33, 50] when it needs wholly free GPUs of a used
// node, [0, 33] on a node whose GPUs are all free; CPU-only tasks score
// MinScore everywhere.
func (GpuPacking) Score(n *Node, t Task) int64 {
	if t.GPUMilli <= 0 {
		return MinScore
	}
	whollyFree := n.FullyFreeGPUs()
	if whollyFree == len(n.gpuFreeMilli) {
		return max(MaxScore/3-int64(whollyFree), int64(whollyFree))
	}
	used, openedFree, ok := packDevices(n.gpuFreeMilli, t)
	if !ok {
		return MinScore
	}
	if openedFree > 0 {
		return max(MaxScore/2-int64(openedFree), MaxScore/3)
	}
	var freePct int64
	for _, d := range used {
		freePct += n.gpuFreeMilli[d] * 100 / MilliPerGPU
	}
	return max(MaxScore-freePct/10, MaxScore/2)
}

// packDevices takes devices with room in order of least free first
// (lower number among equals) until the task has NumGPU of them, and
// counts how many of those were wholly free.
func packDevices(free []int64, t Task) (used []int, openedFree int, ok bool) {
	for _, d := range ascendingFree(free) {
		if len(used) == t.NumGPU {
			break
		}
		if free[d] >= t.GPUMilli {
			used = append(used, d)
			if free[d] == MilliPerGPU {
				openedFree++
			}
		}
	}
	return used, openedFree, len(used) == t.NumGPU
}

// ascendingFree lists device numbers by free share, least first, keeping
// device order among equals.
func ascendingFree(free []int64) []int {
	idx := make([]int, len(free))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && free[idx[j]] < free[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	return idx
}

// Devices is the tightest-fit device choice.
func (GpuPacking) Devices(n *Node, t Task, _ *rand.Rand) []int { return tightestDevices(n, t) }
