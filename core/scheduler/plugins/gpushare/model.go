package gpushare

import (
	"errors"
	"fmt"
	"strings"
)

// MilliPerGPU is one whole GPU in milli-GPU, the unit every GPU amount uses.
const MilliPerGPU int64 = 1000

// ErrInvalidTask is returned for a demand no node could ever host as stated.
var ErrInvalidTask = errors.New("invalid task")

// ErrInvalidNode is returned for node shapes that cannot exist.
var ErrInvalidNode = errors.New("invalid node")

// ErrDoesNotFit is returned when an allocation asks for more than a node or device has free.
var ErrDoesNotFit = errors.New("task does not fit")

// ErrBadDevices is returned when a device list does not match the task's GPU count.
var ErrBadDevices = errors.New("bad device list")

// ErrOverRelease is returned when a release would leave more free than the capacity.
var ErrOverRelease = errors.New("release exceeds capacity")

// Task is one task's demand, as a row of the openb pod list gives it.
type Task struct {
	CPUMilli  int64
	MemoryMiB int64
	// NumGPU is how many GPUs the task needs: 0 for a CPU-only task.
	NumGPU int
	// GPUMilli is the share of each of its GPUs the task needs: below
	// MilliPerGPU only for a sharing task (NumGPU 1), MilliPerGPU otherwise.
	GPUMilli int64
	// GPUSpec lists the GPU models the task accepts, '|'-separated as in
	// the trace; empty accepts any model.
	GPUSpec string
}

// Validate rejects demands outside the model: negative amounts, GPU shares
// without GPUs, and multi-GPU tasks that do not take whole GPUs.
func (t Task) Validate() error {
	switch {
	case t.CPUMilli < 0 || t.MemoryMiB < 0 || t.NumGPU < 0:
		return fmt.Errorf("%w: negative demand %+v", ErrInvalidTask, t)
	case t.NumGPU == 0 && t.GPUMilli != 0:
		return fmt.Errorf("%w: gpu milli %d without gpus", ErrInvalidTask, t.GPUMilli)
	case t.NumGPU == 1 && (t.GPUMilli <= 0 || t.GPUMilli > MilliPerGPU):
		return fmt.Errorf("%w: gpu milli %d outside (0, %d]", ErrInvalidTask, t.GPUMilli, MilliPerGPU)
	case t.NumGPU > 1 && t.GPUMilli != MilliPerGPU:
		return fmt.Errorf("%w: %d-gpu task must take whole gpus, not %d milli", ErrInvalidTask, t.NumGPU, t.GPUMilli)
	}
	return nil
}

// IsSharing reports whether the task takes part of one GPU, the case
// where the choice of device matters.
func (t Task) IsSharing() bool { return t.NumGPU == 1 && t.GPUMilli < MilliPerGPU }

// TotalGPUMilli is the task's whole GPU demand in milli-GPU.
func (t Task) TotalGPUMilli() int64 { return int64(t.NumGPU) * t.GPUMilli }

// AllowsModel reports whether the task may run on GPUs of the given model,
// with the artefact's reading of the spec: an empty spec (or one of empty
// entries only) allows anything, and a model-less (CPU-only) node matches
// no non-empty spec.
func (t Task) AllowsModel(model string) bool {
	if t.GPUSpec == "" {
		return true
	}
	named := false
	for rest := t.GPUSpec; ; {
		entry, tail, more := strings.Cut(rest, "|")
		if entry != "" {
			named = true
			if model != "" && entry == model {
				return true
			}
		}
		if !more {
			break
		}
		rest = tail
	}
	return !named
}

// Node is one machine's free resources with per-device GPU accounting.
// Its fields change only through Allocate and Release, which also keep
// the counts GpuClustering needs and invalidate FGD's per-node memo. A
// Node is not safe for concurrent use.
type Node struct {
	name             string
	model            string
	cpuCapacityMilli int64
	cpuFreeMilli     int64
	memCapacityMiB   int64
	memFreeMiB       int64
	gpuFreeMilli     []int64
	// tagCounts[0] counts sharing tasks on the node, tagCounts[k] the
	// k-GPU whole-GPU tasks: GpuClustering's "affinity" of a node.
	tagCounts []int
	// gen increases on every change, so memos keyed by it go stale.
	gen  uint64
	memo *fgdMemo
}

// NewNode makes an empty node: numGPU GPUs of the given model, each wholly free.
func NewNode(name, model string, cpuMilli, memoryMiB int64, numGPU int) (*Node, error) {
	if cpuMilli < 0 || memoryMiB < 0 || numGPU < 0 {
		return nil, fmt.Errorf("%w: %s: negative capacity", ErrInvalidNode, name)
	}
	if numGPU > 0 && model == "" {
		return nil, fmt.Errorf("%w: %s: %d gpus without a model", ErrInvalidNode, name, numGPU)
	}
	free := make([]int64, numGPU)
	for i := range free {
		free[i] = MilliPerGPU
	}
	return &Node{name: name, model: model, cpuCapacityMilli: cpuMilli, cpuFreeMilli: cpuMilli,
		memCapacityMiB: memoryMiB, memFreeMiB: memoryMiB, gpuFreeMilli: free}, nil
}

