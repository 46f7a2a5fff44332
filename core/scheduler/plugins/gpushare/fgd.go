package gpushare

import (
	"math"
	"math/rand/v2"
)

// FGD is fragmentation gradient descent: it places a task where, and on
// the device where, the node's expected fragmentation (against the
// typical distribution) grows least, or falls most.
//
// Scores are memoised per node and per task shape (demand without
// memory, which fragmentation ignores) and dropped when the node changes,
// so a cycle recomputes only the nodes the last placement touched and
// the shapes not seen since. An FGD is not safe for concurrent use.
type FGD struct {
	dist *Distribution
	// shapes interns task shapes to memo slots; lastShape/lastID skip the
	// map when consecutive calls score the same task, as a cycle does.
	shapes    map[Task]int
	lastShape Task
	lastID    int
	// table[shape][slot] is the memo, one column per shape over every
	// node's slot, so a cycle, which scores one shape on every node, reads
	// it in order rather than from a scattered array per node. Slots are
	// given out by node name, so a node rebuilt under its name reuses its
	// slot; epochs tell a rebuilt node from the one before it.
	table     [][]memoEntry
	slots     map[string]int32
	lastEpoch uint32
	scratch   []int64
	// noMemo recomputes every score; benchmarks use it to show the memo's worth.
	noMemo bool
}

// NewFGD makes the policy for one typical distribution.
func NewFGD(d *Distribution) *FGD {
	return &FGD{dist: d, shapes: map[Task]int{}, lastID: -1, slots: map[string]int32{}}
}

// Name is the paper's name for the policy.
func (*FGD) Name() string { return "FGD" }

// Distribution is the typical workload the policy measures against.
func (f *FGD) Distribution() *Distribution { return f.dist }

// fgdMemo is one node's memo for one FGD: the node's fragmentation and
// the model mask, and where its scores are kept: its slot in the FGD's
// table, under its epoch.
type fgdMemo struct {
	owner   *FGD
	access  []bool
	fragGen uint64
	fragOK  bool
	frag    float64
	slot    int32
	epoch   uint32
}

// memoEntry is a score and device, valid while the node is the one of
// the epoch and its gen has not moved on.
type memoEntry struct {
	gen    uint64
	epoch  uint32
	device int32
	score  int64
}

// Score is int64(100 · sigmoid(ΔF / 1000)), ΔF being the node's expected
// fragmentation before minus after placing the task, in milli-GPU, on
// the best device for a sharing task; a task requesting nothing scores
// MaxScore, as in the artefact.
func (f *FGD) Score(n *Node, t Task) int64 {
	if t.CPUMilli == 0 && t.MemoryMiB == 0 && t.NumGPU == 0 {
		return MaxScore
	}
	return f.lookup(n, t).score
}

// Devices is the device FGD's score chose for a sharing task, the
// lowest-numbered wholly free devices for a whole-GPU task.
func (f *FGD) Devices(n *Node, t Task, _ *rand.Rand) []int {
	if !t.IsSharing() {
		return tightestDevices(n, t)
	}
	if e := f.lookup(n, t); e.device >= 0 {
		return []int{int(e.device)}
	}
	return nil
}

// Fragmentation is the node's expected fragmented milli-GPU, memoised.
func (f *FGD) Fragmentation(n *Node) float64 {
	m := f.memoOf(n)
	if !m.fragOK || m.fragGen != n.gen || f.noMemo {
		m.frag = fragAmount(f.dist, m.access, n.cpuFreeMilli, n.gpuFreeMilli).Fragment()
		m.fragGen, m.fragOK = n.gen, true
	}
	return m.frag
}

func (f *FGD) memoOf(n *Node) *fgdMemo {
	if n.memo == nil || n.memo.owner != f {
		slot, ok := f.slots[n.name]
		if !ok {
			slot = int32(len(f.slots))
			f.slots[n.name] = slot
		}
		f.lastEpoch++ // epoch 0 marks an empty entry
		n.memo = &fgdMemo{owner: f, access: f.dist.accessMask(n.model), slot: slot, epoch: f.lastEpoch}
	}
	return n.memo
}

func (f *FGD) shapeID(t Task) int {
	t.MemoryMiB = 0
	if f.lastID >= 0 && t == f.lastShape {
		return f.lastID
	}
	id, ok := f.shapes[t]
	if !ok {
		id = len(f.shapes)
		f.shapes[t] = id
	}
	f.lastShape, f.lastID = t, id
	return id
}

func (f *FGD) lookup(n *Node, t Task) memoEntry {
	id := f.shapeID(t)
	m := f.memoOf(n)
	for len(f.table) <= id {
		f.table = append(f.table, nil)
	}
	if int(m.slot) >= len(f.table[id]) {
		f.table[id] = append(f.table[id], make([]memoEntry, len(f.slots)-len(f.table[id]))...)
	}
	e := &f.table[id][m.slot]
	if e.epoch == m.epoch && e.gen == n.gen && !f.noMemo {
		return *e
	}
	score, dev := f.evaluate(n, t)
	*e = memoEntry{gen: n.gen, epoch: m.epoch, score: score, device: int32(dev)}
	return *e
}

// evaluate computes the score, trying each device with room for a sharing
// task and keeping the first with the highest integer score; devices with
// equal free shares give equal outcomes, so only the first is tried.
func (f *FGD) evaluate(n *Node, t Task) (int64, int) {
	before := f.Fragmentation(n)
	cpuAfter := n.cpuFreeMilli - t.CPUMilli
	f.scratch = append(f.scratch[:0], n.gpuFreeMilli...)
	if !t.IsSharing() {
		takeWholly(f.scratch, t.NumGPU)
		return fgdScore(before, f.fragAfter(n, cpuAfter)), -1
	}
	best, dev := int64(0), -1
	for i, free := range n.gpuFreeMilli {
		if free < t.GPUMilli || seenFree(n.gpuFreeMilli[:i], free) {
			continue
		}
		f.scratch[i] = free - t.GPUMilli
		s := fgdScore(before, f.fragAfter(n, cpuAfter))
		f.scratch[i] = free
		if dev < 0 || s > best {
			best, dev = s, i
		}
	}
	return best, dev
}

func (f *FGD) fragAfter(n *Node, cpuAfter int64) float64 {
	return fragAmount(f.dist, n.memo.access, cpuAfter, f.scratch).Fragment()
}

// takeWholly empties the k lowest-numbered wholly free devices.
func takeWholly(free []int64, k int) {
	for i := range free {
		if k == 0 {
			return
		}
		if free[i] == MilliPerGPU {
			free[i], k = 0, k-1
		}
	}
}

func seenFree(prev []int64, v int64) bool {
	for _, p := range prev {
		if p == v {
			return true
		}
	}
	return false
}

// fgdScore maps a fragmentation change to the artefact's integer score:
// 50 when unchanged, towards 100 as fragmentation falls, towards 0 as it grows.
func fgdScore(before, after float64) int64 {
	return int64(sigmoid((before-after)/1000) * float64(MaxScore))
}

func sigmoid(x float64) float64 { return 1.0 / (1.0 + math.Exp(-x)) }
