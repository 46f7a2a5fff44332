// Package plugins holds kubetwin's in-tree scheduler plugins (the
// counterparts of kube-scheduler's defaults), their registry and the default
// profile that wires them together.
package plugins

import (
	"encoding/json"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// The in-tree plugin names, as profiles and scenarios spell them.
const (
	PrioritySortName       = "PrioritySort"
	NodeNameName           = "NodeName"
	NodeUnschedulableName  = "NodeUnschedulable"
	NodeResourcesFitName   = "NodeResourcesFit"
	BalancedAllocationName = "NodeResourcesBalancedAllocation"
	NodeAffinityName       = "NodeAffinity"
	TaintTolerationName    = "TaintToleration"
	NodePortsName          = "NodePorts"
	DefaultBinderName      = "DefaultBinder"
)

// NewInTreeRegistry returns the factories of every in-tree plugin, for
// profiles to pick from; callers may Register their own on top.
func NewInTreeRegistry() framework.Registry {
	return framework.Registry{
		PrioritySortName:       noArgs(func(framework.Handle) framework.Plugin { return &PrioritySort{} }),
		NodeNameName:           noArgs(func(framework.Handle) framework.Plugin { return &NodeName{} }),
		NodeUnschedulableName:  noArgs(func(framework.Handle) framework.Plugin { return &NodeUnschedulable{} }),
		NodeResourcesFitName:   NewFit,
		BalancedAllocationName: NewBalancedAllocation,
		NodeAffinityName:       noArgs(func(framework.Handle) framework.Plugin { return &NodeAffinity{} }),
		TaintTolerationName:    noArgs(func(framework.Handle) framework.Plugin { return &TaintToleration{} }),
		NodePortsName:          noArgs(func(framework.Handle) framework.Plugin { return &NodePorts{} }),
		DefaultBinderName:      NewDefaultBinder,
		InterPodAffinityName:   NewInterPodAffinity,
		PodTopologySpreadName:  NewPodTopologySpread,
		DefaultPreemptionName:  NewDefaultPreemption,
		GPUShareName:           NewGPUShare,
	}
}

// noArgs adapts a constructor for plugins that take no args, rejecting any given.
func noArgs(build func(framework.Handle) framework.Plugin) framework.PluginFactory {
	return func(args json.RawMessage, h framework.Handle) (framework.Plugin, error) {
		var none struct{}
		if err := framework.DecodeArgs(args, &none); err != nil {
			return nil, err
		}
		return build(h), nil
	}
}

// DefaultPlugins is the default profile's plugin lists, with kube-scheduler's score weights.
func DefaultPlugins() framework.Plugins {
	refs := func(names ...string) framework.PluginSet {
		s := framework.PluginSet{}
		for _, n := range names {
			s.Enabled = append(s.Enabled, framework.PluginRef{Name: n})
		}
		return s
	}
	return framework.Plugins{
		QueueSort: refs(PrioritySortName),
		PreFilter: refs(NodeAffinityName, NodePortsName, NodeResourcesFitName, PodTopologySpreadName,
			InterPodAffinityName),
		Filter: refs(NodeUnschedulableName, NodeNameName, TaintTolerationName, NodeAffinityName,
			NodePortsName, NodeResourcesFitName, PodTopologySpreadName, InterPodAffinityName),
		PostFilter: refs(DefaultPreemptionName),
		PreScore: refs(TaintTolerationName, NodeAffinityName, PodTopologySpreadName, InterPodAffinityName,
			NodeResourcesFitName, BalancedAllocationName),
		Score: framework.PluginSet{Enabled: []framework.PluginRef{
			{Name: TaintTolerationName, Weight: 3}, {Name: NodeAffinityName, Weight: 2},
			{Name: NodeResourcesFitName, Weight: 1}, {Name: BalancedAllocationName, Weight: 1},
			{Name: PodTopologySpreadName, Weight: 2}, {Name: InterPodAffinityName, Weight: 2}}},
		Bind: refs(DefaultBinderName),
	}
}

// DefaultProfile is the profile used when none is configured.
func DefaultProfile() framework.Profile {
	p := framework.Profile{SchedulerName: framework.DefaultSchedulerName}
	return p.Resolve(DefaultPlugins())
}

// defaultNormalize rescales scores to [0, MaxNodeScore] relative to the
// highest, optionally reversed (fewer is better), as Kubernetes' helper does.
func defaultNormalize(scores []framework.NodeScore, reverse bool) {
	var top int64
	for _, s := range scores {
		top = max(top, s.Score)
	}
	for i := range scores {
		switch {
		case top == 0 && reverse:
			scores[i].Score = framework.MaxNodeScore
		case top == 0:
		case reverse:
			scores[i].Score = framework.MaxNodeScore - framework.MaxNodeScore*scores[i].Score/top
		default:
			scores[i].Score = framework.MaxNodeScore * scores[i].Score / top
		}
	}
}