// Name identifies the node; ties between equal scores go to the smallest name.
func (n *Node) Name() string { return n.name }

// Model is the node's GPU model, empty for a CPU-only node.
func (n *Node) Model() string { return n.model }

// CPUFreeMilli is the CPU not yet allocated.
func (n *Node) CPUFreeMilli() int64 { return n.cpuFreeMilli }

// CPUCapacityMilli is the node's allocatable CPU.
func (n *Node) CPUCapacityMilli() int64 { return n.cpuCapacityMilli }

// MemoryFreeMiB is the memory not yet allocated.
func (n *Node) MemoryFreeMiB() int64 { return n.memFreeMiB }

// MemoryCapacityMiB is the node's allocatable memory.
func (n *Node) MemoryCapacityMiB() int64 { return n.memCapacityMiB }

// NumGPU is the node's number of GPUs.
func (n *Node) NumGPU() int { return len(n.gpuFreeMilli) }

// GPUFreeMilli is device i's free share.
func (n *Node) GPUFreeMilli(i int) int64 { return n.gpuFreeMilli[i] }

// GPUFree returns a copy of every device's free share, in device order.
func (n *Node) GPUFree() []int64 { return append([]int64(nil), n.gpuFreeMilli...) }

// TotalGPUFreeMilli is the free milli-GPU summed over devices.
func (n *Node) TotalGPUFreeMilli() int64 { return sumMilli(n.gpuFreeMilli) }

// FullyFreeGPUs counts devices nothing is allocated on.
func (n *Node) FullyFreeGPUs() int {
	c := 0
	for _, f := range n.gpuFreeMilli {
		if f == MilliPerGPU {
			c++
		}
	}
	return c
}

// Clone copies the node's state for what-if evaluation; the copy has no
// memo, so changing either never serves the other stale scores.
func (n *Node) Clone() *Node {
	c := *n
	c.gpuFreeMilli = append([]int64(nil), n.gpuFreeMilli...)
	c.tagCounts = append([]int(nil), n.tagCounts...)
	c.memo = nil
	return &c
}

func sumMilli(free []int64) int64 {
	var s int64
	for _, f := range free {
		s += f
	}
	return s
}

// Fits reports whether the task can be placed on the node now: enough free
// CPU and memory and, for a GPU task, a node of an allowed model with
// NumGPU devices each having GPUMilli free (a whole-GPU task thus needs
// wholly free devices). A CPU-only task fits GPU nodes too.
func Fits(n *Node, t Task) bool {
	if n.cpuFreeMilli < t.CPUMilli || n.memFreeMiB < t.MemoryMiB {
		return false
	}
	if t.NumGPU == 0 {
		return true
	}
	if len(n.gpuFreeMilli) == 0 || !t.AllowsModel(n.model) {
		return false
	}
	return countAtLeast(n.gpuFreeMilli, t.GPUMilli) >= t.NumGPU
}

func countAtLeast(free []int64, milli int64) int {
	c := 0
	for _, f := range free {
		if f >= milli {
			c++
		}
	}
	return c
}

// Candidates lists the device choices worth distinguishing for a task that
// fits: one per device with room for a sharing task, in device order; the
// lowest-numbered wholly free devices for a whole-GPU task (wholly free
// devices are interchangeable); one empty choice for a CPU-only task; nil
// when the task does not fit.
func Candidates(n *Node, t Task) [][]int {
	if !Fits(n, t) {
		return nil
	}
	switch {
	case t.NumGPU == 0:
		return [][]int{{}}
	case t.IsSharing():
		var out [][]int
		for i, f := range n.gpuFreeMilli {
			if f >= t.GPUMilli {
				out = append(out, []int{i})
			}
		}
		return out
	default:
		return [][]int{firstWhollyFree(n.gpuFreeMilli, t.NumGPU)}
	}
}

// firstWhollyFree returns the k lowest-numbered wholly free devices, or nil
// when there are fewer; it is how the artefact places whole-GPU tasks.
func firstWhollyFree(free []int64, k int) []int {
	out := make([]int, 0, k)
	for i, f := range free {
		if len(out) == k {
			break
		}
		if f == MilliPerGPU {
			out = append(out, i)
		}
	}
	if len(out) < k {
		return nil
	}
	return out
}

