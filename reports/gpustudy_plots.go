package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

const (
	arrivedLabel = "GPU capacity arrived (%)"
	allocLabel   = "GPU allocation (%)"
	// zoomFrom is where the zoomed figure starts: below about 80 %
	// arrived every policy places every task and the curves coincide.
	zoomFrom = 80
)

// The paper's curves are dashed and kubetwin's solid, whatever the
// policy; the colour tells the policy. addLine chooses dashes by series
// index, for plots with more series than colours, so these figures
// build their lines themselves.
var (
	paperDashes = []vg.Length{vg.Points(5), vg.Points(3)}
	keyColour   = color.Gray{Y: 0x55}
	bandColour  = color.Gray{Y: 0x88}
)

// gpuFigures are a workload's figures: allocation over the whole
// arrival range, the same from zoomFrom on, and the difference
// kubetwin − paper with the tolerance band.
func gpuFigures(w *GPUWorkloadComparison, tol float64) ([]*Figure, error) {
	stem := "gpu-" + fileSafe(w.Workload)
	key := "kubetwin solid, the paper dashed"
	if w.PaperMissing {
		key = "kubetwin only: the paper has no curves for this workload"
	}
	alloc, err := allocFigure(w, &Figure{Name: stem + "-alloc", Title: w.Workload + ": GPU allocation",
		Caption: "Mean over seeds per policy, " + key + "."}, 0)
	if err != nil {
		return nil, err
	}
	zoom, err := allocFigure(w, &Figure{Name: stem + "-zoom", Title: fmt.Sprintf("%s: GPU allocation, %d–130 %% arrived", w.Workload, zoomFrom),
		Caption: "The same from " + fmt.Sprint(zoomFrom) + " % arrived on, where the policies separate; " + key + "."}, zoomFrom)
	if err != nil {
		return nil, err
	}
	diff, err := diffFigure(w, &Figure{Name: stem + "-diff", Title: w.Workload + ": kubetwin − paper",
		Caption: fmt.Sprintf("Difference of the mean curves at the points both have; the grey lines are ±%s pp.", pp(tol))}, tol)
	if err != nil {
		return nil, err
	}
	return []*Figure{alloc, zoom, diff}, nil
}

// allocFigure draws every policy's mean curves from point `from` on.
func allocFigure(w *GPUWorkloadComparison, f *Figure, from int) (*Figure, error) {
	p := newPlot(f.Title, arrivedLabel, allocLabel)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range w.Policies {
		pc := &w.Policies[i]
		c := policyColour(w, i)
		for _, side := range []struct {
			curve  *GPUMeanCurve
			dashed bool
		}{{&pc.Ours, false}, {&pc.Paper, true}} {
			l, err := curveLine(side.curve, from, c, side.dashed)
			if err != nil {
				return nil, fmt.Errorf("plot %s: %s: %w", f.Name, pc.Policy, err)
			}
			if l == nil {
				continue
			}
			p.Add(l)
			for _, xy := range l.XYs {
				lo, hi = min(lo, xy.Y), max(hi, xy.Y)
			}
		}
		p.Legend.Add(shortPolicy(pc.Policy), thumbnail(c, false))
	}
	entries := len(w.Policies) + styleKeys(p, !w.PaperMissing)
	p.X.Min, p.X.Max = float64(from), lastPoint
	if math.IsInf(lo, 0) {
		lo, hi = 0, 100 // nothing to draw: an empty but readable axis
	}
	if from == 0 {
		// No more can be allocated than has arrived, so the curves stay
		// below the diagonal and the top-left corner is free for the
		// legend.
		p.Legend.Left = true
		p.Y.Min, p.Y.Max = 0, max(100, hi)
	} else {
		// The curves rise to the right, so the legend goes bottom right,
		// in room made for it below them.
		p.Legend.Top = false
		pad := max(hi-lo, 1) * 0.05
		legendRoomIn(p, lo-pad, hi+pad, entries, true)
	}
	f.plot = p
	return f, nil
}

