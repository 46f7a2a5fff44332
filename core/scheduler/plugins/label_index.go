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
	postings map[string]map[*framework.PodInfo]string // "ns\x00key=value" -> pod -> node
}

func postingKey(namespace, key, value string) string {
	return namespace + "\x00" + key + "=" + value
}

// refresh applies the node changes since the index was last used, or
// rebuilds it from every node when the log cannot tell. Callers hold ix.mu.
func (ix *podLabelIndex) refresh(lister framework.NodeChangeLister, nodes func() []*framework.NodeInfo) {
	changes, ok := lister.ChangesSince(ix.gen)
	if !ix.built || !ok {
		ix.postings = map[string]map[*framework.PodInfo]string{}
		for _, n := range nodes() {
			ix.apply(n, true)
		}
	} else {
		for _, ch := range changes {
			ix.apply(ch.Old, false)
			ix.apply(ch.New, true)
		}
	}
	ix.gen, ix.built = lister.Generation(), true
}

// apply adds (or removes) the postings of every pod on a node.
func (ix *podLabelIndex) apply(n *framework.NodeInfo, add bool) {
	if n == nil {
		return
	}
	for _, pi := range n.Pods {
		for k, v := range pi.Pod.Labels {
			key := postingKey(pi.Pod.Namespace, k, v)
			posting := ix.postings[key]
			switch {
			case add && posting == nil:
				ix.postings[key] = map[*framework.PodInfo]string{pi: n.Name()}
			case add:
				posting[pi] = n.Name()
			case posting != nil:
				delete(posting, pi)
				if len(posting) == 0 {
					delete(ix.postings, key)
				}
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
	var keys []string
	for _, r := range sel.Requirements() {
		if (r.Operator == labels.Equals || r.Operator == labels.In) && len(r.Values) == 1 {
			keys = append(keys, postingKey(namespace, r.Key, r.Values[0]))
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
