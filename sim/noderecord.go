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

// nodeRecords lists the scenario's nodes in pool order with the requests of
// the pods they hold (as the invariant checks count them) and their
// Ready condition as the controllers' cache has it.
func (r *run) nodeRecords() []NodeRecord {
	nodes := r.mode.Caches.For(nodeKind)
	out := make([]NodeRecord, 0, len(r.player.refs))
	for _, n := range r.player.refs {
		rec := NodeRecord{Name: n.Name, Pool: n.Pool, Zone: n.Zone, Ready: api.ConditionUnknown}
		if o, ok := nodes.Get("", n.Name); ok {
			rec.Ready = nodeReady(o.(*api.Node))
		}
		if u := r.inv.usage[n.Name]; u != nil {
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