// diffFigure draws kubetwin − paper per policy with the ±tol band.
func diffFigure(w *GPUWorkloadComparison, f *Figure, tol float64) (*Figure, error) {
	p := newPlot(f.Title, arrivedLabel, "kubetwin − paper (pp)")
	reach, drawn := tol, 0
	for i := range w.Policies {
		pc := &w.Policies[i]
		d := diffCurve(pc.Ours, pc.Paper)
		l, err := curveLine(&d, 0, policyColour(w, i), false)
		if err != nil {
			return nil, fmt.Errorf("plot %s: %s: %w", f.Name, pc.Policy, err)
		}
		if l == nil {
			continue
		}
		p.Add(l)
		p.Legend.Add(shortPolicy(pc.Policy), l)
		reach = max(reach, pc.MaxAbsDiff)
		drawn++
	}
	if drawn == 0 {
		if w.PaperMissing {
			return f.absent("the paper has no curves for this workload"), nil
		}
		return f.absent("no policy's curves have a point in common with the paper's"), nil
	}
	if err := addBand(p, tol); err != nil {
		return nil, fmt.Errorf("plot %s: %w", f.Name, err)
	}
	p.X.Min, p.X.Max = 0, lastPoint
	p.Legend.Left = true
	reach *= 1.2 // the largest difference and the band clear of the frame
	legendRoomIn(p, -reach, reach, drawn+1, false)
	f.plot = p
	return f, nil
}

// policyColour keeps a policy's colour across workloads: the study's
// policies by their number, any other after them.
func policyColour(w *GPUWorkloadComparison, i int) color.Color {
	known := studyPolicyOrder()
	if r := studyRank(known, w.Policies[i].Policy); r < len(known) {
		return colour(r)
	}
	other := 0
	for _, pc := range w.Policies[:i] {
		if studyRank(known, pc.Policy) == len(known) {
			other++
		}
	}
	return colour(len(known) + other)
}

// curveLine is the curve's points from `from` on as a line; nil when
// it has none there.
func curveLine(c *GPUMeanCurve, from int, col color.Color, dashed bool) (*plotter.Line, error) {
	var xy plotter.XYs
	for x := from; x < CurvePoints; x++ {
		if c.Has[x] {
			xy = append(xy, plotter.XY{X: float64(x), Y: c.Values[x]})
		}
	}
	if len(xy) == 0 {
		return nil, nil
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return nil, err
	}
	styleLine(l, col, dashed)
	return l, nil
}

func styleLine(l *plotter.Line, col color.Color, dashed bool) {
	l.Color = col
	l.Width = vg.Points(1.5)
	if dashed {
		l.Dashes = paperDashes
	}
}

// thumbnail is a legend sample of a line style, not drawn in the plot.
func thumbnail(col color.Color, dashed bool) *plotter.Line {
	l := &plotter.Line{XYs: plotter.XYs{{}}}
	styleLine(l, col, dashed)
	return l
}

// styleKeys adds the legend entries telling kubetwin's lines from the
// paper's (kubetwin's alone when the paper has none) and returns how
// many it added.
func styleKeys(p *plot.Plot, withPaper bool) int {
	p.Legend.Add("kubetwin", thumbnail(keyColour, false))
	if !withPaper {
		return 1
	}
	p.Legend.Add("paper", thumbnail(keyColour, true))
	return 2
}

// addBand draws the tolerance band's edges at ±tol.
func addBand(p *plot.Plot, tol float64) error {
	for i, y := range []float64{tol, -tol} {
		l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: lastPoint, Y: y}})
		if err != nil {
			return fmt.Errorf("tolerance band: %w", err)
		}
		styleLine(l, bandColour, true)
		l.Width = vg.Points(1)
		p.Add(l)
		if i == 0 {
			p.Legend.Add("±"+pp(tol)+" pp", l)
		}
	}
	return nil
}

// legendRoomIn sets the Y axis to lo..hi plus the room legendRoom
// would leave for n legend entries, above the data or below it.
// legendRoom assumes an axis from 0; called on a span of 1 it gives
// the factor by which the span grows.
func legendRoomIn(p *plot.Plot, lo, hi float64, n int, below bool) {
	legendRoom(p, 1, n)
	room := (hi - lo) * (p.Y.Max - 1)
	if below {
		p.Y.Min, p.Y.Max = lo-room, hi
	} else {
		p.Y.Min, p.Y.Max = lo, hi+room
	}
}
