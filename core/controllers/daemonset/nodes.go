package daemonset

import (
	"cmp"
	"maps"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

// nodeNameField is the node field a DaemonSet pod's affinity pins it by.
const nodeNameField = "metadata.name"

// nodeState is one node as a DaemonSet sees it.
type nodeState struct {
	node   *api.Node
	should bool       // a daemon pod may and must run here
	pods   []*api.Pod // live daemon pods targeting the node, oldest first
}

// view is a DaemonSet's nodes and pods in one reconcile.
type view struct {
	hash  string      // the current template's revision hash
	nodes []nodeState // every node, in name order
	// stray are pods to delete whatever else happens: finished pods and
	// pods targeting nodes that no longer exist.
	stray []*api.Pod
}

// view groups ds's pods by the node they target and decides for each node
// whether the DaemonSet belongs there.
func (c *Controller) view(ds *api.DaemonSet) view {
	v := view{hash: TemplateHash(&ds.Spec.Template)}
	byNode := map[string][]*api.Pod{}
	for _, o := range c.podCache.ByOwner(ds.UID) {
		p := o.(*api.Pod)
		if ref := cache.ControllerOf(p); ref == nil || ref.UID != ds.UID || p.DeletionTimestamp != nil {
			continue
		}
		if p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded {
			v.stray = append(v.stray, p)
			continue
		}
		byNode[targetNode(p)] = append(byNode[targetNode(p)], p)
	}
	template := daemonPod(ds)
	for _, o := range c.nodeCache.List("", nil) {
		n := o.(*api.Node)
		pods := byNode[n.Name]
		delete(byNode, n.Name)
		slices.SortFunc(pods, olderFirst)
		v.nodes = append(v.nodes, nodeState{node: n, should: ShouldRun(template, n), pods: pods})
	}
	for _, name := range slices.Sorted(maps.Keys(byNode)) {
		v.stray = append(v.stray, byNode[name]...)
	}
	return v
}

// olderFirst orders pods by creation time, then name.
func olderFirst(a, b *api.Pod) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// targetNode is the node a daemon pod is bound to, or, before binding,
// the node its affinity pins it to ("" when neither).
func targetNode(p *api.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range t.MatchFields {
			if f.Key == nodeNameField && f.Operator == api.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// ShouldRun reports whether a daemon pod (with the DaemonSet tolerations
// already added) belongs on node: it matches the pod's node selector and
// required node affinity, and the pod tolerates every NoSchedule and
// NoExecute taint.
func ShouldRun(pod *api.Pod, node *api.Node) bool {
	if !plugins.RequiredNodeAffinityMatches(pod, node) {
		return false
	}
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect == api.TaintEffectPreferNoSchedule {
			continue
		}
		if !slices.ContainsFunc(pod.Spec.Tolerations, func(tol api.Toleration) bool { return tolerates(&tol, t) }) {
			return false
		}
	}
	return true
}

// tolerates reports whether one toleration covers taint t.
func tolerates(tol *api.Toleration, t *api.Taint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key == "" {
		return tol.Operator == api.TolerationOpExists
	}
	if tol.Key != t.Key {
		return false
	}
	return tol.Operator == api.TolerationOpExists || tol.Value == t.Value
}
