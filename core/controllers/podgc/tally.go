package podgc

import (
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
)

// fullScanEvery is how many passes may skip looking for pods bound to
// nodes that never existed; a node's deletion always starts a full scan.
const fullScanEvery = 15

// tally keeps, from the caches' changes, what tells a pass whether it
// has anything to collect, so a quiet cluster's passes touch no pod: the
// finished pods (against the threshold) and the terminating pods without
// a node. Orphans appear when a node goes, which the node handler notes.
type tally struct {
	mu        sync.Mutex
	finished  int  // terminated, not being deleted
	stranded  int  // being deleted, never scheduled
	nodeGone  bool // a node was deleted since the last full pass
	sinceFull int  // passes since the last full scan
}

func finishedPod(p *api.Pod) bool { return terminated(p) && p.DeletionTimestamp == nil }

func strandedPod(p *api.Pod) bool { return p.DeletionTimestamp != nil && p.Spec.NodeName == "" }

// onPod is the pod cache's handler.
func (t *tally) onPod(old, cur api.Object) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old != nil {
		t.count(old.(*api.Pod), -1)
	}
	if cur != nil {
		t.count(cur.(*api.Pod), 1)
	}
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
		t.nodeGone = true
		t.mu.Unlock()
	}
}

// due reports whether this pass should look at the pods, and starts the
// count towards the next full scan when it does a full one.
func (t *tally) due(threshold int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sinceFull++
	if t.nodeGone || t.sinceFull >= fullScanEvery {
		t.nodeGone, t.sinceFull = false, 0
		return true
	}
	return t.stranded > 0 || (threshold > 0 && t.finished > threshold)
}
