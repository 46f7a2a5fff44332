package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// pairBars draws one figure per category for each run as bars side by
// side, A's left of B's in the runs' fixed colours; a missing value
// (NaN) is drawn as no bar.
func (c *comparison) pairBars(f *Figure, yLabel string, names []string, a, b []float64) (*Figure, error) {
	p := newPlot(f.Title, "", yLabel)
	p.Y.Min = 0
	p.NominalX(names...)
	nominalRange(p, len(names))
	if len(names) > 4 || longest(names) > 16 {
		// Action labels run into each other even when there are few.
		p.X.Tick.Label.Rotation = math.Pi / 8
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	width := barWidth(len(names), 2)
	for i, vs := range [][]float64{a, b} {
		bars, err := plotter.NewBarChart(zeroNaN(vs), width)
		if err != nil {
			return nil, fmt.Errorf("%s bars: %w", f.Name, err)
		}
		bars.Color, bars.LineStyle.Width = colour(i), 0
		bars.Offset = vg.Length(2*i-1) * width / 2
		p.Add(bars)
		p.Legend.Add([]string{"A: " + c.la, "B: " + c.lb}[i], bars)
	}
	legendRoom(p, max(maxFinite(a), maxFinite(b)), 2)
	f.plot = p
	return f, nil
}

func longest(names []string) int {
	n := 0
	for _, s := range names {
		n = max(n, len(s))
	}
	return n
}

// zeroNaN is xs with missing values as 0, which the bar chart accepts.
func zeroNaN(xs []float64) plotter.Values {
	out := make(plotter.Values, len(xs))
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out[i] = x
		}
	}
	return out
}
