package plugins

import (
	"maps"
	"strings"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// maxDomainIndexes bounds how many (namespace, selector, key) indexes the
// plugin keeps; the least recently used goes first. A cluster with more
// workloads spreading at once recomputes some indexes from all nodes.
const maxDomainIndexes = 64

// domainIndexes keeps, per (namespace, selector, topology key, keys a node
// must carry), the matching pods in each topology domain, updated from the
// snapshot's node changes. It serves pods whose constraints' node
// eligibility does not depend on the pod itself (no node affinity honoured
// by the constraint, no taints honoured), which is the common case: their
// PreFilter then costs the nodes that changed since the last cycle, not
// every node in the cluster.
type domainIndexes struct {
	mu   sync.Mutex
	byID map[string]*domainIndex
	tick uint64
}

// domainIndex is one aggregate, valid for the lister generation gen.
type domainIndex struct {
	gen   int64
	built bool
	used  uint64
	// counts holds the matching pods per domain; nodes the eligible nodes
	// per domain, so a domain is dropped with its last node.
	counts map[string]int64
	nodes  map[string]int
}

// indexID names what an index depends on.
func indexID(namespace string, c *spreadConstraint, all []spreadConstraint) string {
	var b strings.Builder
	b.WriteString(namespace)
	b.WriteByte(0)
	b.WriteString(c.selector.String())
	b.WriteByte(0)
	b.WriteString(c.key)
	for i := range all {
		b.WriteByte(0)
		b.WriteString(all[i].key)
	}
	return b.String()
}

// podIndependent reports whether every constraint counts the same nodes
// whatever the incoming pod, so its domain counts can be shared across cycles.
func podIndependent(pod *api.Pod, cs []spreadConstraint) bool {
	podAffinity := len(pod.Spec.NodeSelector) > 0 || requiredTerms(pod) != nil
	for i := range cs {
		if cs[i].honorTaints || (cs[i].honorAffinity && podAffinity) {
			return false
		}
	}
	return true
}

// counts returns a copy of constraint i's domain counts, brought up to
// date with the lister.
func (d *domainIndexes) counts(lister framework.NodeChangeLister, nodes []*framework.NodeInfo,
	pod *api.Pod, cs []spreadConstraint, i int) map[string]int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	ix := d.get(indexID(pod.Namespace, &cs[i], cs))
	changes, ok := lister.ChangesSince(ix.gen)
	if !ix.built || !ok {
		ix.rebuild(nodes, pod, cs, i)
	} else {
		for _, ch := range changes {
			ix.apply(ch.Old, pod, cs, i, -1)
			ix.apply(ch.New, pod, cs, i, 1)
		}
	}
	ix.gen, ix.built = lister.Generation(), true
	return maps.Clone(ix.counts)
}

// get returns the index for id, creating it and evicting the least
// recently used one when full.
func (d *domainIndexes) get(id string) *domainIndex {
	if d.byID == nil {
		d.byID = map[string]*domainIndex{}
	}
	d.tick++
	if ix, ok := d.byID[id]; ok {
		ix.used = d.tick
		return ix
	}
	if len(d.byID) >= maxDomainIndexes {
		var oldest string
		for k, ix := range d.byID {
			if oldest == "" || ix.used < d.byID[oldest].used || (ix.used == d.byID[oldest].used && k < oldest) {
				oldest = k
			}
		}
		delete(d.byID, oldest)
	}
	ix := &domainIndex{used: d.tick}
	d.byID[id] = ix
	return ix
}

// rebuild recounts from every node.
func (ix *domainIndex) rebuild(nodes []*framework.NodeInfo, pod *api.Pod, cs []spreadConstraint, i int) {
	ix.counts, ix.nodes = map[string]int64{}, map[string]int{}
	for _, n := range nodes {
		ix.apply(n, pod, cs, i, 1)
	}
}

// apply adds (sign 1) or removes (sign -1) one node info's contribution.
func (ix *domainIndex) apply(n *framework.NodeInfo, pod *api.Pod, cs []spreadConstraint, i int, sign int64) {
	if n == nil || n.Node() == nil || !hasAllKeys(n.Node(), cs) {
		return
	}
	c := &cs[i]
	domain := n.Node().Labels[c.key]
	ix.nodes[domain] += int(sign)
	ix.counts[domain] += sign * c.countOn(pod, n)
	if ix.nodes[domain] == 0 {
		delete(ix.nodes, domain)
		delete(ix.counts, domain)
	}
}
