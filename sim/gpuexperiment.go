package sim

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
	"github.com/kubetwin/kubetwin/scenarios"
)

// gpuSchedulerName is the profile GPU experiment pods ask for.
const gpuSchedulerName = "gpushare"

// GPUExperiment is one experiment of the GPU-sharing study (Weng, Yang et
// al., USENIX ATC '23): a GPU cluster, tasks arriving in order, one
// policy as the only score plugin, and the cluster's state after every
// arrival.
type GPUExperiment struct {
	Nodes []scenarios.GPUNode
	// Tasks arrive in this order (an experiment workload, already shuffled
	// and inflated).
	Tasks []scenarios.GPUTask
	// Typical is the workload fragmentation is measured against: FGD's
	// distribution, and the yardstick of every policy's fragmentation.
	Typical []scenarios.TaskClass
	// Policy is one of plugins.GPUSharePolicies.
	Policy string
	Seed   uint64
}

// GPUArrival is the cluster right after one task arrived and was placed
// or failed.
type GPUArrival struct {
	// ArrivedMilli is the GPU milli the tasks so far asked for, failed ones included.
	ArrivedMilli int64
	// AllocatedMilli is the GPU milli placed.
	AllocatedMilli int64
	// FragMilli is the idle GPU milli the typical workload could not use
	// (the paper's fragmentation), out of IdleMilli.
	FragMilli, IdleMilli float64
	Placed               bool
}

// GPUExperimentResult is an experiment's record.
type GPUExperimentResult struct {
	CapacityMilli  int64
	Arrivals       []GPUArrival
	Placed, Failed int
}

// RunGPUExperiment places the tasks with the GPUShare plugin through the
// simulator's scheduler (Pack), and follows each placement on a model of
// its own: it replays the devices the scheduler recorded, so a placement
// the model finds no room for is an error, not a curve.
func RunGPUExperiment(ctx context.Context, e GPUExperiment) (*GPUExperimentResult, error) {
	args := plugins.GPUShareArgs{Policy: e.Policy}
	if e.Policy == "FGD" {
		args.TypicalTasks = scenarios.PluginTypical(e.Typical)
	}
	profile, err := plugins.GPUShareProfile(gpuSchedulerName, args)
	if err != nil {
		return nil, err
	}
	rec, err := newGPURecorder(e)
	if err != nil {
		return nil, err
	}
	cfg := PackConfig{Profiles: []framework.Profile{profile}, Seed: e.Seed, Observe: rec.observe}

	for _, n := range e.Nodes {
		cfg.Nodes = append(cfg.Nodes, n.NodeObject())
	}
	for _, t := range e.Tasks {
		cfg.Pods = append(cfg.Pods, t.PodObject(gpuSchedulerName))
	}
	res, err := Pack(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("gpu experiment %s: %w", e.Policy, err)
	}
	return &GPUExperimentResult{CapacityMilli: rec.capacity, Arrivals: rec.arrivals, Placed: res.Placed, Failed: res.Failed}, nil
}

// gpuRecorder keeps the cluster's model and, per node, its fragmentation,
// recomputed only for the node a placement changed.
type gpuRecorder struct {
	tasks    []scenarios.GPUTask
	dist     *gpushare.Distribution
	nodes    map[string]int
	model    []*gpushare.Node
	frag     []gpushare.FragAmount
	capacity int64
	arrived  int64
	placed   int64
	// fragSum and idleSum are the cluster's fragmented and idle GPU milli.
	fragSum, idleSum float64
	arrivals         []GPUArrival
}

func newGPURecorder(e GPUExperiment) (*gpuRecorder, error) {
	dist, err := scenarios.TypicalDistribution(e.Typical)
	if err != nil {
		return nil, fmt.Errorf("gpu experiment: %w", err)
	}
	r := &gpuRecorder{tasks: e.Tasks, dist: dist, nodes: map[string]int{}, arrivals: make([]GPUArrival, 0, len(e.Tasks))}
	for i, n := range e.Nodes {
		m, err := gpushare.NewNode(n.Name, n.Model, n.CPUMilli, n.MemoryMiB, n.GPUs)
		if err != nil {
			return nil, fmt.Errorf("gpu experiment: %w", err)
		}
		r.nodes[n.Name] = i
		r.model = append(r.model, m)
		r.frag = append(r.frag, gpushare.NodeFragAmount(m, dist))
		r.capacity += n.GPUMilli()
	}
	return r, nil
}

func (r *gpuRecorder) observe(i int, bound *api.Pod) error {
	t := r.tasks[i]
	r.arrived += t.TotalGPUMilli()
	if bound != nil {
		if err := r.place(t, bound); err != nil {
			return err
		}
		r.placed += t.TotalGPUMilli()
	}
	if i%resumEvery == 0 {
		r.resum()
	}
	r.arrivals = append(r.arrivals, GPUArrival{ArrivedMilli: r.arrived, AllocatedMilli: r.placed, Placed: bound != nil,
		FragMilli: r.fragSum, IdleMilli: r.idleSum})
	return nil
}

// resumEvery is how many arrivals the cluster's sums go updated by
// differences before they are summed afresh, so rounding cannot drift.
const resumEvery = 512

func (r *gpuRecorder) resum() {
	r.fragSum, r.idleSum = 0, 0
	for _, f := range r.frag {
		r.fragSum += f.Fragment()
		r.idleSum += f.Idle()
	}
}

// place replays a placement on the model, with the devices the scheduler
// recorded on the pod.
func (r *gpuRecorder) place(t scenarios.GPUTask, bound *api.Pod) error {
	at, ok := r.nodes[bound.Spec.NodeName]
	if !ok {
		return fmt.Errorf("placed on %s, not a node of the experiment", bound.Spec.NodeName)
	}
	devices, err := plugins.ParseGPUDevices(bound.Annotations[plugins.AnnotationGPUDevices])
	if err != nil {
		return err
	}
	if err := r.model[at].Allocate(t.ModelTask(), devices); err != nil {
		return fmt.Errorf("the scheduler's placement does not fit the model: %w", err)
	}
	old := r.frag[at]
	r.frag[at] = gpushare.NodeFragAmount(r.model[at], r.dist)
	r.fragSum += r.frag[at].Fragment() - old.Fragment()
	r.idleSum += r.frag[at].Idle() - old.Idle()
	return nil
}
