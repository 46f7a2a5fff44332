package gpushare

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// ErrInvalidDistribution is returned for a task distribution FGD cannot use.
var ErrInvalidDistribution = errors.New("invalid task distribution")

// Class is one kind of task in the typical workload and how often it comes.
type Class struct {
	Task Task
	// Popularity is the class's share of tasks, in [0, 1].
	Popularity float64
}

// Distribution is the typical workload fragmentation is measured against:
// task classes, in a fixed order (the order sums are taken in), whose
// popularities add up to one.
type Distribution struct {
	classes []Class
}

// NewDistribution checks and keeps the classes in the given order; the
// popularities must each lie in [0, 1] and add up to 1 within 1e-3.
func NewDistribution(classes []Class) (*Distribution, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("%w: no classes", ErrInvalidDistribution)
	}
	sum := 0.0
	for i, c := range classes {
		if err := c.Task.Validate(); err != nil {
			return nil, fmt.Errorf("%w: class %d: %w", ErrInvalidDistribution, i, err)
		}
		if c.Popularity < 0 || c.Popularity > 1 || math.IsNaN(c.Popularity) {
			return nil, fmt.Errorf("%w: class %d popularity %v", ErrInvalidDistribution, i, c.Popularity)
		}
		sum += c.Popularity
	}
	if math.Abs(sum-1) > 1e-3 {
		return nil, fmt.Errorf("%w: popularities sum to %v", ErrInvalidDistribution, sum)
	}
	return &Distribution{classes: append([]Class(nil), classes...)}, nil
}

// Classes returns a copy of the classes in order.
func (d *Distribution) Classes() []Class { return append([]Class(nil), d.classes...) }

// FragCategory says how one task class relates to a node's free GPUs, as
// the artefact classifies it; all but Satisfied count wholly as fragment.
type FragCategory int

// The categories, in the artefact's order (its q1 … no_access).
const (
	LackBoth        FragCategory = iota // GPU task, node lacks both GPU room and CPU
	LackGPU                             // GPU task, enough CPU but no GPU room
	Satisfied                           // GPU task that fits; only too-small GPUs are fragment
	LackCPU                             // GPU task with GPU room but not enough CPU
	CPUTaskFits                         // CPU-only task that fits
	CPUTaskLacksCPU                     // CPU-only task without enough CPU
	NoAccess                            // GPU task whose spec excludes the node's model
	numCategories
)

// FragAmount is a node's (or cluster's) free milli-GPU split by category,
// each weighted by class popularity.
type FragAmount [numCategories]float64

// Fragment is the expected fragmented milli-GPU: every category but
// Satisfied, summed in category order.
func (f FragAmount) Fragment() float64 {
	s := 0.0
	for c, v := range f {
		if FragCategory(c) != Satisfied {
			s += v
		}
	}
	return s
}

// Idle is all categories together: the free milli-GPU times the total popularity.
func (f FragAmount) Idle() float64 {
	s := 0.0
	for _, v := range f {
		s += v
	}
	return s
}

// classify gives the category of one class on a node with cpuFree CPU
// and the given free GPUs, and for Satisfied the milli-GPU on devices too
// small for it.
func classify(t Task, access bool, cpuFree int64, free []int64) (FragCategory, int64) {
	cpuOK := cpuFree >= t.CPUMilli
	if t.GPUMilli == 0 {
		if cpuOK {
			return CPUTaskFits, 0
		}
		return CPUTaskLacksCPU, 0
	}
	if !access {
		return NoAccess, 0
	}
	room, small := 0, int64(0)
	for _, f := range free {
		if f >= t.GPUMilli {
			room++
		} else {
			small += f
		}
	}
	switch gpuOK := room >= t.NumGPU; {
	case gpuOK && cpuOK:
		return Satisfied, small
	case gpuOK:
		return LackCPU, 0
	case cpuOK:
		return LackGPU, 0
	default:
		return LackBoth, 0
	}
}

// fragAmount is the node state's FragAmount: for each class, in order,
// its popularity times the free milli-GPU goes to its category, except
// that a Satisfied class puts the too-small devices' share under LackGPU.
// The float64 conversions keep each product rounded on its own, as the
// artefact's arithmetic is, so equal states give bit-equal sums.
func fragAmount(d *Distribution, access []bool, cpuFree int64, free []int64) FragAmount {
	var out FragAmount
	total := sumMilli(free)
	for i, c := range d.classes {
		cat, small := classify(c.Task, access[i], cpuFree, free)
		p := c.Popularity
		if cat == Satisfied {
			out[LackGPU] += float64(p * float64(small))
			out[Satisfied] += float64(p * float64(total-small))
			continue
		}
		out[cat] += float64(p * float64(total))
	}
	return out
}

