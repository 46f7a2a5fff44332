package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// latencyFigure is one statistic of a latency sample, as the latency
// table lists it.
type latencyFigure struct {
	name   string
	format Format
	get    func(s Stats, never int) float64
}

var latencyFigures = []latencyFigure{
	{"count", FormatCount, func(s Stats, _ int) float64 { return float64(s.Count) }},
	{"never", FormatCount, func(_ Stats, never int) float64 { return float64(never) }},
	{"mean", FormatSeconds, func(s Stats, _ int) float64 { return s.Mean }},
	{"p50", FormatSeconds, func(s Stats, _ int) float64 { return s.P50 }},
	{"p90", FormatSeconds, func(s Stats, _ int) float64 { return s.P90 }},
	{"p99", FormatSeconds, func(s Stats, _ int) float64 { return s.P99 }},
	{"max", FormatSeconds, func(s Stats, _ int) float64 { return s.Max }},
}

// comparedLatencyFigures are the statistics whose difference is a
// finding, in order of preference as the headline: the maximum is one
// pod's luck, and "never" is the count's complement.
var comparedLatencyFigures = []string{"mean", "p50", "p90", "p99", "count"}

// latencySample is one latency of one run.
type latencySample struct {
	xs    []float64
	never int
	stats Stats
}

func sampleOf(l Latency, r *Run) latencySample {
	xs, never := l.Sample(r.Pods)
	return latencySample{xs: xs, never: never, stats: Describe(xs)}
}

func (s latencySample) figure(name string) float64 {
	for _, f := range latencyFigures {
		if f.name == name {
			return f.get(s.stats, s.never)
		}
	}
	panic("reports: no latency figure " + name)
}

// latencySection compares the pods' waits from creation to scheduled,
// started and ready: their summaries, a KS test and both ECDFs.
func (c *comparison) latencySection() (*Section, error) {
	dist := &Table{Name: "latency", Title: "Pod latency (seconds from creation, from pods.csv)", Columns: []Column{
		{"latency", "From creation to"}, {"statistic", "Statistic"}, c.columnA(), c.columnB(),
		{"difference", "B − A"}, {"ratio", "B / A"}}}
	ks := &Table{Name: "latency_ks", Title: "Two-sample Kolmogorov–Smirnov test of each latency", Columns: []Column{
		{"latency", "From creation to"}, {"n_a", "Pods in A"}, {"n_b", "Pods in B"}, {"d", "D"},
		{"p_value", "p (asymptotic)"}, {"differs", fmt.Sprintf("p < %g", KSLevel)}}}
	sec := &Section{Title: "Latency distributions", Tables: []*Table{dist, ks}}
	sec.note("\"Never\" counts pods that did not get there within the run; quantiles are nearest-rank. " +
		"D is the largest gap between the two runs' empirical distributions and p its asymptotic p-value " +
		"(Kolmogorov's limit, conservative with tied values); the CSV keeps p to six decimals.")
	for _, l := range Latencies {
		sa, sb := sampleOf(l, c.a), sampleOf(l, c.b)
		for _, lf := range latencyFigures {
			a, b := lf.get(sa.stats, sa.never), lf.get(sb.stats, sb.never)
			dist.Rows = append(dist.Rows, []Value{Text(l.Key), Text(lf.name), Num(a, lf.format), Num(b, lf.format),
				Num(b-a, lf.format), ratioValue(a, b)})
		}
		test := KSTest(sa.xs, sb.xs)
		ks.Rows = append(ks.Rows, []Value{Text(l.Key), Int(len(sa.xs)), Int(len(sb.xs)), Num(test.D, FormatNumber),
			Num(test.P, FormatNumber), ksVerdict(test)})
		c.latencyFinding(l, sa, sb, test)
		if err := sec.addFigure(c.latencyCDFs(l, sa.xs, sb.xs)); err != nil {
			return nil, err
		}
	}
	return sec, nil
}

