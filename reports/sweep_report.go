package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"

	"github.com/kubetwin/kubetwin/sim"
)

// sweepMetric is one figure compared across a sweep's variants.
type sweepMetric struct {
	key, title string
	format     Format
	plot       bool // drawn as bars with confidence intervals
	get        func(s *sim.Summary) (float64, bool)
}

var sweepMetrics = []sweepMetric{
	{"latency_p50_seconds", "creation to binding, p50", FormatSeconds, false,
		func(s *sim.Summary) (float64, bool) { return s.Scheduling.Latency.P50, s.Scheduling.Latency.Count > 0 }},
	{"latency_p99_seconds", "creation to binding, p99", FormatSeconds, true,
		func(s *sim.Summary) (float64, bool) { return s.Scheduling.Latency.P99, s.Scheduling.Latency.Count > 0 }},
	{"throughput_virtual", "pods bound per virtual second", FormatNumber, true,
		func(s *sim.Summary) (float64, bool) { return s.Scheduling.Throughput.Virtual, true }},
	{"convergence_mean_seconds", "mean convergence time", FormatSeconds, true, meanConvergence},
	{"unconverged", "actions not converged", FormatCount, false, func(s *sim.Summary) (float64, bool) {
		n := 0
		for _, c := range s.Convergence {
			if c.Seconds == nil {
				n++
			}
		}
		return float64(n), true
	}},
	{"pods_pending", "pods pending at the end", FormatCount, false,
		func(s *sim.Summary) (float64, bool) { return float64(s.Pods.Pending), true }},
	{"pods_failed", "pods failed", FormatCount, false,
		func(s *sim.Summary) (float64, bool) { return float64(s.Pods.Failed), true }},
	{"utilisation_cpu", "cpu requested", FormatPercent, true,
		func(s *sim.Summary) (float64, bool) { return s.Utilisation.CPU, true }},
	{"utilisation_memory", "memory requested", FormatPercent, false,
		func(s *sim.Summary) (float64, bool) { return s.Utilisation.Memory, true }},
	{"invariant_violations", "invariant violations", FormatCount, false,
		func(s *sim.Summary) (float64, bool) { return float64(s.Violations), true }},
	{"wall_seconds", "wall time", FormatSeconds, false,
		func(s *sim.Summary) (float64, bool) { return s.WallSeconds, true }},
}

