package plugins

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// GPUShareName is the GPU-sharing plugin's name in profiles.
const GPUShareName = "GPUShare"

// The GPU-sharing conventions nodes and pods follow.
//
// A node offers its GPUs as ResourceGPUMilli in allocatable, 1000 per GPU,
// and names their model in the LabelGPUModel label. A pod asks for
// ResourceGPUMilli in its requests: under 1000 is a share of one GPU, a
// multiple of 1000 that many whole GPUs. AnnotationGPUModel on the pod
// restricts the models it accepts ('|'-separated). The scheduler records
// the GPUs it chose in AnnotationGPUDevices ("0,3"), set with the binding.
const (
	ResourceGPUMilli     api.ResourceName = "kubetwin.io/gpu-milli"
	LabelGPUModel                         = "kubetwin.io/gpu-model"
	AnnotationGPUModel                    = "kubetwin.io/gpu-model"
	AnnotationGPUDevices                  = "kubetwin.io/gpu-devices"
)

// GPUShareArgs configure GPUShare from a profile's pluginConfig.
type GPUShareArgs struct {
	// Policy is the score and device choice: Random, DotProd,
	// GpuClustering, GpuPacking, BestFit or FGD, as the paper names them.
	Policy string `json:"policy"`
	// TypicalTasks is the workload FGD measures fragmentation against
	// (required for FGD, refused for the others).
	TypicalTasks []GPUTaskClass `json:"typicalTasks,omitempty"`
}

// GPUTaskClass is one kind of task in FGD's typical workload.
type GPUTaskClass struct {
	CPUMilli int64 `json:"cpuMilli"`
	NumGPU   int   `json:"numGPU"`
	// GPUMilli is per GPU: under 1000 for a share, 1000 for whole GPUs.
	GPUMilli int64  `json:"gpuMilli"`
	GPUSpec  string `json:"gpuSpec,omitempty"`
	// Popularity is the class's share of tasks; the shares add up to 1.
	Popularity float64 `json:"popularity"`
}

// GPUSharePolicies are the policies GPUShare knows by name.
var GPUSharePolicies = []string{"Random", "DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD"}

// NewGPUShare is GPUShare's factory: a policy from the args.
func NewGPUShare(raw json.RawMessage, h framework.Handle) (framework.Plugin, error) {
	var args GPUShareArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", GPUShareName, err)
	}
	p, err := gpuSharePolicy(args)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", GPUShareName, err)
	}
	return newGPUShare(GPUShareName, p, h), nil
}

// GPUShareWithPolicy is a factory for a GPUShare that places by a policy
// of the caller's own, registered under name: how a researcher tries a new
// GPU-sharing policy (a gpushare.Policy) in the same framework.
func GPUShareWithPolicy(name string, p gpushare.Policy) framework.PluginFactory {
	return noArgs(func(h framework.Handle) framework.Plugin { return newGPUShare(name, p, h) })
}

func gpuSharePolicy(args GPUShareArgs) (gpushare.Policy, error) {
	if args.Policy != "FGD" && len(args.TypicalTasks) > 0 {
		return nil, fmt.Errorf("typicalTasks are for FGD, not %q", args.Policy)
	}
	switch args.Policy {
	case "Random":
		return gpushare.Random{}, nil
	case "DotProd":
		return gpushare.DotProd{}, nil
	case "GpuClustering":
		return gpushare.GpuClustering{}, nil
	case "GpuPacking":
		return gpushare.GpuPacking{}, nil
	case "BestFit":
		return gpushare.BestFit{}, nil
	case "FGD":
		d, err := GPUTypicalDistribution(args.TypicalTasks)
		if err != nil {
			return nil, err
		}
		return gpushare.NewFGD(d), nil
	}
	return nil, fmt.Errorf("unknown policy %q: want one of %s", args.Policy, strings.Join(GPUSharePolicies, ", "))
}

// GPUTypicalDistribution is FGD's typical workload from the classes as
// the args give them.
func GPUTypicalDistribution(classes []GPUTaskClass) (*gpushare.Distribution, error) {
	if len(classes) == 0 {
		return nil, fmt.Errorf("FGD needs typicalTasks, the workload it measures fragmentation against")
	}
	out := make([]gpushare.Class, len(classes))
	for i, c := range classes {
		out[i] = gpushare.Class{Popularity: c.Popularity,
			Task: gpushare.Task{CPUMilli: c.CPUMilli, NumGPU: c.NumGPU, GPUMilli: c.GPUMilli, GPUSpec: c.GPUSpec}}
	}
	d, err := gpushare.NewDistribution(out)
	if err != nil {
		return nil, fmt.Errorf("typicalTasks: %w", err)
	}
	return d, nil
}

// GPUShareProfile is a profile in which GPUShare alone filters and
// scores, every node is scored and ties go to the smallest node name: the
// setting of the GPU-sharing study, whose policies are each the only score
// plugin. GPUShare's filter checks pod slots, CPU, memory and GPUs; the
// other default filters (taints, affinity, ports, spreading) are left out,
// as the study's nodes and tasks have none of them, and each would cost a
// call per node per task. There is no preemption.
func GPUShareProfile(schedulerName string, args GPUShareArgs) (framework.Profile, error) {
	raw, err := json.Marshal(args)
	if err != nil {
		return framework.Profile{}, fmt.Errorf("%s profile: %w", GPUShareName, err)
	}
	all := int32(100)
	none := []framework.PluginRef{{Name: "*"}}
	only := framework.PluginSet{Disabled: none, Enabled: []framework.PluginRef{{Name: GPUShareName}}}
	score := framework.PluginSet{Disabled: none, Enabled: []framework.PluginRef{{Name: GPUShareName, Weight: 1}}}
	return framework.Profile{SchedulerName: schedulerName, PercentageOfNodesToScore: &all,
		TieBreak: framework.TieBreakNodeName,
		Plugins: framework.Plugins{PreFilter: only, Filter: only, PreScore: only, Score: score, Reserve: only,
			PostFilter: framework.PluginSet{Disabled: none}},
		PluginConfig: []framework.PluginConfig{{Name: GPUShareName, Args: raw}}}, nil
}
