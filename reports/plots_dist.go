package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kubetwin/kubetwin/sim"
)

// latencyCDFPlot draws the three latencies' empirical distributions on
// one plot, so that where the time goes (waiting for a node, starting,
// becoming ready) reads off the gaps between the curves.
func latencyCDFPlot(samples map[string][]float64) (*Figure, error) {
	f := &Figure{Name: "latency_cdf", Title: "Pod latency distribution",
		Caption: "Fraction of pods at or below each latency from their creation."}
	p := newPlot(f.Title, "seconds since creation", "fraction of pods")
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top, p.Legend.Left = false, false
	drawn := 0
	for i, l := range Latencies {
		pts := thinCDF(ECDF(samples[l.Key]), maxCDFSteps)
		if len(pts) == 0 {
			continue
		}
		// The curve rises from 0 at the smallest value and holds each
		// level until the next value, where it steps up (PostStep).
		xs, ys := []float64{pts[0].X}, []float64{0}
		for _, pt := range pts {
			xs = append(xs, pt.X)
			ys = append(ys, pt.P)
		}
		if err := addLine(p, l.Title, xs, ys, i, plotter.PostStep); err != nil {
			return nil, err
		}
		drawn++
	}
	if drawn == 0 {
		return f.absent("no pod in %s was ever scheduled", sim.PodsFile), nil
	}
	f.plot = p
	return f, nil
}

// maxCDFSteps bounds the steps drawn per curve: beyond about a thousand
// the plot looks the same and the SVG only grows (a 50,000-pod run).
const maxCDFSteps = 1000

// thinCDF keeps, of each 1/n band of probability, the last step, and
// the first step of all: a curve within 1/n of the exact one.
func thinCDF(pts []CDFPoint, n int) []CDFPoint {
	if len(pts) <= n {
		return pts
	}
	out := []CDFPoint{pts[0]}
	for i, pt := range pts[1:] {
		last := i+2 == len(pts)
		if last || math.Floor(pt.P*float64(n)) != math.Floor(pts[i+2].P*float64(n)) {
			out = append(out, pt)
		}
	}
	return out
}

// convergencePlot draws one bar per timed action or fault: its time to
// converge, or, for one that never did, the time from it to the end of
// the run (a lower bound) in another colour.
func convergencePlot(recs []*sim.ConvergenceRecord, endSeconds float64) (*Figure, error) {
	f := &Figure{Name: "convergence", Title: "Time to converge after each action",
		Caption: "Unconverged actions are drawn up to the end of the run: they took at least that long."}
	done := make(plotter.Values, len(recs))
	never := make(plotter.Values, len(recs))
	names := make([]string, len(recs))
	for i, r := range recs {
		names[i] = r.Action
		if r.Seconds != nil {
			done[i] = *r.Seconds
		} else {
			never[i] = max(0, endSeconds-r.AtSeconds)
		}
	}
	p := newPlot(f.Title, "", "seconds")
	p.Y.Min = 0
	p.NominalX(names...)
	nominalRange(p, len(names))
	slantLabels(p, len(names))
	width := barWidth(len(recs), 1)
	for i, vs := range []plotter.Values{done, never} {
		b, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return nil, fmt.Errorf("convergence bars: %w", err)
		}
		b.Color, b.LineStyle.Width = colour(i), 0
		p.Add(b)
		p.Legend.Add([]string{"converged", "not converged by the end"}[i], b)
	}
	legendRoom(p, max(maxFinite(done), maxFinite(never)), 2)
	f.plot = p
	return f, nil
}

// plot draws the node histogram as grouped bars, CPU beside memory.
func (h histogram) plot() (*Figure, error) {
	f := &Figure{Name: "node_utilisation", Title: "Nodes by requested share of allocatable",
		Caption: "Per node, at the end of the run: requests of the pods on it over its allocatable."}
	n := h.bins()
	labels := make([]string, n)
	for i := range labels {
		labels[i] = binLabel(i)
	}
	p := newPlot(f.Title, "requested / allocatable", "nodes")
	p.Y.Min = 0
	p.NominalX(labels...)
	nominalRange(p, n)
	width := barWidth(n, 2)
	top := 0
	for i, counts := range [][11]int{h.cpu, h.mem} {
		vs := make(plotter.Values, n)
		for j := range vs {
			vs[j] = float64(counts[j])
			top = max(top, counts[j])
		}
		b, err := plotter.NewBarChart(vs, width)
		if err != nil {
			return nil, fmt.Errorf("node histogram: %w", err)
		}
		b.Color, b.LineStyle.Width = colour(i), 0
		b.Offset = vg.Length(2*i-1) * width / 2
		p.Add(b)
		p.Legend.Add([]string{"CPU", "memory"}[i], b)
	}
	legendRoom(p, float64(top), 2)
	f.plot = p
	return f, nil
}

// barWidth fits groups of per bars each into the plot's data width.
func barWidth(groups, per int) vg.Length {
	w := (plotWidth - vg.Inch) / vg.Length(max(groups, 1)*per) * 0.7
	return min(w, vg.Points(40))
}

// slantLabels tilts the category labels of a crowded axis so that long
// action names do not run into each other.
func slantLabels(p *plot.Plot, n int) {
	if n <= 4 {
		return
	}
	p.X.Tick.Label.Rotation = math.Pi / 8
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
}
