package plugins

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// PodTopologySpreadName names the plugin in profiles.
const PodTopologySpreadName = "PodTopologySpread"

// Rejection reasons, worded as kube-scheduler words them.
const (
	ReasonTopologySpread      = "node(s) didn't match pod topology spread constraints"
	ReasonTopologySpreadLabel = ReasonTopologySpread + " (missing required label)"
)

// Defaulting types for PodTopologySpreadArgs.
const (
	SystemDefaulting = "System"
	ListDefaulting   = "List"
)

// PodTopologySpreadArgs configures the constraints used for pods that have none.
type PodTopologySpreadArgs struct {
	// DefaultConstraints apply to pods without constraints when DefaultingType is List.
	DefaultConstraints []api.TopologySpreadConstraint `json:"defaultConstraints,omitempty"`
	// DefaultingType is System (Kubernetes' built-in defaults, the default) or List.
	DefaultingType string `json:"defaultingType,omitempty"`
}

// systemDefaultConstraints are Kubernetes' built-in soft constraints.
var systemDefaultConstraints = []api.TopologySpreadConstraint{
	{TopologyKey: hostnameLabel, MaxSkew: 3, WhenUnsatisfiable: api.ScheduleAnyway},
	{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 5, WhenUnsatisfiable: api.ScheduleAnyway},
}

const hostnameLabel = "kubernetes.io/hostname"

// PodTopologySpread keeps pods matching a constraint's selector evenly
// spread over topology domains: hard constraints filter, soft ones score.
// Pods without constraints get the default ones, selecting (as a
// simplification of Kubernetes' owning Service/ReplicaSet selectors) pods
// with the pod's own labels, and only when the pod has a controller owner.
type PodTopologySpread struct {
	handle    framework.Handle
	defaults  []api.TopologySpreadConstraint
	systemDef bool
	memo      matchCounts
	indexes   topologyIndexes
	labels    podLabelIndex
}

// NewPodTopologySpread builds the plugin from its args.
func NewPodTopologySpread(raw json.RawMessage, h framework.Handle) (framework.Plugin, error) {
	var args PodTopologySpreadArgs
	if err := framework.DecodeArgs(raw, &args); err != nil {
		return nil, fmt.Errorf("%s: %w", PodTopologySpreadName, err)
	}
	pl := &PodTopologySpread{handle: h}
	switch args.DefaultingType {
	case "", SystemDefaulting:
		if len(args.DefaultConstraints) > 0 {
			return nil, fmt.Errorf("%s: defaultConstraints need defaultingType List", PodTopologySpreadName)
		}
		pl.defaults, pl.systemDef = systemDefaultConstraints, true
	case ListDefaulting:
		pl.defaults = args.DefaultConstraints
	default:
		return nil, fmt.Errorf("%s: unknown defaultingType %q", PodTopologySpreadName, args.DefaultingType)
	}
	return pl, nil
}

// Name identifies the plugin in profiles.
func (*PodTopologySpread) Name() string { return PodTopologySpreadName }

// spreadConstraint is a constraint resolved for one pod.
type spreadConstraint struct {
	maxSkew       int64
	key           string
	minDomains    int
	selector      labels.Selector
	honorAffinity bool
	honorTaints   bool
}

// constraints resolves the pod's constraints with the given action, or the
// defaults when the pod has none at all; defaulted reports the latter.
func (pl *PodTopologySpread) constraints(pod *api.Pod, action api.UnsatisfiableConstraintAction) ([]spreadConstraint, bool, error) {
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		out, err := resolveConstraints(pod, pod.Spec.TopologySpreadConstraints, action, nil)
		return out, false, err
	}
	sel := defaultSelector(pod)
	if sel == nil {
		return nil, true, nil
	}
	out, err := resolveConstraints(pod, pl.defaults, action, sel)
	return out, true, err
}

// defaultSelector selects the pod's siblings by its own labels when it has
// a controller owner; nil when default constraints should not apply.
func defaultSelector(pod *api.Pod) labels.Selector {
	if len(pod.Labels) == 0 {
		return nil
	}
	for _, o := range pod.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return labels.SelectorFromSet(labels.Set(pod.Labels))
		}
	}
	return nil
}

// resolveConstraints parses the constraints with the given action; sel,
// when set, replaces their selectors (default constraints have none).
func resolveConstraints(pod *api.Pod, cs []api.TopologySpreadConstraint, action api.UnsatisfiableConstraintAction, sel labels.Selector) ([]spreadConstraint, error) {
	var out []spreadConstraint
	for i := range cs {
		c := &cs[i]
		if c.WhenUnsatisfiable != action {
			continue
		}
		s := sel
		if s == nil {
			var err error
			if s, err = constraintSelector(pod, c); err != nil {
				return nil, fmt.Errorf("pod %s/%s spread constraint %q: %w", pod.Namespace, pod.Name, c.TopologyKey, err)
			}
		}
		sc := spreadConstraint{maxSkew: int64(c.MaxSkew), key: c.TopologyKey, minDomains: 1, selector: s,
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == api.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == api.NodeInclusionPolicyHonor}
		if c.MinDomains != nil {
			sc.minDomains = int(*c.MinDomains)
		}
		out = append(out, sc)
	}
	return out, nil
}

