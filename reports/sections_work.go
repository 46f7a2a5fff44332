package reports

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/stat"
)

func workSection(r *Run) (*Section, error) {
	sec := &Section{Title: "Control plane work"}
	if !r.HasWork {
		sec.note("summary.json records no control-plane work (a run from before it was counted).")
		return sec, nil
	}
	w, e := r.Summary.Work, r.Summary.Errors
	rec := &Table{Name: "work_reconciles", Title: "Reconciles per controller", Columns: []Column{
		{"controller", "Controller"}, {"reconciles", "Reconciles"}, {"errors", "Failed"}}}
	for _, name := range byCount(w.Reconciles, e.Reconcile) {
		rec.Rows = append(rec.Rows, []Value{Text(name), Int(w.Reconciles[name]), Int(e.Reconcile[name])})
	}
	wr := &Table{Name: "work_writes", Title: "Store writes per kind", Columns: []Column{
		{"kind", "Kind"}, {"writes", "Writes"}}}
	for _, kind := range byCount(w.Writes, nil) {
		wr.Rows = append(wr.Rows, []Value{Text(kind), Int(w.Writes[kind])})
	}
	sec.Tables = []*Table{rec, wr}
	return sec, nil
}

// byCount is the keys of counts (and of extra) by decreasing count,
// then by name: where the work went first, in a stable order.
func byCount(counts, extra map[string]int) []string {
	keys := sortedKeys(counts)
	for _, k := range sortedKeys(extra) {
		if _, ok := counts[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(a, b))
	})
	return keys
}

func errorsSection(r *Run) (*Section, error) {
	s := &r.Summary
	e := s.Errors
	t := &Table{Name: "errors", Title: "What went wrong without stopping the run", Columns: []Column{
		{"source", "Source"}, {"count", "Count"}, {"detail", "Detail"}}}
	add := func(src string, n int, detail string) {
		t.Rows = append(t.Rows, []Value{Text(src), Int(n), Text(detail)})
	}
	add("apply", e.Apply, e.FirstApply)
	add("scheduler", e.Scheduler, "")
	add("node_writes", e.NodeWrites, "")
	for _, name := range sortedKeys(e.Reconcile) {
		add("reconcile."+name, e.Reconcile[name], "")
	}
	add("trace_writing", boolCount(e.TraceWriting != ""), e.TraceWriting)
	add("invariant_violations", s.Violations, "")
	v := &Table{Name: "violations", Title: "Invariant violations", Columns: []Column{
		{"at_s", "At (s)"}, {"invariant", "Invariant"}, {"message", "Message"}}}
	for _, x := range s.ViolationList {
		v.Rows = append(v.Rows, []Value{seconds(x.AtSeconds), Text(x.Invariant), Text(x.Message)})
	}
	return &Section{Title: "Errors", Tables: []*Table{t, v}}, nil
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seriesSection summarises every column of timeseries.csv, known or
// not, so that a metric no plot shows is still in the tables.
func seriesSection(r *Run) (*Section, error) {
	sec := &Section{Title: "Time series"}
	if r.Series == nil {
		sec.note("%s is absent: this run recorded no time series.", SeriesFile)
		return sec, nil
	}
	t := &Table{Name: "series", Title: "Every series of timeseries.csv", Columns: []Column{
		{"series", "Series"}, {"samples", "Samples"}, {"first", "First"}, {"last", "Last"},
		{"min", "Min"}, {"max", "Max"}, {"mean", "Mean"}}}
	for _, c := range r.Series.Columns {
		_, xs := finite(r.Series.Times, c.Values)
		row := []Value{Text(c.Name), Int(len(xs))}
		if len(xs) == 0 {
			nan := math.NaN()
			xs = []float64{nan}
		}
		row = append(row, number(xs[0]), number(xs[len(xs)-1]), number(floats.Min(xs)),
			number(floats.Max(xs)), number(stat.Mean(xs, nil)))
		t.Rows = append(t.Rows, row)
	}
	sec.Tables = []*Table{t}
	sec.note("%d samples from %s s to %s s.", len(r.Series.Times), span(r.Series.Times, 0), span(r.Series.Times, -1))
	return sec, nil
}

func number(x float64) Value { return Num(x, FormatNumber) }

// span is the first (i=0) or last (i=-1) time, or "-" without samples.
func span(times []float64, i int) string {
	if len(times) == 0 {
		return "-"
	}
	if i < 0 {
		i = len(times) - 1
	}
	return displayNumber(times[i], FormatSeconds)
}
