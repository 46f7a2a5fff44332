package sim

import (
	"github.com/kubetwin/kubetwin/core/api"
)

// NodeRecord is one node at the end of a run: a row of nodes.csv, for
// per-node utilisation. CPU is in cores, memory in bytes.
type NodeRecord struct {
	Name, Pool, Zone  string
	Ready             api.ConditionStatus
	CPUAllocatable    float64
	CPURequested      float64
	MemoryAllocatable float64
	MemoryRequested   float64
	Pods              int64
}

// nodeRecords lists the fleet's nodes in pool order with the requests of
// the pods they hold (as the invariant checks count them) and their
// Ready condition as the controllers' cache has it.
func (r *run) nodeRecords() []NodeRecord {
	nodes := r.w.cp.Caches.For(nodeKind)
	out := make([]NodeRecord, 0, len(r.fleet.nodes))
	for _, n := range r.fleet.nodes {
		rec := NodeRecord{Name: n.name, Pool: n.pool, Zone: n.zone, Ready: api.ConditionUnknown}
		if o, ok := nodes.Get("", n.name); ok {
			rec.Ready = nodeReady(o.(*api.Node))
		}
		if u := r.inv.usage[n.name]; u != nil {
			rec.Pods = u.pods
			rec.CPURequested = float64(u.used[string(api.ResourceCPU)]) / 1000
			rec.MemoryRequested = float64(u.used[string(api.ResourceMemory)]) / 1000
			if q, ok := u.alloc[api.ResourceCPU]; ok {
				rec.CPUAllocatable = float64(q.MilliValue()) / 1000
			}
			if q, ok := u.alloc[api.ResourceMemory]; ok {
				rec.MemoryAllocatable = float64(q.MilliValue()) / 1000
			}
		}
		out = append(out, rec)
	}
	return out
}
