package sim

import (
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/scenarios"
)

// FaultRecord is one fault as it happened, for the summary.
type FaultRecord struct {
	Label      string   `json:"label"`
	Kind       string   `json:"kind"`
	Nodes      []string `json:"nodes"`
	AtSeconds  float64  `json:"at_seconds"`
	EndSeconds float64  `json:"end_seconds,omitempty"` // 0: lasted to the end
}

// fault injects f now on its targets (nodes already held by another fault
// are left alone), schedules their recovery and starts timing the
// cluster's convergence.
func (d *player) fault(f scenarios.Fault, label string) {
	targets := d.targets(f)
	rec := &FaultRecord{Label: label, Kind: string(f.Kind), AtSeconds: d.w.eng.Elapsed().Seconds()}
	for _, n := range targets {
		n.faulted = true
		rec.Nodes = append(rec.Nodes, n.name)
		switch f.Kind {
		case scenarios.FaultNodeCrash, scenarios.FaultZoneOutage:
			d.f.crash(n)
		case scenarios.FaultPartition:
			d.f.partition(n)
		case scenarios.FaultSlowNode:
			d.f.slowDown(n, f.Factor)
		}
	}
	d.faults = append(d.faults, rec)
	d.activeFaults++
	d.conv.startFault(label, targets)
	if f.Duration > 0 {
		d.w.eng.Schedule(f.Duration, func() { d.heal(f, targets, rec) })
	}
}

// heal ends a fault on its nodes.
func (d *player) heal(f scenarios.Fault, targets []*simNode, rec *FaultRecord) {
	for _, n := range targets {
		n.faulted = false
		if f.Kind == scenarios.FaultSlowNode {
			d.f.slowDown(n, 1)
		} else {
			d.f.recover(n)
		}
	}
	rec.EndSeconds = d.w.eng.Elapsed().Seconds()
	d.activeFaults--
	d.conv.schedule() // the nodes being back may be all that was missing
}

// targets picks a fault's nodes: named ones, a zone's, or Count drawn
// from a pool (or from every node) with the faults' random stream.
func (d *player) targets(f scenarios.Fault) []*simNode {
	var out []*simNode
	free := func(n *simNode) bool { return n != nil && !n.faulted }
	switch {
	case len(f.Nodes) > 0:
		for _, name := range f.Nodes {
			if n := d.f.byName[name]; free(n) {
				out = append(out, n)
			}
		}
	case f.Kind == scenarios.FaultZoneOutage:
		for _, n := range d.f.nodes {
			if n.zone == f.Zone && free(n) {
				out = append(out, n)
			}
		}
	default:
		var pool []*simNode
		for _, n := range d.f.nodes {
			if (f.Pool == "" || n.pool == f.Pool) && free(n) {
				pool = append(pool, n)
			}
		}
		for range min(max(f.Count, 1), len(pool)) {
			i := d.faultRand.IntN(len(pool))
			out = append(out, pool[i])
			pool = append(pool[:i], pool[i+1:]...)
		}
	}
	return out
}

// planRandomFaults schedules each random fault's first occurrence; the
// run does not end early while a fault may still come.
func (d *player) planRandomFaults() {
	for i := range d.sc.Faults {
		rf := &d.sc.Faults[i]
		d.lastPlanned = max(d.lastPlanned, d.faultEnd(rf))
		d.nextRandomFault(rf, rf.Start)
	}
}

// faultEnd is the last moment a random fault may start.
func (d *player) faultEnd(rf *scenarios.RandomFault) time.Duration {
	if rf.End > 0 {
		return min(rf.End, d.sc.Duration)
	}
	return d.sc.Duration
}

// nextRandomFault draws the gap to the fault's next occurrence after
// from, and injects it then with a drawn duration.
func (d *player) nextRandomFault(rf *scenarios.RandomFault, from time.Duration) {
	end := d.faultEnd(rf)
	at := from + time.Duration(d.faultRand.ExpFloat64()*float64(rf.MTBF))
	if rf.MTBF <= 0 || at > end {
		return
	}
	d.w.eng.ScheduleAt(at, func() {
		f := rf.Fault
		f.Duration = rf.RecoverAfter.Sample(d.faultRand)
		label := fmt.Sprintf("random %s at %v", f.Kind, d.w.eng.Elapsed().Round(time.Second))
		d.fault(f, label)
		d.nextRandomFault(rf, at)
	})
}
