package podgc

import (
	"cmp"
	"slices"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
)

// tally keeps, from the caches' changes, the pods a pass may collect, so
// that a pass touches only them instead of every pod in the cluster: the
// finished pods, oldest first (the threshold keeps the newest), the
// terminating pods without a node, and whether a pod may be an orphan
// (its node was deleted, or it was bound to a node the cache did not
// know), which only a scan of the bound pods can settle.
type tally struct {
	mu        sync.Mutex
	nodeKnown func(name string) bool
	finished  []*api.Pod          // terminated, not being deleted; by age
	stranded  map[string]*api.Pod // being deleted, never scheduled; by key
	orphans   bool                // a pod may be bound to a missing node since the last scan
	firstScan bool                // no scan yet: pods listed before the handlers ran
}

func newTally(nodeKnown func(string) bool) *tally {
	return &tally{nodeKnown: nodeKnown, stranded: map[string]*api.Pod{}, firstScan: true}
}

func finishedPod(p *api.Pod) bool { return terminated(p) && p.DeletionTimestamp == nil }

func strandedPod(p *api.Pod) bool { return p.DeletionTimestamp != nil && p.Spec.NodeName == "" }

// byAge orders pods by creation time, then namespace/name: the order in
// which the oldest finished pods go.
func byAge(a, b *api.Pod) int {
	if d := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); d != 0 {
		return d
	}
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// onPod is the pod cache's handler.
func (t *tally) onPod(old, cur api.Object) {
	// Asked before taking the lock: the node cache has locks of its own.
	lost := cur != nil && cur.(*api.Pod).Spec.NodeName != "" && !t.nodeKnown(cur.(*api.Pod).Spec.NodeName)
	t.mu.Lock()
	defer t.mu.Unlock()
	if old != nil {
		t.forget(old.(*api.Pod))
	}
	if cur != nil {
		t.note(cur.(*api.Pod))
	}
	t.orphans = t.orphans || lost
}

func (t *tally) note(p *api.Pod) {
	if finishedPod(p) {
		i, found := slices.BinarySearchFunc(t.finished, p, byAge)
		if found {
			t.finished[i] = p
		} else {
			t.finished = slices.Insert(t.finished, i, p)
		}
	}
	if strandedPod(p) {
		t.stranded[p.Key()] = p
	}
}

func (t *tally) forget(p *api.Pod) {
	if finishedPod(p) {
		i, found := slices.BinarySearchFunc(t.finished, p, byAge)
		switch {
		case found && i == 0:
			// The collector deletes the oldest: drop the head without
			// moving (and write-barriering) every pointer behind it.
			t.finished[0] = nil
			t.finished = t.finished[1:]
		case found:
			t.finished = slices.Delete(t.finished, i, i+1)
		}
	}
	if strandedPod(p) {
		delete(t.stranded, p.Key())
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

// work is what one pass has to do: the oldest finished pods beyond
// threshold (0 or less keeps them all), the stranded pods by key, and
// whether to scan the bound pods for orphans (which clears that flag).
func (t *tally) work(threshold int) (excess, stranded []*api.Pod, scan bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if threshold > 0 && len(t.finished) > threshold {
		excess = slices.Clone(t.finished[:len(t.finished)-threshold])
	}
	for _, p := range t.stranded {
		stranded = append(stranded, p)
	}
	slices.SortFunc(stranded, func(a, b *api.Pod) int { return cmp.Compare(a.Key(), b.Key()) })
	scan = t.orphans || t.firstScan
	t.orphans, t.firstScan = false, false
	return excess, stranded, scan
}
