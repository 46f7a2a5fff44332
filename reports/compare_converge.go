package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/kubetwin/kubetwin/sim"
)

// convPair is one timeline action or fault as each run recorded it;
// a nil side is an action that run's timeline did not have.
type convPair struct {
	a, b *sim.ConvergenceRecord
}

// label names the action by its label in A, or in B when A lacks it;
// when the runs label it differently (a fault hits a node chosen by the
// seed) both labels are given.
func (p convPair) label() string {
	switch {
	case p.a == nil:
		return p.b.Action
	case p.b == nil || p.b.Action == p.a.Action:
		return p.a.Action
	}
	return p.a.Action + " / " + p.b.Action
}

// shortLabel is one run's label, for a plot's axis.
func (p convPair) shortLabel() string {
	if p.a != nil {
		return p.a.Action
	}
	return p.b.Action
}

func (p convPair) at() float64 {
	if p.a != nil {
		return p.a.AtSeconds
	}
	return p.b.AtSeconds
}

// pairConvergence matches the runs' records: first by label, the k-th
// record of a label with the k-th; then a record left over with one of
// the same kind at the same time, since a fault's label names the node
// it hit, which the seed and the run's timing choose. Records of B left
// over still come after A's, in B's order.
func pairConvergence(a, b []*sim.ConvergenceRecord) []convPair {
	used := make([]bool, len(b))
	pairs := make([]convPair, len(a))
	for i, ra := range a {
		pairs[i].a = ra
		pairs[i].b = takeRecord(b, used, func(rb *sim.ConvergenceRecord) bool { return rb.Action == ra.Action })
	}
	for i := range pairs {
		if pairs[i].b != nil {
			continue
		}
		ra := pairs[i].a
		pairs[i].b = takeRecord(b, used, func(rb *sim.ConvergenceRecord) bool {
			return rb.AtSeconds == ra.AtSeconds && actionKind(rb.Action) == actionKind(ra.Action)
		})
	}
	for j, rb := range b {
		if !used[j] {
			pairs = append(pairs, convPair{b: rb})
		}
	}
	return pairs
}

// takeRecord is the first record of rs not yet used that match accepts,
// now used; nil when there is none.
func takeRecord(rs []*sim.ConvergenceRecord, used []bool, match func(*sim.ConvergenceRecord) bool) *sim.ConvergenceRecord {
	for j, r := range rs {
		if !used[j] && match(r) {
			used[j] = true
			return r
		}
	}
	return nil
}

// actionKind is the first two words of an action's label ("fault
// node-crash", "scale api"), which name what it does but not the node
// a fault hit.
func actionKind(label string) string {
	w := strings.Fields(label)
	return strings.Join(w[:min(2, len(w))], " ")
}

// convergenceValue is a record's time to converge as a cell.
func convergenceValue(r *sim.ConvergenceRecord) Value {
	switch {
	case r == nil:
		return Missing("absent")
	case r.Seconds == nil:
		return Missing("never")
	}
	return seconds(*r.Seconds)
}

func convergenceSeconds(r *sim.ConvergenceRecord) float64 {
	if r == nil || r.Seconds == nil {
		return math.NaN()
	}
	return *r.Seconds
}

// convergenceSection compares, per timeline action and fault, how long
// the cluster took to converge after it.
func (c *comparison) convergenceSection() (*Section, error) {
	t := &Table{Name: "convergence", Title: "Seconds to converge after each action and fault", Columns: []Column{
		{"action", "Action"}, {"at_s", "At (s)"}, c.columnA(), c.columnB(), {"difference", "B − A"}, {"ratio", "B / A"}}}
	sec := &Section{Title: "Convergence", Tables: []*Table{t}}
	pairs := pairConvergence(c.a.Summary.Convergence, c.b.Summary.Convergence)
	if len(pairs) == 0 {
		sec.note("Neither run's timeline had an action or fault to time.")
		return sec, nil
	}
	sec.note("Actions are matched by label, and a fault whose label names a different node by its kind and time. " +
		"\"never\" is an action after which the run did not converge before it ended; \"absent\" one that run did not have.")
	for _, p := range pairs {
		a, b := convergenceSeconds(p.a), convergenceSeconds(p.b)
		t.Rows = append(t.Rows, []Value{Text(p.label()), seconds(p.at()), convergenceValue(p.a), convergenceValue(p.b),
			seconds(b - a), ratioValue(a, b)})
		c.convergenceFinding(p, a, b)
	}
	return sec, sec.addFigure(c.convergencePlot(pairs))
}

// convergenceFinding records an action whose convergence took longer in
// one run, happened in one run only, or was in one timeline only.
func (c *comparison) convergenceFinding(p convPair, a, b float64) {
	f := &finding{subject: "convergence after " + p.label(), figure: "seconds to converge", a: a, b: b, format: FormatSeconds}
	switch {
	case p.a == nil || p.b == nil:
		f.topic = topicAbsent
		f.details = []string{fmt.Sprintf("only %s's timeline has it", c.which(p.b == nil))}
	case math.IsNaN(a) != math.IsNaN(b):
		f.topic = topicUnconverged
		never, r, done, took := "A", c.a, "B", b
		if math.IsNaN(b) {
			never, r, done, took = "B", c.b, "A", a
		}
		f.details = []string{fmt.Sprintf("converged after %s in %s, never in %s, which ran for %s",
			secondsText(took), done, never, secondsText(r.Summary.VirtualSeconds))}
	case differs(a, b, ConvergenceFloorSeconds):
		f.topic = topicConvergence
		f.details = []string{versus("converged in", a, b, FormatSeconds)}
	default:
		return
	}
	c.add(f)
}

// which names run A when a is true, else B, with its label.
func (c *comparison) which(a bool) string {
	if a {
		return "A (" + c.la + ")"
	}
	return "B (" + c.lb + ")"
}

// convergencePlot draws both runs' times to converge side by side.
func (c *comparison) convergencePlot(pairs []convPair) (*Figure, error) {
	f := &Figure{Name: "convergence", Title: "Time to converge after each action",
		Caption: "A bar of zero is an action that run never converged after, or did not have; the table says which."}
	names := make([]string, len(pairs))
	a, b := make([]float64, len(pairs)), make([]float64, len(pairs))
	some := false
	for i, p := range pairs {
		names[i] = p.shortLabel()
		a[i], b[i] = convergenceSeconds(p.a), convergenceSeconds(p.b)
		some = some || !math.IsNaN(a[i]) || !math.IsNaN(b[i])
	}
	if !some {
		return f.absent("no action converged in either run"), nil
	}
	return c.pairBars(f, "seconds", names, a, b)
}
