package plugins

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Rejection reasons, worded as kube-scheduler words them so diagnosis
// messages read the same on both.
const (
	ReasonNodeName          = "node(s) didn't match the requested node name"
	ReasonNodeUnschedulable = "node(s) were unschedulable"
	ReasonNodePorts         = "node(s) didn't have free ports for the requested pod ports"
)

// UnschedulableTaintKey is the taint a cordoned node implicitly carries.
const UnschedulableTaintKey = "node.kubernetes.io/unschedulable"

// PrioritySort orders the queue: higher priority first, then older pods,
// then by namespace/name so the order never depends on arrival races.
type PrioritySort struct{}

// Name identifies the plugin in profiles.
func (*PrioritySort) Name() string { return PrioritySortName }

// Less reports whether a goes before b.
func (*PrioritySort) Less(a, b *framework.QueuedPodInfo) bool {
	pa, pb := podPriority(a.Pod), podPriority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	ta, tb := a.Pod.CreationTimestamp.Time, b.Pod.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Pod.Namespace+"/"+a.Pod.Name < b.Pod.Namespace+"/"+b.Pod.Name
}

func podPriority(p *api.Pod) int32 {
	if p.Spec.Priority == nil {
		return 0
	}
	return *p.Spec.Priority
}

// NodeName keeps a pod that names a node (spec.nodeName) off every other node.
type NodeName struct{}

// Name identifies the plugin in profiles.
func (*NodeName) Name() string { return NodeNameName }

// Filter rejects nodes other than the one the pod names.
func (*NodeName) Filter(_ context.Context, _ *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != n.Name() {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNodeName)
	}
	return nil
}

// NodeUnschedulable keeps pods off cordoned nodes unless they tolerate the cordon taint.
type NodeUnschedulable struct{}

// Name identifies the plugin in profiles.
func (*NodeUnschedulable) Name() string { return NodeUnschedulableName }

// Filter rejects a cordoned node for pods without the matching toleration.
func (*NodeUnschedulable) Filter(_ context.Context, _ *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	if !n.Unschedulable() {
		return nil
	}
	cordon := api.Taint{Key: UnschedulableTaintKey, Effect: api.TaintEffectNoSchedule}
	if tolerated(pod.Spec.Tolerations, &cordon) {
		return nil
	}
	return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNodeUnschedulable)
}

// NodePorts keeps pods whose host ports are taken off a node.
type NodePorts struct{}

const nodePortsKey framework.StateKey = "PreFilter" + NodePortsName

type hostPortsState []framework.HostPort

// Clone shares the slice: it is never modified after PreFilter.
func (s hostPortsState) Clone() framework.StateData { return s }

// Name identifies the plugin in profiles.
func (*NodePorts) Name() string { return NodePortsName }

// PreFilter collects the pod's host ports once; pods without any skip the Filter.
func (*NodePorts) PreFilter(_ context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	ports := framework.PodHostPorts(pod)
	if len(ports) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	state.Write(nodePortsKey, hostPortsState(ports))
	return nil
}

// Filter rejects a node where any wanted host port is in use.
func (*NodePorts) Filter(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	ports, err := readState[hostPortsState](state, nodePortsKey)
	if err != nil {
		ports = framework.PodHostPorts(pod)
	}
	for _, hp := range ports {
		if n.UsedPorts.Conflicts(hp) {
			return framework.NewStatus(framework.Unschedulable, ReasonNodePorts)
		}
	}
	return nil
}

// readState reads and type-checks a cycle-state entry.
func readState[T framework.StateData](state *framework.CycleState, key framework.StateKey) (T, error) {
	var zero T
	d, err := state.Read(key)
	if err != nil {
		return zero, err
	}
	t, ok := d.(T)
	if !ok {
		return zero, framework.ErrNotFound
	}
	return t, nil
}

// DefaultBinder binds through the driver's Binder.
type DefaultBinder struct{ binder framework.Binder }

// NewDefaultBinder builds the binder over the handle's Binder.
func NewDefaultBinder(args json.RawMessage, h framework.Handle) (framework.Plugin, error) {
	return noArgs(func(h framework.Handle) framework.Plugin { return &DefaultBinder{binder: h.Binder()} })(args, h)
}

// Name identifies the plugin in profiles.
func (*DefaultBinder) Name() string { return DefaultBinderName }

// Bind asks the driver to bind, with the annotations plugins asked for
// in the cycle; a failure is an Error status.
func (b *DefaultBinder) Bind(ctx context.Context, state *framework.CycleState, pod *api.Pod, nodeName string) *framework.Status {
	if b.binder == nil {
		return framework.NewStatus(framework.Error, "no binder configured")
	}
	err := error(nil)
	if ann := framework.BindingAnnotations(state); ann != nil {
		ab, ok := b.binder.(framework.AnnotatingBinder)
		if !ok {
			return framework.NewStatus(framework.Error, "the binder cannot set annotations with a binding")
		}
		err = ab.BindWithAnnotations(ctx, pod, nodeName, ann)
	} else {
		err = b.binder.Bind(ctx, pod, nodeName)
	}
	if err != nil {
		return framework.AsStatus(fmt.Errorf("bind %s/%s to %s: %w", pod.Namespace, pod.Name, nodeName, err))
	}
	return nil
}
