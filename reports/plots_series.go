package reports

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot/plotter"
)

// countsSpec is a plot of counts over time from known columns of
// timeseries.csv.
type countsSpec struct {
	name, title, yLabel string
	series              []seriesSpec
}

type seriesSpec struct{ column, legend string }

var podsByState = countsSpec{name: "pods_by_state", title: "Pods by state", yLabel: "pods",
	series: []seriesSpec{{"pods_pending", "pending"}, {"pods_starting", "starting"},
		{"pods_running", "running"}, {"pods_terminating", "terminating"},
		{"pods_succeeded", "succeeded"}, {"pods_failed", "failed"}}}

var nodesByCondition = countsSpec{name: "nodes_by_condition", title: "Nodes by Ready condition", yLabel: "nodes",
	series: []seriesSpec{{"nodes_ready", "ready"}, {"nodes_not_ready", "not ready"}, {"nodes_unknown", "unknown"}}}

const timeLabel = "time (s)"

// countsPlot draws the spec's series that the run recorded; a series
// keeps its colour even when an earlier one is missing.
func countsPlot(s *Series, spec countsSpec) (*Figure, error) {
	f := &Figure{Name: spec.name, Title: spec.title}
	if len(s.Times) == 0 {
		return f.absent("%s has no samples", SeriesFile), nil
	}
	p := newPlot(spec.title, timeLabel, spec.yLabel)
	p.Y.Min = 0
	var drawn []float64
	entries := 0
	for i, ss := range spec.series {
		col := s.Column(ss.column)
		if col == nil {
			continue
		}
		if err := addLine(p, ss.legend, s.Times, col.Values, i, plotter.NoStep); err != nil {
			return nil, err
		}
		drawn = append(drawn, col.Values...)
		entries++
	}
	if entries == 0 {
		return f.absent("%s has none of the columns %s", SeriesFile, spec.columns()), nil
	}
	legendRoom(p, maxFinite(drawn), entries)
	f.plot = p
	return f, nil
}

func (spec countsSpec) columns() string {
	var names []string
	for _, ss := range spec.series {
		names = append(names, ss.column)
	}
	return fmt.Sprint(names)
}

// SchedulingRate is the rate of bindings per interval between samples,
// derived from the cumulative pods_scheduled_total; nil when the run
// did not record it.
func SchedulingRate(s *Series) []RatePoint {
	col := s.Column("pods_scheduled_total")
	if col == nil {
		return nil
	}
	return Rates(s.Times, col.Values)
}

func schedulingRatePlot(s *Series) (*Figure, error) {
	f := &Figure{Name: "scheduling_rate", Title: "Scheduling rate",
		Caption: "Pods bound per second over each interval between samples (from pods_scheduled_total)."}
	rates := SchedulingRate(s)
	if len(rates) == 0 {
		return f.absent("%s has no pods_scheduled_total over two samples or more", SeriesFile), nil
	}
	// A step per interval: PreStep draws each point's rate over the
	// interval that ends at it, so the first interval's start is added.
	xs := []float64{rates[0].From}
	ys := []float64{rates[0].PerSecond}
	for _, r := range rates {
		xs = append(xs, r.To)
		ys = append(ys, r.PerSecond)
	}
	p := newPlot(f.Title, timeLabel, "pods bound / s")
	p.Y.Min = 0
	if err := addLine(p, "", xs, ys, 0, plotter.PreStep); err != nil {
		return nil, err
	}
	f.plot = p
	return f, nil
}

// poolRatioPlot draws resource_requested_ratio{pool=...} for every pool,
// in the order of the pools' names.
func poolRatioPlot(s *Series, resource string) (*Figure, error) {
	metric := resource + "_requested_ratio"
	f := &Figure{Name: metric, Title: resourceTitles[resource] + " requested / allocatable per pool"}
	if len(s.Times) == 0 {
		return f.absent("%s has no samples", SeriesFile), nil
	}
	var cols []*SeriesColumn
	for i := range s.Columns {
		if c := &s.Columns[i]; c.Metric == metric {
			cols = append(cols, c)
		}
	}
	if len(cols) == 0 {
		return f.absent("%s has no %s column", SeriesFile, metric), nil
	}
	slices.SortStableFunc(cols, func(a, b *SeriesColumn) int { return strings.Compare(a.Label("pool"), b.Label("pool")) })
	p := newPlot(f.Title, timeLabel, "requested")
	p.Y.Min = 0
	legendRoom(p, max(1, maxFinite(flatten(cols))), len(cols))
	p.Y.Tick.Marker = percentTicks
	for i, c := range cols {
		legend := "pool " + c.Label("pool")
		if c.Label("pool") == "" {
			legend = c.Name
		}
		if err := addLine(p, legend, s.Times, c.Values, i, plotter.NoStep); err != nil {
			return nil, err
		}
	}
	f.plot = p
	return f, nil
}

var resourceTitles = map[string]string{"cpu": "CPU", "memory": "Memory"}

func flatten(cols []*SeriesColumn) []float64 {
	var out []float64
	for _, c := range cols {
		out = append(out, c.Values...)
	}
	return out
}

// absent marks the figure as not drawn, saying why.
func (f *Figure) absent(format string, args ...any) *Figure {
	f.Missing = fmt.Sprintf(format, args...)
	return f
}
