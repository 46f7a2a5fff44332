package podgc

import (
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
)

// tally keeps, from the caches' changes, what tells a pass whether it
// has anything to collect, so a quiet cluster's passes touch no pod: the
// finished pods (against the threshold), the terminating pods without a
// node, and whether a pod may be an orphan: its node was deleted, or the
// pod was bound to a node the cache did not know.
type tally struct {
	mu        sync.Mutex
	nodeKnown func(name string) bool
	finished  int  // terminated, not being deleted
	stranded  int  // being deleted, never scheduled
	orphans   bool // a pod may be bound to a missing node since the last full pass
	firstPass bool // no full pass yet: pods listed before the handlers ran
}

func finishedPod(p *api.Pod) bool { return terminated(p) && p.DeletionTimestamp == nil }

func strandedPod(p *api.Pod) bool { return p.DeletionTimestamp != nil && p.Spec.NodeName == "" }

// onPod is the pod cache's handler.
func (t *tally) onPod(old, cur api.Object) {
	// Asked before taking the lock: the node cache has locks of its own.
	lost := cur != nil && cur.(*api.Pod).Spec.NodeName != "" && !t.nodeKnown(cur.(*api.Pod).Spec.NodeName)
	t.mu.Lock()
	defer t.mu.Unlock()
	if old != nil {
		t.count(old.(*api.Pod), -1)
	}
	if cur != nil {
		t.count(cur.(*api.Pod), 1)
	}
	t.orphans = t.orphans || lost
}

func (t *tally) count(p *api.Pod, d int) {
	if finishedPod(p) {
		t.finished += d
	}
	if strandedPod(p) {
		t.stranded += d
	}
}

// onNode is the node cache's handler: a deleted node may leave orphans.
func (t *tally) onNode(_, cur api.Object) {
	if cur == nil {
		t.mu.Lock()
		t.orphans = true
		t.mu.Unlock()
	}
}

// due reports whether this pass should look at the pods; a pass for
// possible orphans clears that flag, as it looks at every bound pod.
func (t *tally) due(threshold int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.orphans || t.firstPass {
		t.orphans, t.firstPass = false, false
		return true
	}
	return t.stranded > 0 || (threshold > 0 && t.finished > threshold)
}