func meanConvergence(s *sim.Summary) (float64, bool) {
	var sum float64
	n := 0
	for _, c := range s.Convergence {
		if c.Seconds != nil {
			sum += *c.Seconds
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// values are metric m over a variant's runs (those where it exists).
func (m sweepMetric) values(runs []*sim.Summary) []float64 {
	var out []float64
	for _, s := range runs {
		if v, ok := m.get(s); ok {
			out = append(out, v)
		}
	}
	return out
}

// newSweepReport puts the variants side by side: per metric the mean
// and its 95 % interval over seeds, the difference from the baseline
// and Welch's p-value.
func newSweepReport(sw *Sweep, byVariant [][]*sim.Summary) (*Report, error) {
	rep := &Report{Title: "kubetwin sweep: " + sw.Scenario, Passed: true}
	failed := 0
	for _, r := range sw.Runs {
		if r.Error != "" {
			failed++
		}
	}
	rep.Passed = failed == 0
	rep.Verdict = fmt.Sprintf("%d variants × %d seeds: %d runs, %d failed; differences from %s at p < %g are marked significant",
		len(sw.Variants), len(sw.Seeds), len(sw.Runs), failed, sw.Variants[0], Significance)
	rep.Sections = []*Section{sweepRunsSection(sw, byVariant), comparisonSection(sw, byVariant)}
	figs := &Section{Title: "Variants side by side"}
	for _, m := range sweepMetrics {
		if !m.plot {
			continue
		}
		if err := figs.addFigure(sweepPlot(m, sw.Variants, byVariant)); err != nil {
			return nil, err
		}
	}
	rep.Sections = append(rep.Sections, figs)
	return rep, rep.check()
}

func sweepRunsSection(sw *Sweep, byVariant [][]*sim.Summary) *Section {
	variants := &Table{Name: "variants", Title: "Variants", Columns: []Column{{"variant", "variant"},
		{"settings", "settings"}, {"runs", "runs with results"}, {"passed", "runs that passed"}}}
	for i, label := range sw.Variants {
		passed := 0
		for _, s := range byVariant[i] {
			if s.Passed() {
				passed++
			}
		}
		variants.Rows = append(variants.Rows, []Value{Int(i + 1), Text(label), Int(len(byVariant[i])), Int(passed)})
	}
	runs := &Table{Name: "runs", Title: "Runs", Columns: []Column{{"variant", "variant"}, {"seed", "seed"},
		{"dir", "directory"}, {"error", "error"}}}
	for _, r := range sw.Runs {
		runs.Rows = append(runs.Rows, []Value{Int(r.Variant + 1), Uint(r.Seed), Text(r.Dir), Text(r.Error)})
	}
	return &Section{Title: "Runs", Tables: []*Table{variants, runs}}
}

func comparisonSection(sw *Sweep, byVariant [][]*sim.Summary) *Section {
	t := &Table{Name: "comparison", Title: "Means over seeds with 95 % intervals, against variant 1",
		Columns: []Column{{"metric", "metric"}, {"variant", "variant"}, {"n", "runs"}, {"mean", "mean"},
			{"ci_low", "95 % low"}, {"ci_high", "95 % high"}, {"difference", "− variant 1"},
			{"p_value", "p (Welch)"}, {"significant", "significant"}}}
	for _, m := range sweepMetrics {
		base := m.values(byVariant[0])
		for i := range sw.Variants {
			xs := m.values(byVariant[i])
			t.Rows = append(t.Rows, comparisonRow(m, i, xs, base))
		}
	}
	return &Section{Title: "Comparison", Tables: []*Table{t}}
}

func comparisonRow(m sweepMetric, variant int, xs, base []float64) []Value {
	mean, lo, hi := MeanCI(xs, 0.95)
	row := []Value{Text(m.title), Int(variant + 1), Int(len(xs)), num(mean, m.format), num(lo, m.format), num(hi, m.format)}
	if variant == 0 || len(xs) == 0 || len(base) == 0 {
		return append(row, Missing(""), Missing(""), Missing(""))
	}
	baseMean, _, _ := MeanCI(base, 0.95)
	p := Welch(xs, base)
	sig := Missing("too few runs")
	switch {
	case math.IsNaN(p):
	case p < Significance:
		sig = Text("yes") // text, not a pass/fail cell: a difference is neither
	default:
		sig = Text("no")
	}
	return append(row, num(mean-baseMean, m.format), num(p, FormatNumber), sig)
}

// num is a number, or an empty cell for NaN (a sample too small for it).
func num(x float64, f Format) Value {
	if math.IsNaN(x) {
		return Missing("")
	}
	return Num(x, f)
}

// sweepPlot draws a metric's mean per variant as bars with their 95 %
// intervals.
func sweepPlot(m sweepMetric, labels []string, byVariant [][]*sim.Summary) (*Figure, error) {
	f := &Figure{Name: "sweep_" + m.key, Title: m.title,
		Caption: "Mean over seeds per variant; the whiskers are the 95 % confidence interval (Student's t)."}
	ci := ciBars{}
	top := 0.0
	for i := range labels {
		mean, lo, hi := MeanCI(m.values(byVariant[i]), 0.95)
		if math.IsNaN(mean) {
			mean = 0
		}
		if math.IsNaN(lo) {
			lo, hi = mean, mean
		}
		ci.means = append(ci.means, mean)
		ci.lo = append(ci.lo, mean-lo)
		ci.hi = append(ci.hi, hi-mean)
		top = max(top, hi)
	}
	unit := ""
	if m.format == FormatSeconds {
		unit = "seconds"
	}
	p := newPlot(f.Title, "", unit)
	p.Y.Min = min(0, minFloat(ci.means))
	names := make([]string, len(labels))
	for i := range labels {
		names[i] = fmt.Sprintf("%d: %s", i+1, labels[i])
	}
	p.NominalX(names...)
	nominalRange(p, len(names))
	slantLabels(p, len(names))
	bars, err := plotter.NewBarChart(plotter.Values(ci.means), barWidth(len(names), 1))
	if err != nil {
		return nil, fmt.Errorf("sweep bars: %w", err)
	}
	bars.Color, bars.LineStyle.Width = colour(0), 0
	whiskers, err := plotter.NewYErrorBars(ci)
	if err != nil {
		return nil, fmt.Errorf("sweep intervals: %w", err)
	}
	p.Add(bars, whiskers)
	if m.format == FormatPercent {
		p.Y.Tick.Marker = percentTicks
	}
	p.Y.Max = top * 1.1
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1 // every mean 0: an empty but drawable axis
	}
	f.plot = p
	return f, nil
}

// ciBars are means at x = 0, 1, ... with their error extents below and above.
type ciBars struct{ means, lo, hi []float64 }

func (c ciBars) Len() int                        { return len(c.means) }
func (c ciBars) XY(i int) (float64, float64)     { return float64(i), c.means[i] }
func (c ciBars) YError(i int) (float64, float64) { return c.lo[i], c.hi[i] }

func minFloat(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}
