package plugins

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// TaintToleration keeps pods off nodes whose NoSchedule/NoExecute taints
// they don't tolerate, and prefers nodes with fewer untolerated
// PreferNoSchedule taints.
type TaintToleration struct{}

const taintTolerationKey framework.StateKey = "PreScore" + TaintTolerationName

// preferTolerations are the pod's tolerations that can match PreferNoSchedule taints.
type preferTolerations []api.Toleration

// Clone shares the slice: it is never modified after PreScore.
func (p preferTolerations) Clone() framework.StateData { return p }

// Name identifies the plugin in profiles.
func (*TaintToleration) Name() string { return TaintTolerationName }

// Filter rejects a node with an untolerated NoSchedule or NoExecute taint.
func (*TaintToleration) Filter(_ context.Context, _ *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	taints := n.Taints()
	for i := range taints {
		t := &taints[i]
		if t.Effect != api.TaintEffectNoSchedule && t.Effect != api.TaintEffectNoExecute {
			continue
		}
		if !tolerated(pod.Spec.Tolerations, t) {
			return framework.NewStatus(framework.UnschedulableAndUnresolvable,
				fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
		}
	}
	return nil
}

// PreScore keeps the tolerations relevant to PreferNoSchedule.
func (*TaintToleration) PreScore(_ context.Context, state *framework.CycleState, pod *api.Pod, _ []*framework.NodeInfo) *framework.Status {
	var keep preferTolerations
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == api.TaintEffectPreferNoSchedule {
			keep = append(keep, t)
		}
	}
	state.Write(taintTolerationKey, keep)
	return nil
}

// Score counts the node's untolerated PreferNoSchedule taints (normalised reversed).
func (*TaintToleration) Score(_ context.Context, state *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	tols, err := readState[preferTolerations](state, taintTolerationKey)
	if err != nil {
		tols = pod.Spec.Tolerations
	}
	var count int64
	taints := n.Taints()
	for i := range taints {
		t := &taints[i]
		if t.Effect == api.TaintEffectPreferNoSchedule && !tolerated(tols, t) {
			count++
		}
	}
	return count, nil
}

// ScoreExtensions returns the reversing normaliser.
func (tt *TaintToleration) ScoreExtensions() framework.ScoreExtensions { return tt }

// NormalizeScore turns counts into scores where fewer taints score higher.
func (*TaintToleration) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *api.Pod, scores []framework.NodeScore) *framework.Status {
	defaultNormalize(scores, true)
	return nil
}

// tolerated reports whether any toleration matches the taint.
func tolerated(tols []api.Toleration, t *api.Taint) bool {
	for i := range tols {
		if toleratesTaint(&tols[i], t) {
			return true
		}
	}
	return false
}

// toleratesTaint applies Kubernetes' matching rules: an empty effect
// matches every effect, an empty key with Exists matches every key, Exists
// ignores the value and Equal (the default) compares it.
func toleratesTaint(tol *api.Toleration, t *api.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case api.TolerationOpExists:
		return true
	case api.TolerationOpEqual, "":
		return tol.Value == t.Value
	}
	return false
}
