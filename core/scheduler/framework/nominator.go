package framework

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kubetwin/kubetwin/core/api"
)

// Nominator remembers pods that preempted victims and wait for their
// nominated node, so later cycles treat that room as taken by pods of equal
// or higher priority. It is safe for concurrent use.
type Nominator struct {
	mu     sync.Mutex
	byNode map[string][]*PodInfo
	nodeOf map[string]string
	// total mirrors len(nodeOf) so the common no-nomination case skips the lock.
	total atomic.Int64
}

// NewNominator returns an empty nominator.
func NewNominator() *Nominator {
	return &Nominator{byNode: map[string][]*PodInfo{}, nodeOf: map[string]string{}}
}

// Add nominates pod for node, replacing any earlier nomination.
func (n *Nominator) Add(pod *api.Pod, node string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod)
	key := PodKey(pod)
	n.nodeOf[key] = node
	n.byNode[node] = append(n.byNode[node], NewPodInfo(pod))
	n.total.Store(int64(len(n.nodeOf)))
}

// Delete forgets pod's nomination (it was bound, deleted or renominated).
func (n *Nominator) Delete(pod *api.Pod) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod)
}

func (n *Nominator) deleteLocked(pod *api.Pod) {
	key := PodKey(pod)
	node, ok := n.nodeOf[key]
	if !ok {
		return
	}
	delete(n.nodeOf, key)
	n.total.Store(int64(len(n.nodeOf)))
	list := slices.DeleteFunc(slices.Clone(n.byNode[node]), func(pi *PodInfo) bool { return PodKey(pi.Pod) == key })
	if len(list) == 0 {
		delete(n.byNode, node)
		return
	}
	n.byNode[node] = list
}

// NominatedNode returns the node pod is nominated for, "" when none.
func (n *Nominator) NominatedNode(pod *api.Pod) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.nodeOf[PodKey(pod)]
}

// NominatedPodsForNode returns the pods nominated for node, in nomination order.
func (n *Nominator) NominatedPodsForNode(node string) []*PodInfo {
	if n.total.Load() == 0 {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.byNode[node])
}

// podPriority is a pod's priority, 0 when unset.
func podPriority(p *api.Pod) int32 {
	if p.Spec.Priority == nil {
		return 0
	}
	return *p.Spec.Priority
}

// RunFilterPluginsWithNominatedPods filters as Kubernetes does when pods are
// nominated to the node: first with the nominated pods of equal or higher
// priority added (so their room stays reserved), then, if that passes,
// without them (so inter-pod constraints they would satisfy are not relied on).
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status {
	if f.nominator == nil {
		return f.RunFilterPlugins(ctx, state, pod, node)
	}
	var added []*PodInfo
	for _, pi := range f.nominator.NominatedPodsForNode(node.Name()) {
		if PodKey(pi.Pod) != PodKey(pod) && podPriority(pi.Pod) >= podPriority(pod) {
			added = append(added, pi)
		}
	}
	if len(added) == 0 {
		return f.RunFilterPlugins(ctx, state, pod, node)
	}
	stateCopy, nodeCopy := state.Clone(), node.Clone()
	for _, pi := range added {
		nodeCopy.AddPodInfo(pi)
		if st := f.RunPreFilterExtensionAddPod(ctx, stateCopy, pod, pi, nodeCopy); !st.IsSuccess() {
			return st
		}
	}
	if st := f.RunFilterPlugins(ctx, stateCopy, pod, nodeCopy); !st.IsSuccess() {
		return st
	}
	return f.RunFilterPlugins(ctx, state, pod, node)
}

// RunPreFilterExtensionAddPod tells every active PreFilter plugin with
// extensions that pi is (hypothetically) on node.
func (f *Framework) RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	for _, pl := range f.preFilter {
		ext, ok := pl.(PreFilterExtensions)
		if !ok || state.skipFilter.has(pl.Name()) {
			continue
		}
		if st := ext.AddPod(ctx, state, pod, pi, node); !st.IsSuccess() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod tells every active PreFilter plugin with
// extensions that pi is (hypothetically) gone from node.
func (f *Framework) RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	for _, pl := range f.preFilter {
		ext, ok := pl.(PreFilterExtensions)
		if !ok || state.skipFilter.has(pl.Name()) {
			continue
		}
		if st := ext.RemovePod(ctx, state, pod, pi, node); !st.IsSuccess() {
			return st.WithPlugin(pl.Name())
		}
	}
	return nil
}
