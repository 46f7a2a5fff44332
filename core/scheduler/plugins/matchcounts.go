package plugins

import (
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// matchCounts remembers, per (namespace, selector), how many pods on each
// node match, stamped with the node info's generation: the cache bumps the
// generation on every change, so from one cycle to the next only the
// nodes that changed (usually the one just bound) are recounted instead of
// every pod in the cluster.
type matchCounts struct {
	mu    sync.Mutex
	bySel map[string]map[string]genCount
}

type genCount struct{ gen, count int64 }

// matchKey names what a count depends on: the namespace and the selector.
func matchKey(namespace string, c *spreadConstraint) string {
	return namespace + "\x00" + c.selector.String()
}

// forKey returns the per-node memo of one key, to use under m.mu.
func (m *matchCounts) forKey(key string, nodes int) map[string]genCount {
	if m.bySel == nil {
		m.bySel = map[string]map[string]genCount{}
	}
	memo := m.bySel[key]
	if memo == nil || len(memo) > 2*nodes+16 { // drop entries of nodes long gone
		memo = make(map[string]genCount, nodes)
		m.bySel[key] = memo
	}
	return memo
}

// count is c.countOn(pod, n) through memo. Node infos without a
// generation (built by hand, not by the cache) are always counted.
func count(memo map[string]genCount, c *spreadConstraint, pod *api.Pod, n *framework.NodeInfo) int64 {
	if n.Generation == 0 {
		return c.countOn(pod, n)
	}
	name := n.Name()
	if e, ok := memo[name]; ok && e.gen == n.Generation {
		return e.count
	}
	cnt := c.countOn(pod, n)
	memo[name] = genCount{gen: n.Generation, count: cnt}
	return cnt
}