// Allocate takes the task's CPU and memory from the node and GPUMilli from
// each listed device; it changes nothing when any part does not fit.
func (n *Node) Allocate(t Task, devices []int) error {
	if err := n.checkAllocate(t, devices); err != nil {
		return fmt.Errorf("allocate on %s: %w", n.name, err)
	}
	n.cpuFreeMilli -= t.CPUMilli
	n.memFreeMiB -= t.MemoryMiB
	for _, d := range devices {
		n.gpuFreeMilli[d] -= t.GPUMilli
	}
	n.addTag(t, 1)
	n.gen++
	return nil
}

func (n *Node) checkAllocate(t Task, devices []int) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := n.checkDevices(t, devices); err != nil {
		return err
	}
	if n.cpuFreeMilli < t.CPUMilli || n.memFreeMiB < t.MemoryMiB {
		return fmt.Errorf("%w: cpu %d/%d milli, memory %d/%d MiB free", ErrDoesNotFit,
			n.cpuFreeMilli, t.CPUMilli, n.memFreeMiB, t.MemoryMiB)
	}
	if t.NumGPU > 0 && !t.AllowsModel(n.model) {
		return fmt.Errorf("%w: model %q not in spec %q", ErrDoesNotFit, n.model, t.GPUSpec)
	}
	for _, d := range devices {
		if n.gpuFreeMilli[d] < t.GPUMilli {
			return fmt.Errorf("%w: gpu %d has %d milli free, task needs %d", ErrDoesNotFit, d, n.gpuFreeMilli[d], t.GPUMilli)
		}
	}
	return nil
}

// checkDevices requires NumGPU distinct devices that exist on the node.
func (n *Node) checkDevices(t Task, devices []int) error {
	if len(devices) != t.NumGPU {
		return fmt.Errorf("%w: %d devices for a %d-gpu task", ErrBadDevices, len(devices), t.NumGPU)
	}
	for i, d := range devices {
		if d < 0 || d >= len(n.gpuFreeMilli) {
			return fmt.Errorf("%w: device %d of %d", ErrBadDevices, d, len(n.gpuFreeMilli))
		}
		for _, e := range devices[:i] {
			if e == d {
				return fmt.Errorf("%w: device %d twice", ErrBadDevices, d)
			}
		}
	}
	return nil
}

// SetUsage sets the CPU and memory in use to totals counted elsewhere (a
// scheduler's view of the node's pods), leaving the GPUs as they are. Free
// amounts go negative on an overcommitted node, where nothing then fits.
func (n *Node) SetUsage(cpuMilli, memoryMiB int64) {
	n.cpuFreeMilli = n.cpuCapacityMilli - cpuMilli
	n.memFreeMiB = n.memCapacityMiB - memoryMiB
	n.gen++
}

// Release gives back what Allocate took for the same task and devices.
func (n *Node) Release(t Task, devices []int) error {
	if err := n.checkRelease(t, devices); err != nil {
		return fmt.Errorf("release on %s: %w", n.name, err)
	}
	n.cpuFreeMilli += t.CPUMilli
	n.memFreeMiB += t.MemoryMiB
	for _, d := range devices {
		n.gpuFreeMilli[d] += t.GPUMilli
	}
	n.addTag(t, -1)
	n.gen++
	return nil
}

func (n *Node) checkRelease(t Task, devices []int) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := n.checkDevices(t, devices); err != nil {
		return err
	}
	if n.cpuFreeMilli+t.CPUMilli > n.cpuCapacityMilli || n.memFreeMiB+t.MemoryMiB > n.memCapacityMiB {
		return fmt.Errorf("%w: cpu or memory", ErrOverRelease)
	}
	for _, d := range devices {
		if n.gpuFreeMilli[d]+t.GPUMilli > MilliPerGPU {
			return fmt.Errorf("%w: gpu %d", ErrOverRelease, d)
		}
	}
	if tag := gpuTag(t); tag >= 0 && (tag >= len(n.tagCounts) || n.tagCounts[tag] == 0) {
		return fmt.Errorf("%w: no such task recorded", ErrOverRelease)
	}
	return nil
}

// gpuTag is the task's GpuClustering class: 0 for sharing, k for a k-GPU
// whole-GPU task, -1 for a CPU-only task.
func gpuTag(t Task) int {
	switch {
	case t.NumGPU == 0:
		return -1
	case t.IsSharing():
		return 0
	default:
		return t.NumGPU
	}
}

func (n *Node) addTag(t Task, delta int) {
	tag := gpuTag(t)
	if tag < 0 {
		return
	}
	for len(n.tagCounts) <= tag {
		n.tagCounts = append(n.tagCounts, 0)
	}
	n.tagCounts[tag] += delta
}

// distinctTags counts the GpuClustering classes present on the node.
func (n *Node) distinctTags() int {
	c := 0
	for _, v := range n.tagCounts {
		if v > 0 {
			c++
		}
	}
	return c
}

// hasTag reports whether a task of the class is on the node.
func (n *Node) hasTag(tag int) bool {
	return tag >= 0 && tag < len(n.tagCounts) && n.tagCounts[tag] > 0
}