// constraintSelector parses the selector and adds "key in (pod's value)" for matchLabelKeys.
func constraintSelector(pod *api.Pod, c *api.TopologySpreadConstraint) (labels.Selector, error) {
	sel, err := api.LabelSelectorAsSelector(c.LabelSelector)
	if err != nil || len(c.MatchLabelKeys) == 0 || c.LabelSelector == nil {
		return sel, err
	}
	reqs := sel.Requirements()
	for _, k := range c.MatchLabelKeys {
		if v, ok := pod.Labels[k]; ok {
			r, err := labels.NewRequirement(k, labels.In, []string{v})
			if err != nil {
				return nil, err
			}
			reqs = append(reqs, r)
		}
	}
	return labels.NewSelector(reqs...), nil
}

// nodeCounts reports whether a node's domain counts for c under its inclusion policies.
func (c *spreadConstraint) nodeCounts(pod *api.Pod, node *api.Node) bool {
	if c.honorAffinity && !RequiredNodeAffinityMatches(pod, node) {
		return false
	}
	if c.honorTaints {
		for i := range node.Spec.Taints {
			t := &node.Spec.Taints[i]
			if (t.Effect == api.TaintEffectNoSchedule || t.Effect == api.TaintEffectNoExecute) && !tolerated(pod.Spec.Tolerations, t) {
				return false
			}
		}
	}
	return true
}

// matches reports whether existing counts for c: same namespace, selected, not terminating.
func (c *spreadConstraint) matches(pod, existing *api.Pod) bool {
	return existing.Namespace == pod.Namespace && existing.DeletionTimestamp == nil &&
		c.selector.Matches(labels.Set(existing.Labels))
}

// countOn counts the pods on a node matching c.
func (c *spreadConstraint) countOn(pod *api.Pod, n *framework.NodeInfo) int64 {
	var cnt int64
	for _, pi := range n.Pods {
		if c.matches(pod, pi.Pod) {
			cnt++
		}
	}
	return cnt
}

// hasAllKeys reports whether the node carries every constraint's topology key.
func hasAllKeys(n *framework.NodeInfo, cs []spreadConstraint) bool {
	for i := range cs {
		if _, ok := n.Label(cs[i].key); !ok {
			return false
		}
	}
	return true
}

// labelOf is the node's value of key ("" when it has none).
func labelOf(n *framework.NodeInfo, key string) string {
	v, _ := n.Label(key)
	return v
}

// countAll counts every node's matching pods into s, for pods whose
// constraints' node eligibility depends on the pod.
func (pl *PodTopologySpread) countAll(s *spreadFilterState, pod *api.Pod) {
	cs := s.constraints
	for i := range cs {
		s.counts[i] = map[string]int64{}
	}
	nodes := listNodes(pl.handle)
	pl.memo.mu.Lock()
	defer pl.memo.mu.Unlock()
	memos := make([]map[string]genCount, len(cs))
	for i := range cs {
		memos[i] = pl.memo.forKey(matchKey(pod.Namespace, &cs[i]), len(nodes))
	}
	for _, n := range nodes {
		if n.Node() == nil || !hasAllKeys(n, cs) {
			continue
		}
		for i := range cs {
			if cs[i].nodeCounts(pod, n.Node()) {
				s.counts[i][labelOf(n, cs[i].key)] += count(memos[i], &cs[i], pod, n)
			}
		}
	}
}

// PreFilter skips pods without hard constraints; otherwise it counts.
func (pl *PodTopologySpread) PreFilter(_ context.Context, state *framework.CycleState, pod *api.Pod) *framework.Status {
	cs, _, err := pl.constraints(pod, api.DoNotSchedule)
	if err != nil {
		return framework.AsStatus(fmt.Errorf("%s prefilter: %w", PodTopologySpreadName, err))
	}
	if len(cs) == 0 {
		return framework.NewStatus(framework.Skip)
	}
	s := &spreadFilterState{constraints: cs, counts: make([]map[string]int64, len(cs)), mins: make([]int64, len(cs)),
		self: make([]int64, len(cs))}
	for i := range cs {
		if cs[i].selector.Matches(labels.Set(pod.Labels)) {
			s.self[i] = 1
		}
	}
	if lister, ok := changeLister(pl.handle); ok && podIndependent(pod, cs) {
		for i := range cs {
			s.counts[i] = pl.domainCounts(lister, pod, cs, i)
		}
	} else {
		pl.countAll(s, pod)
	}
	for i := range cs {
		s.refreshMin(i)
	}
	state.Write(spreadFilterKey, s)
	return nil
}
