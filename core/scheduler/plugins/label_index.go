package plugins

import (
	"sync"

	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// podLabelIndex lists, for each namespace and label pair, the pods on
// nodes that carry it, kept up to date from the snapshot's change log. To
// count the pods a selector matches it walks only the pods carrying the
// selector's rarest required label (for a ReplicaSet's selector, its
// pod-template-hash: its own pods) instead of every pod on every node, so
// spreading a workload costs what the workload holds, not the cluster.
type podLabelIndex struct {
	mu       sync.Mutex
	gen      int64
	built    bool
	postings map[postingKey]map[*framework.PodInfo]string // pod -> node
}

// postingKey is one namespace and label pair; a struct rather than a
// joined string, so looking one up allocates nothing.
type postingKey struct{ namespace, key, value string }

// refresh applies the node changes since the index was last used, or
// rebuilds it from every node when the log cannot tell. Callers hold ix.mu.
func (ix *podLabelIndex) refresh(lister framework.NodeChangeLister, nodes func() []*framework.NodeInfo) {
	changes, ok := lister.ChangesSince(ix.gen)
	if !ix.built || !ok {
		ix.postings = map[postingKey]map[*framework.PodInfo]string{}
		for _, n := range nodes() {
			for _, pi := range n.Pods {
				ix.add(pi, n.Name())
			}
		}
	} else {
		for _, ch := range changes {
			ix.applyChange(ch.Old, ch.New)
		}
	}
	ix.gen, ix.built = lister.Generation(), true
}

// applyChange moves the postings from one version of a node to the next.
// A node version shares the PodInfo of every pod that did not change, so
// only the pods that came or went (usually one) touch the postings.
func (ix *podLabelIndex) applyChange(old, cur *framework.NodeInfo) {
	var kept map[*framework.PodInfo]bool
	if old != nil && cur != nil {
		kept = make(map[*framework.PodInfo]bool, len(cur.Pods))
		for _, pi := range cur.Pods {
			kept[pi] = true
		}
	}
	if old != nil {
		for _, pi := range old.Pods {
			if !kept[pi] {
				ix.remove(pi)
			}
		}
	}
	if cur == nil {
		return
	}
	var had map[*framework.PodInfo]bool
	if old != nil {
		had = make(map[*framework.PodInfo]bool, len(old.Pods))
		for _, pi := range old.Pods {
			had[pi] = true
		}
	}
	for _, pi := range cur.Pods {
		if !had[pi] {
			ix.add(pi, cur.Name())
		}
	}
}

func (ix *podLabelIndex) add(pi *framework.PodInfo, node string) {
	for k, v := range pi.Pod.Labels {
		key := postingKey{pi.Pod.Namespace, k, v}
		posting := ix.postings[key]
		if posting == nil {
			posting = map[*framework.PodInfo]string{}
			ix.postings[key] = posting
		}
		posting[pi] = node
	}
}

func (ix *podLabelIndex) remove(pi *framework.PodInfo) {
	for k, v := range pi.Pod.Labels {
		key := postingKey{pi.Pod.Namespace, k, v}
		if posting := ix.postings[key]; posting != nil {
			delete(posting, pi)
			if len(posting) == 0 {
				delete(ix.postings, key)
			}
		}
	}
}

// countByNode returns, per node name, the pods of namespace that sel
// matches and that are not being deleted (what spreadConstraint.countOn
// counts); false when sel requires no single label value to look up.
func (ix *podLabelIndex) countByNode(lister framework.NodeChangeLister, nodes func() []*framework.NodeInfo,
	namespace string, sel labels.Selector) (map[string]int64, bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var keys []postingKey
	for _, r := range sel.Requirements() {
		if (r.Operator == labels.Equals || r.Operator == labels.In) && len(r.Values) == 1 {
			keys = append(keys, postingKey{namespace, r.Key, r.Values[0]})
		}
	}
	if len(keys) == 0 {
		return nil, false
	}
	ix.refresh(lister, nodes)
	rarest := ix.postings[keys[0]]
	for _, k := range keys[1:] {
		if p := ix.postings[k]; len(p) < len(rarest) {
			rarest = p
		}
	}
	out := map[string]int64{}
	for pi, node := range rarest { // sums: the order does not matter
		if pi.Pod.DeletionTimestamp == nil && sel.Matches(labels.Set(pi.Pod.Labels)) {
			out[node]++
		}
	}
	return out, true
}