func ksVerdict(t KS) Value {
	switch {
	case math.IsNaN(t.P):
		return Missing("-")
	case t.P < KSLevel:
		return Text("yes") // text, not a pass/fail cell: a difference is neither
	}
	return Text("no")
}

// floorOf is the noise floor of a latency figure.
func floorOf(name string) float64 {
	if name == "count" {
		return PodsFloor
	}
	return LatencyFloorSeconds
}

// latencyFinding records a latency whose summary or distribution
// differs between the runs.
func (c *comparison) latencyFinding(l Latency, sa, sb latencySample, test KS) {
	f := &finding{topic: topicStartup, subject: l.Title, ksP: test.P, isDist: true, format: FormatSeconds}
	for _, name := range comparedLatencyFigures {
		a, b := sa.figure(name), sb.figure(name)
		if !differs(a, b, floorOf(name)) {
			continue
		}
		format := FormatSeconds
		if name == "count" {
			format = FormatCount
		}
		f.details = append(f.details, versus(name, a, b, format))
		if f.figure == "" {
			f.figure, f.a, f.b, f.format = name, a, b, format
		}
	}
	if test.P < KSLevel {
		f.details = append(f.details, fmt.Sprintf("the distributions differ (KS D = %s, p = %s)",
			significant(test.D, 3), pValue(test.P)))
	}
	if len(f.details) == 0 {
		return
	}
	if f.figure == "" {
		f.figure, f.a, f.b = "mean", sa.stats.Mean, sb.stats.Mean
	}
	if l.Key == "scheduled" {
		f.topic = topicScheduling
		c.schedulingDiffers = true
	} else {
		f.carried = c.schedulingDiffers && !c.afterSchedulingDiffers(l)
	}
	c.add(f)
}

// afterSchedulingDiffers reports whether the mean wait from scheduled
// to l's moment differs between the runs: when it does not, a
// difference in creation to l is the scheduling wait's, carried over.
func (c *comparison) afterSchedulingDiffers(l Latency) bool {
	return differs(meanAfterScheduling(l, c.a.Pods), meanAfterScheduling(l, c.b.Pods), LatencyFloorSeconds)
}

func meanAfterScheduling(l Latency, pods []Pod) float64 {
	var sum float64
	n := 0
	for _, p := range pods {
		if t := l.to(p); !math.IsNaN(t) && !math.IsNaN(p.Scheduled) {
			sum += t - p.Scheduled
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// latencyCDFs draws one latency's empirical distribution in both runs
// on one plot: a shift reads as a gap between the curves, a changed
// tail as curves that part near the top.
func (c *comparison) latencyCDFs(l Latency, xa, xb []float64) (*Figure, error) {
	f := &Figure{Name: "latency_" + l.Key + "_cdf", Title: capitalise(l.Title) + " in both runs",
		Caption: "Fraction of pods at or below each latency from their creation, per run."}
	p := newPlot(f.Title, "seconds since creation", "fraction of pods")
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top, p.Legend.Left = false, false
	drawn := 0
	for i, s := range []struct {
		legend string
		xs     []float64
	}{{"A: " + c.la, xa}, {"B: " + c.lb, xb}} {
		ok, err := addCDF(p, s.legend, s.xs, i)
		if err != nil {
			return nil, err
		}
		if ok {
			drawn++
		}
	}
	if drawn == 0 {
		return f.absent("no pod got there in either run"), nil
	}
	f.plot = p
	return f, nil
}

// addCDF draws xs' empirical distribution as a step curve rising from 0
// at the smallest value; it reports false for an empty sample.
func addCDF(p *plot.Plot, legend string, xs []float64, i int) (bool, error) {
	pts := thinCDF(ECDF(xs), maxCDFSteps)
	if len(pts) == 0 {
		return false, nil
	}
	x, y := []float64{pts[0].X}, []float64{0}
	for _, pt := range pts {
		x = append(x, pt.X)
		y = append(y, pt.P)
	}
	return true, addLine(p, legend, x, y, i, plotter.PostStep)
}
