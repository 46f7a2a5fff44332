package scenarios

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// faultKeys are the fields every fault has, timed or random.
var faultKeys = []string{"type", "nodes", "pool", "count", "zone", "factor"}

// faultKinds lists the faults for messages.
var faultKinds = []string{string(FaultNodeCrash), string(FaultZoneOutage), string(FaultPartition), string(FaultSlowNode)}

// randomFaults decodes the faults section: faults injected again and again.
func (d *decoder) randomFaults(n *yaml.Node, path string) []RandomFault {
	var out []RandomFault
	for i, item := range d.sequence(n, path) {
		f := d.mapping(item, index(path, i), append(faultKeys, "mtbf", "recoverAfter", "start", "end")...)
		f.require("mtbf")
		rf := RandomFault{
			Fault:        d.fault(f),
			MTBF:         f.positiveDuration("mtbf", time.Hour),
			RecoverAfter: d.distField(f, "recoverAfter", Dist{}),
			Start:        f.duration("start", 0),
			End:          f.duration("end", 0),
		}
		d.within(f.get("start"), f.at("start"), rf.Start)
		if rf.End != 0 && rf.End <= rf.Start {
			d.add(f.get("end"), f.at("end"), "must be after start (%v), have %v", rf.Start, rf.End)
		}
		out = append(out, rf)
	}
	return out
}

// fault decodes what a fault is and what it hits; the caller adds timing.
func (d *decoder) fault(f fields) Fault {
	f.require("type")
	ft := Fault{Kind: FaultKind(f.str("type", ""))}
	switch ft.Kind {
	case FaultZoneOutage:
		d.zoneTarget(f, &ft)
	case FaultNodeCrash, FaultPartition, FaultSlowNode:
		d.nodeTargets(f, &ft)
	default:
		if f.has("type") {
			d.add(f.get("type"), f.at("type"), "unknown fault %q (have: %s)", ft.Kind, joinNames(faultKinds))
		}
	}
	switch {
	case ft.Kind == FaultSlowNode && f.require("factor"):
		if ft.Factor = f.float("factor", 1); ft.Factor <= 1 {
			d.add(f.get("factor"), f.at("factor"), "must be more than 1 (how many times slower), have %g", ft.Factor)
		}
	case ft.Kind != FaultSlowNode && f.has("factor"):
		d.add(f.get("factor"), f.at("factor"), "only a slowNode fault has a factor")
	}
	return ft
}

// zoneTarget decodes a zone outage's zone.
func (d *decoder) zoneTarget(f fields, ft *Fault) {
	for _, k := range []string{"nodes", "pool", "count"} {
		if f.has(k) {
			d.add(f.get(k), f.at(k), "a zoneOutage hits every node of its zone; it takes no %s", k)
		}
	}
	if !f.require("zone") {
		return
	}
	ft.Zone = f.str("zone", "")
	var zones []string
	for _, p := range d.sc.Cluster.Pools {
		for _, z := range p.Zones {
			if !slices.Contains(zones, z) {
				zones = append(zones, z)
			}
		}
	}
	if !slices.Contains(zones, ft.Zone) {
		d.add(f.get("zone"), f.at("zone"), "unknown zone %q (have: %s)", ft.Zone, joinNames(zones))
	}
}

// nodeTargets decodes the nodes a node fault hits: named nodes, or a
// number of nodes of a pool (or of the whole cluster).
func (d *decoder) nodeTargets(f fields, ft *Fault) {
	if f.has("zone") {
		d.add(f.get("zone"), f.at("zone"), "only a zoneOutage names a zone")
	}
	if f.has("nodes") {
		if f.has("pool") || f.has("count") {
			d.add(f.get("nodes"), f.at("nodes"), "nodes excludes pool and count")
		}
		ft.Nodes = d.stringList(f.get("nodes"), f.at("nodes"))
		if len(ft.Nodes) == 0 {
			d.add(f.get("nodes"), f.at("nodes"), "must name at least one node")
		}
		for i, name := range ft.Nodes {
			if msg := d.nodeProblem(name); msg != "" {
				d.add(deref(f.get("nodes")).Content[i], index(f.at("nodes"), i), "%s", msg)
			}
		}
		return
	}
	ft.Pool, ft.Count = f.str("pool", ""), int(f.int("count", 1, 1, math.MaxInt32))
	available, where := nodeCount(d.sc.Cluster.Pools), "the cluster"
	if f.has("pool") {
		p := d.findPool(ft.Pool)
		if p == nil {
			d.add(f.get("pool"), f.at("pool"), "unknown pool %q (have: %s)", ft.Pool, joinNames(d.poolNames()))
			return
		}
		available, where = p.Count, "pool "+strconv.Quote(ft.Pool)
	}
	if ft.Count > available {
		d.add(f.line(), f.at("count"), "needs %d nodes, %s has %d", ft.Count, where, available)
	}
}

// nodeProblem says what is wrong with a node name, "" if it names a node.
func (d *decoder) nodeProblem(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return "bad node name " + strconv.Quote(name) + ": want POOL-INDEX, such as general-3"
	}
	p := d.findPool(name[:i])
	if p == nil {
		return "node " + strconv.Quote(name) + " is in no pool (have: " + joinNames(d.poolNames()) + ")"
	}
	idx, err := strconv.Atoi(name[i+1:])
	bad := err != nil || idx < 0 || idx >= p.Count || strconv.Itoa(idx) != name[i+1:]
	if bad && p.Count == 0 {
		return "no node " + strconv.Quote(name) + ": pool " + strconv.Quote(p.Name) + " has no nodes"
	}
	if bad {
		return "no node " + strconv.Quote(name) + ": pool " + strconv.Quote(p.Name) +
			" has nodes " + p.Name + "-0 to " + p.Name + "-" + strconv.Itoa(p.Count-1)
	}
	return ""
}

// findPool is the pool called name, nil if none.
func (d *decoder) findPool(name string) *Pool {
	for i := range d.sc.Cluster.Pools {
		if d.sc.Cluster.Pools[i].Name == name {
			return &d.sc.Cluster.Pools[i]
		}
	}
	return nil
}

// poolNames lists the pools for messages.
func (d *decoder) poolNames() []string {
	var names []string
	for _, p := range d.sc.Cluster.Pools {
		names = append(names, p.Name)
	}
	return names
}
