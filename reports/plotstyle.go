package reports

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"regexp"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Every plot has one size, so that plots line up in the HTML report.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 4 * vg.Inch
	pngDPI     = 96
)

// palette is Okabe and Ito's, told apart by people with colour-blind
// vision; its order is fixed so that a series keeps its colour between
// runs.
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
	color.RGBA{0x56, 0xB4, 0xE9, 0xff}, // sky blue
	color.RGBA{0x00, 0x00, 0x00, 0xff}, // black
}

func colour(i int) color.Color { return palette[i%len(palette)] }

// dashes tell apart lines past the palette's length (a plot of more
// pools than colours).
func dashes(i int) []vg.Length {
	if (i/len(palette))%2 == 1 {
		return []vg.Length{vg.Points(4), vg.Points(2)}
	}
	return nil
}

// newPlot is a plot with the report's fonts, grid and axis labels.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, f := range []*plot.Axis{&p.X, &p.Y} {
		f.Label.TextStyle.Font.Variant = "Sans"
		f.Tick.Label.Font.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Variant = "Sans"
	p.Legend.TextStyle.Font.Variant = "Sans"
	p.Legend.Top = true
	p.X.Tick.Marker, p.Y.Tick.Marker = plainTicks, plainTicks
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{0xdd}
	grid.Horizontal.Color = color.Gray{0xdd}
	p.Add(grid)
	return p
}

// addLine draws one series, named in the legend unless legend is
// empty; NaN samples are left out.
func addLine(p *plot.Plot, legend string, xs, ys []float64, i int, step plotter.StepKind) error {
	xs, ys = finite(xs, ys)
	if len(xs) == 0 {
		return nil
	}
	xy := make(plotter.XYs, len(xs))
	for j := range xs {
		xy[j] = plotter.XY{X: xs[j], Y: ys[j]}
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return fmt.Errorf("line %q: %w", legend, err)
	}
	l.Color = colour(i)
	l.Dashes = dashes(i)
	l.Width = vg.Points(1.5)
	l.StepStyle = step
	p.Add(l)
	if legend != "" {
		p.Legend.Add(legend, l)
	}
	return nil
}

// percentTicks labels a 0..1 axis in percent.
var percentTicks = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(100*ticks[i].Value, 'f', -1, 64) + "%"
		}
	}
	return ticks
})

// plainTicks labels an axis without trailing zeros ("25", not "25.00").
var plainTicks = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = significant(ticks[i].Value, 6)
		}
	}
	return ticks
})

// SVG draws the figure as an SVG document: deterministic, the same
// data give the same bytes.
func (f *Figure) SVG() ([]byte, error) {
	c := vgsvg.New(plotWidth, plotHeight)
	if err := f.draw(c); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot %s: svg: %w", f.Name, err)
	}
	return b.Bytes(), nil
}

// PNG draws the figure as a PNG image at 96 dpi, for places that show
// no SVG.
func (f *Figure) PNG() ([]byte, error) {
	c := vgimg.NewWith(vgimg.UseWH(plotWidth, plotHeight), vgimg.UseDPI(pngDPI))
	if err := f.draw(c); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot %s: png: %w", f.Name, err)
	}
	return b.Bytes(), nil
}

// draw draws the plot on c. A panic in the plotting library (it panics
// on some degenerate data) becomes an error naming the plot rather than
// ending the program.
func (f *Figure) draw(c vg.CanvasSizer) (err error) {
	if f.plot == nil {
		return fmt.Errorf("plot %s was not drawn: %s", f.Name, f.Missing)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot %s: %v", f.Name, r)
		}
	}()
	f.plot.Draw(draw.New(c))
	return nil
}

// svgNamespaces are the namespace attributes of the SVG root, which
// HTML does not need inline and which would be the page's only URLs.
var svgNamespaces = regexp.MustCompile(`\s+xmlns(:xlink)?="[^"]*"`)

// svgSize is the fixed size of the SVG root, which the page's CSS
// replaces so that a plot shrinks with a narrow window.
var svgSize = regexp.MustCompile(`\s(width|height)="[^"]*"`)

// inlineSVG is an SVG file made fit to sit inside HTML: without the XML
// prolog and comment, without namespace URLs, and scaling to the page's
// width through its viewBox; label names it for screen readers.
func inlineSVG(svg []byte, label string) ([]byte, error) {
	start := bytes.Index(svg, []byte("<svg"))
	if start < 0 {
		return nil, fmt.Errorf("inline svg: no <svg> element")
	}
	svg = svg[start:]
	end := bytes.IndexByte(svg, '>')
	if end < 0 {
		return nil, fmt.Errorf("inline svg: unterminated <svg> tag")
	}
	root := svgNamespaces.ReplaceAll(svg[:end], nil)
	root = svgSize.ReplaceAll(root, nil)
	out := append(append([]byte{}, root...), ` role="img" aria-label="`+html.EscapeString(label)+`"`...)
	return append(out, svg[end:]...), nil
}

// legendRoom raises the top of the Y axis above the data so that a
// legend of n entries in the top corner does not hide the highest
// values; gonum/plot draws legends inside the data area.
func legendRoom(p *plot.Plot, dataMax float64, n int) {
	share := min(0.055*float64(n)+0.03, 0.6) // of the data area's height
	p.Y.Max = max(dataMax, 1) / (1 - share)
}

// nominalRange gives n categories at 0..n-1 half a step of margin on
// both sides, so that the outer bars are drawn whole.
func nominalRange(p *plot.Plot, n int) {
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
}

// maxFinite is the largest finite value of xs, or 0.
func maxFinite(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) && x > m {
			m = x
		}
	}
	return m
}
