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
	// Copy on write (Clip makes append reallocate), so lists handed out by
	// NominatedPodsForNode never change under their readers.
	n.byNode[node] = append(slices.Clip(n.byNode[node]), NewPodInfo(pod))
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

// NominatedPodsForNode returns the pods nominated for node, in nomination
// order; the list is shared and must not be modified.
func (n *Nominator) NominatedPodsForNode(node string) []*PodInfo {
	if n.total.Load() == 0 {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byNode[node]
}

// podPriority is a pod's priority, 0 when unset.
func podPriority(p *api.Pod) int32 {
	if p.Spec.Priority == nil {
		return 0
	}
	return *p.Spec.Priority
}

// RunFilterPluginsWithNominatedPods filters as Kubernetes does when pods are
// nominated to the node: with the nominated pods of equal or higher
// priority added (so their room stays reserved), and without them (so
// inter-pod constraints they would satisfy are not relied on); the node
// passes when both pass. It runs the cheap pass without them first, so a
// node that fails anyway costs no copy; when both would fail, the reason
// reported is that of the pass without them, where Kubernetes reports the
// other's.
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status {
	if st := f.RunFilterPlugins(ctx, state, pod, node); !st.IsSuccess() || f.nominator == nil {
		return st
	}
	var added []*PodInfo
	for _, pi := range f.nominator.NominatedPodsForNode(node.Name()) {
		if PodKey(pi.Pod) != PodKey(pod) && podPriority(pi.Pod) >= podPriority(pod) {
			added = append(added, pi)
		}
	}
	if len(added) == 0 {
		return nil
	}
	stateCopy, nodeCopy := state, node.Clone()
	if f.hasActiveExtensions(state) {
		stateCopy = state.Clone()
	}
	for _, pi := range added {
		nodeCopy.AddPodInfo(pi)
		if st := f.RunPreFilterExtensionAddPod(ctx, stateCopy, pod, pi, nodeCopy); !st.IsSuccess() {
			return st
		}
	}
	return f.RunFilterPlugins(ctx, stateCopy, pod, nodeCopy)
}

// hasActiveExtensions reports whether any PreFilter plugin that is not
// skipped keeps state that other pods change; without one, a what-if
// evaluation can share the cycle's state instead of copying it.
func (f *Framework) hasActiveExtensions(state *CycleState) bool {
	return len(f.extensionsOf(state)) > 0
}

// RunPreFilterExtensionAddPod tells every active PreFilter plugin with
// extensions that pi is (hypothetically) on node.
func (f *Framework) RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	for _, ext := range f.extensionsOf(state) {
		if st := ext.AddPod(ctx, state, pod, pi, node); !st.IsSuccess() {
			return st.WithPlugin(ext.name)
		}
	}
	return nil
}

// RunPreFilterExtensionRemovePod tells every active PreFilter plugin with
// extensions that pi is (hypothetically) gone from node.
func (f *Framework) RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status {
	for _, ext := range f.extensionsOf(state) {
		if st := ext.RemovePod(ctx, state, pod, pi, node); !st.IsSuccess() {
			return st.WithPlugin(ext.name)
		}
	}
	return nil
}
