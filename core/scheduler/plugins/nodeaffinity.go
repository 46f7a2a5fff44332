package plugins

import (
	"context"
	"slices"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// ReasonNodeAffinity is the rejection when nodeSelector or required node affinity don't match.
const ReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector"

// nodeNameField is the only field matchFields may name, as in Kubernetes.
const nodeNameField = "metadata.name"

// NodeAffinity enforces nodeSelector and required node affinity, and scores
// preferred node affinity terms.
type NodeAffinity struct{}

// Name identifies the plugin in profiles.
func (*NodeAffinity) Name() string { return NodeAffinityName }

// PreFilter skips the Filter for pods that constrain nothing.
func (*NodeAffinity) PreFilter(_ context.Context, _ *framework.CycleState, pod *api.Pod) *framework.Status {
	if len(pod.Spec.NodeSelector) == 0 && requiredTerms(pod) == nil {
		return framework.NewStatus(framework.Skip)
	}
	return nil
}

// Filter rejects nodes failing the nodeSelector or all required terms.
func (*NodeAffinity) Filter(_ context.Context, _ *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) *framework.Status {
	if !RequiredNodeAffinityMatches(pod, n.Node()) {
		return framework.NewStatus(framework.UnschedulableAndUnresolvable, ReasonNodeAffinity)
	}
	return nil
}

// RequiredNodeAffinityMatches reports whether a node satisfies a pod's
// nodeSelector and required affinity, for this plugin and for oracles.
func RequiredNodeAffinityMatches(pod *api.Pod, node *api.Node) bool {
	for k, v := range pod.Spec.NodeSelector {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false
		}
	}
	terms := requiredTerms(pod)
	if terms == nil {
		return true
	}
	return slices.ContainsFunc(terms.NodeSelectorTerms, func(t api.NodeSelectorTerm) bool { return termMatches(&t, node) })
}

func requiredTerms(pod *api.Pod) *api.NodeSelector {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return nil
	}
	return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// PreScore skips scoring for pods without preferences.
func (*NodeAffinity) PreScore(_ context.Context, _ *framework.CycleState, pod *api.Pod, _ []*framework.NodeInfo) *framework.Status {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	return nil
}

// Score sums the weights of the preferred terms the node matches.
func (*NodeAffinity) Score(_ context.Context, _ *framework.CycleState, pod *api.Pod, n *framework.NodeInfo) (int64, *framework.Status) {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil {
		return 0, nil
	}
	var sum int64
	for i := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		t := &a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution[i]
		if t.Weight != 0 && termMatches(&t.Preference, n.Node()) {
			sum += int64(t.Weight)
		}
	}
	return sum, nil
}

// ScoreExtensions returns the normaliser.
func (na *NodeAffinity) ScoreExtensions() framework.ScoreExtensions { return na }

// NormalizeScore scales sums so the best node gets MaxNodeScore.
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *framework.CycleState, _ *api.Pod, scores []framework.NodeScore) *framework.Status {
	defaultNormalize(scores, false)
	return nil
}

// termMatches ANDs a term's label expressions and field requirements; an
// empty term matches nothing, as in Kubernetes.
func termMatches(t *api.NodeSelectorTerm, node *api.Node) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for i := range t.MatchExpressions {
		r := &t.MatchExpressions[i]
		v, ok := node.Labels[r.Key]
		if !requirementMatches(r, v, ok) {
			return false
		}
	}
	for i := range t.MatchFields {
		r := &t.MatchFields[i]
		if r.Key != nodeNameField || !requirementMatches(r, node.Name, true) {
			return false
		}
	}
	return true
}

// requirementMatches applies one operator to a value (present or not).
func requirementMatches(r *api.NodeSelectorRequirement, v string, present bool) bool {
	switch r.Operator {
	case api.NodeSelectorOpIn:
		return present && slices.Contains(r.Values, v)
	case api.NodeSelectorOpNotIn:
		return !present || !slices.Contains(r.Values, v)
	case api.NodeSelectorOpExists:
		return present
	case api.NodeSelectorOpDoesNotExist:
		return !present
	case api.NodeSelectorOpGt, api.NodeSelectorOpLt:
		return present && len(r.Values) == 1 && compareInts(r.Operator, v, r.Values[0])
	}
	return false
}

// compareInts applies Gt or Lt to integer label values; non-integers never match.
func compareInts(op api.NodeSelectorOperator, label, bound string) bool {
	l, err1 := strconv.ParseInt(label, 10, 64)
	b, err2 := strconv.ParseInt(bound, 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	if op == api.NodeSelectorOpGt {
		return l > b
	}
	return l < b
}
