package examples

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// GPUBinPackingName is the name profiles use for GPUBinPacking.
const GPUBinPackingName = "GPUBinPacking"

// DefaultGPUResource is the extended resource GPUBinPacking packs unless told otherwise.
const DefaultGPUResource api.ResourceName = "nvidia.com/gpu"

// GPUBinPackingArgs configure GPUBinPacking from a profile's pluginConfig.
type GPUBinPackingArgs struct {
	// ResourceName is the extended resource to pack; empty means nvidia.com/gpu.
	ResourceName api.ResourceName `json:"resourceName,omitempty"`
}

// GPUBinPacking is a Score plugin that fills GPU nodes before starting new
// ones, keeping whole nodes free for large GPU jobs: a node scores its
// share of GPUs allocated after placing the pod, scaled to 0–100.
type GPUBinPacking struct {
	resource api.ResourceName
}

var _ framework.ScorePlugin = (*GPUBinPacking)(nil)

// Registry is the registry extension a scheduler merges to know GPUBinPacking by name.
func Registry() framework.Registry {
	return framework.Registry{GPUBinPackingName: NewGPUBinPacking}
}

// NewGPUBinPacking is GPUBinPacking's factory, rejecting unknown args.
func NewGPUBinPacking(raw json.RawMessage, _ framework.Handle) (framework.Plugin, error) {
	args := GPUBinPackingArgs{}
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", GPUBinPackingName, err)
	}
	if args.ResourceName == "" {
		args.ResourceName = DefaultGPUResource
	}
	return &GPUBinPacking{resource: args.ResourceName}, nil
}

// Name identifies the plugin in profiles.
func (*GPUBinPacking) Name() string { return GPUBinPackingName }

// Score is the node's allocated share of the resource after placing pod,
// times MaxNodeScore; nodes without the resource, and pods not asking for
// it, score 0, so the plugin leaves other placements to the default plugins.
func (g *GPUBinPacking) Score(_ context.Context, _ *framework.CycleState, pod *api.Pod, node *framework.NodeInfo) (int64, *framework.Status) {
	want := framework.PodRequests(pod).Get(g.resource)
	capacity := node.Allocatable.Get(g.resource)
	if want == 0 || capacity == 0 {
		return framework.MinNodeScore, nil
	}
	used := min(node.Requested.Get(g.resource)+want, capacity)
	return used * framework.MaxNodeScore / capacity, nil
}

// ScoreExtensions is nil: Score already returns values in [0, MaxNodeScore].
func (*GPUBinPacking) ScoreExtensions() framework.ScoreExtensions { return nil }
