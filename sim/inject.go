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
	rec := &FaultRecord{Label: label, Kind: string(f.Kind), AtSeconds: d.eng.Elapsed().Seconds()}
	for _, name := range targets {
		d.faulted[name] = true
		delete(d.recovering, name)
		rec.Nodes = append(rec.Nodes, name)
		var err error
		switch f.Kind {
		case scenarios.FaultNodeCrash, scenarios.FaultZoneOutage:
			d.down[name] = true
			err = d.nodes.Crash(name)
		case scenarios.FaultPartition:
			d.down[name] = true
			err = d.nodes.Partition(name)
		case scenarios.FaultSlowNode:
			err = d.nodes.SlowDown(name, f.Factor)
		}
		d.faultFailed(label, err)
	}
	d.faults = append(d.faults, rec)
	d.activeFaults++
	d.conv.startFault(label, targets)
	if f.Duration > 0 {
		d.eng.Schedule(f.Duration, func() { d.heal(f, targets, rec) })
	}
}

// heal ends a fault on its nodes.
func (d *player) heal(f scenarios.Fault, targets []string, rec *FaultRecord) {
	for _, name := range targets {
		d.faulted[name] = false
		var err error
		if f.Kind == scenarios.FaultSlowNode {
			err = d.nodes.SlowDown(name, 1)
		} else {
			d.down[name] = false
			d.recovering[name] = true
			err = d.nodes.Recover(name)
		}
		d.faultFailed("healing "+rec.Label, err)
	}
	rec.EndSeconds = d.eng.Elapsed().Seconds()
	d.activeFaults--
	d.conv.schedule() // the nodes being back may be all that was missing
}

// faultFailed counts a fault the nodes could not make or undo (a live
// node agent that would not stop or start); the run goes on.
func (d *player) faultFailed(label string, err error) {
	if err == nil {
		return
	}
	d.faultErrors++
	if d.firstFaultErr == nil {
		d.firstFaultErr = fmt.Errorf("%s: %w", label, err)
	}
}

// targets picks a fault's nodes: named ones, a zone's, or Count drawn
// from a pool (or from every node) with the faults' random stream.
func (d *player) targets(f scenarios.Fault) []string {
	var out []string
	switch {
	case len(f.Nodes) > 0:
		for _, name := range f.Nodes {
			if d.known[name] && !d.faulted[name] {
				out = append(out, name)
			}
		}
	case f.Kind == scenarios.FaultZoneOutage:
		for _, n := range d.refs {
			if n.Zone == f.Zone && !d.faulted[n.Name] {
				out = append(out, n.Name)
			}
		}
	default:
		var pool []string
		for _, n := range d.refs {
			if (f.Pool == "" || n.Pool == f.Pool) && !d.faulted[n.Name] {
				pool = append(pool, n.Name)
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
	d.eng.ScheduleAt(at, func() {
		f := rf.Fault
		f.Duration = rf.RecoverAfter.Sample(d.faultRand)
		label := fmt.Sprintf("random %s at %v", f.Kind, d.eng.Elapsed().Round(time.Second))
		d.fault(f, label)
		d.nextRandomFault(rf, at)
	})
}