// accessMask says, per class, whether its spec allows the model.
func (d *Distribution) accessMask(model string) []bool {
	m := make([]bool, len(d.classes))
	for i, c := range d.classes {
		m[i] = c.Task.AllowsModel(model)
	}
	return m
}

// NodeFragAmount is the node's free milli-GPU split by category against
// the distribution.
func NodeFragAmount(n *Node, d *Distribution) FragAmount {
	return fragAmount(d, d.accessMask(n.model), n.cpuFreeMilli, n.gpuFreeMilli)
}

// NodeFragmentation is the node's expected fragmented milli-GPU: the
// quantity FGD tries not to grow.
func NodeFragmentation(n *Node, d *Distribution) float64 {
	return NodeFragAmount(n, d).Fragment()
}

// ClusterFrag is the cluster-wide fragmentation the paper reports.
type ClusterFrag struct {
	// Amount sums the nodes' FragAmounts in node order.
	Amount FragAmount
	// FragMilli is the fragmented milli-GPU and IdleMilli the free milli-GPU
	// (as the category total).
	FragMilli, IdleMilli float64
	// Ratio is FragMilli / IdleMilli (0 when nothing is idle); the paper
	// plots it in percent.
	Ratio float64
}

// ClusterFragmentation sums every node's FragAmount and derives the
// fragmentation ratio: the share of idle GPU that the typical tasks could
// not use.
func ClusterFragmentation(nodes []*Node, d *Distribution) ClusterFrag {
	var cf ClusterFrag
	for _, n := range nodes {
		a := NodeFragAmount(n, d)
		for c := range cf.Amount {
			cf.Amount[c] += a[c]
		}
	}
	cf.FragMilli, cf.IdleMilli = cf.Amount.Fragment(), cf.Amount.Idle()
	if cf.IdleMilli > 0 {
		cf.Ratio = cf.FragMilli / cf.IdleMilli
	}
	return cf
}

// GPUAllocation returns the milli-GPU allocated and the milli-GPU capacity
// over the nodes; their quotient is the allocation ratio the paper plots.
func GPUAllocation(nodes []*Node) (allocatedMilli, capacityMilli int64) {
	for _, n := range nodes {
		c := int64(len(n.gpuFreeMilli)) * MilliPerGPU
		capacityMilli += c
		allocatedMilli += c - sumMilli(n.gpuFreeMilli)
	}
	return allocatedMilli, capacityMilli
}

// TypicalClasses builds the typical distribution from a workload the way
// the artefact does for its experiments: tasks grouped by demand ignoring
// memory (CPU-only tasks included), ordered by count (ties: larger demand
// first), and the most popular classes kept until they cover
// thresholdPct percent of the tasks (the artefact uses 95), their
// popularities renormalised to sum to one.
func TypicalClasses(tasks []Task, thresholdPct float64) ([]Class, error) {
	if len(tasks) == 0 {
		return nil, fmt.Errorf("%w: no tasks", ErrInvalidDistribution)
	}
	counts := map[Task]float64{}
	for _, t := range tasks {
		t.MemoryMiB = 0
		counts[t]++
	}
	classes := make([]Class, 0, len(counts))
	for t, c := range counts {
		classes = append(classes, Class{Task: t, Popularity: c})
	}
	sort.Slice(classes, func(i, j int) bool { return moreTypical(classes[i], classes[j]) })
	total := float64(len(tasks))
	return keepTypical(classes, total, thresholdPct*total/100), nil
}

// moreTypical orders classes by count, then by larger demand, so the
// order is total and does not depend on map iteration.
func moreTypical(a, b Class) bool {
	if a.Popularity != b.Popularity {
		return a.Popularity > b.Popularity
	}
	x, y := a.Task, b.Task
	switch {
	case x.CPUMilli != y.CPUMilli:
		return x.CPUMilli > y.CPUMilli
	case x.GPUMilli != y.GPUMilli:
		return x.GPUMilli > y.GPUMilli
	case x.NumGPU != y.NumGPU:
		return x.NumGPU > y.NumGPU
	default:
		return x.GPUSpec > y.GPUSpec
	}
}

// keepTypical turns counts into shares, keeps classes until they cover
// want tasks, and renormalises the kept ones, in the artefact's steps.
func keepTypical(classes []Class, total, want float64) []Class {
	kept, cum := 0, 0.0
	for cum < want && kept < len(classes) {
		cum += classes[kept].Popularity
		classes[kept].Popularity /= total
		kept++
	}
	if kept == len(classes) {
		return classes
	}
	out := classes[:kept]
	for i := range out {
		out[i].Popularity /= cum / total
	}
	return out
}
