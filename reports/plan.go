package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot/plotter"
)

// PlanFile describes a capacity plan's search and its answer.
const PlanFile = "plan.json"

// Plan is the search for the smallest node count of one pool that meets
// a scenario's thresholds.
type Plan struct {
	Scenario string   `json:"scenario"`
	Pool     string   `json:"pool"`
	Min      int      `json:"min"`
	Max      int      `json:"max"`
	Seeds    []uint64 `json:"seeds"`
	// Answer is the smallest count that passed, 0 when none did.
	Answer int `json:"answer"`
	// Tried are the counts run, in the order the search ran them.
	Tried []PlanPoint `json:"tried"`
	// Margins are, at the answer, how far each threshold is from failing.
	Margins []PlanMargin `json:"margins"`
}

// PlanPoint is one count and how its runs went (every seed must pass).
type PlanPoint struct {
	Count      int      `json:"count"`
	Passed     bool     `json:"passed"`
	Failures   []string `json:"failures,omitempty"`  // a missed threshold or an error, per failing run
	LatencyP99 float64  `json:"latency_p99_seconds"` // the worst over seeds
	Pending    int      `json:"pods_pending"`        // the worst over seeds
	CPU        float64  `json:"utilisation_cpu"`     // the mean over seeds
	Dirs       []string `json:"dirs"`
}

// PlanMargin is one threshold at the answer: its worst value over seeds
// and the distance to its bound on the passing side (none for == and !=).
type PlanMargin struct {
	Threshold string   `json:"threshold"`
	Value     float64  `json:"value"`
	Margin    *float64 `json:"margin"`
}

// BuildPlan writes the report of dir/plan.json into dir and returns the
// path of report.html.
func BuildPlan(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return "", fmt.Errorf("plan report: %w", err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return "", fmt.Errorf("plan report: %s: %w", filepath.Join(dir, PlanFile), err)
	}
	rep, err := newPlanReport(&p)
	if err != nil {
		return "", fmt.Errorf("plan report %s: %w", dir, err)
	}
	return rep.Write(dir)
}

func newPlanReport(p *Plan) (*Report, error) {
	rep := &Report{Title: fmt.Sprintf("kubetwin plan: %s, pool %s", p.Scenario, p.Pool), Passed: p.Answer > 0}
	if p.Answer > 0 {
		rep.Verdict = fmt.Sprintf("%d nodes of pool %s meet every threshold for every seed; %d do not",
			p.Answer, p.Pool, p.Answer-1)
		if p.Answer == p.Min {
			rep.Verdict = fmt.Sprintf("%d nodes of pool %s, the least tried, meet every threshold for every seed", p.Answer, p.Pool)
		}
	} else {
		rep.Verdict = fmt.Sprintf("not even %d nodes of pool %s meet the thresholds", p.Max, p.Pool)
	}
	tried := &Table{Name: "tried", Title: "Counts tried, in count order", Columns: []Column{{"count", "nodes"},
		{"passed", "passed"}, {"latency_p99_seconds", "p99 creation to binding (worst)"},
		{"pods_pending", "pods pending (worst)"}, {"utilisation_cpu", "cpu requested (mean)"}, {"failures", "why not"}}}
	points := slices.Clone(p.Tried)
	slices.SortFunc(points, func(a, b PlanPoint) int { return a.Count - b.Count })
	for _, pt := range points {
		why := ""
		if len(pt.Failures) > 0 {
			why = pt.Failures[0]
		}
		tried.Rows = append(tried.Rows, []Value{Int(pt.Count), Bool(pt.Passed, "yes", "no"),
			Num(pt.LatencyP99, FormatSeconds), Int(pt.Pending), Num(pt.CPU, FormatPercent), Text(why)})
	}
	margins := &Table{Name: "margins", Title: "Thresholds at the answer", Columns: []Column{{"threshold", "threshold"},
		{"value", "worst value"}, {"margin", "margin"}}}
	for _, m := range p.Margins {
		margin := Missing("")
		if m.Margin != nil {
			margin = Num(*m.Margin, FormatNumber)
		}
		margins.Rows = append(margins.Rows, []Value{Text(m.Threshold), Num(m.Value, FormatNumber), margin})
	}
	sec := &Section{Title: "Search", Tables: []*Table{tried, margins}}
	if err := sec.addFigure(planPlot(p.Pool, points)); err != nil {
		return nil, err
	}
	rep.Sections = []*Section{sec}
	return rep, rep.check()
}

// planPlot draws the explored curve: p99 latency and pending pods by
// node count, passing counts marked.
func planPlot(pool string, points []PlanPoint) (*Figure, error) {
	f := &Figure{Name: "plan", Title: "The counts the search tried",
		Caption: "Worst p99 creation-to-binding latency and pods left pending over the seeds, per node count; passing counts are drawn as dots."}
	if len(points) == 0 {
		f.Missing = "nothing was run"
		return f, nil
	}
	p := newPlot(f.Title, "nodes in pool "+pool, "")
	var lat, pend, ok plotter.XYs
	for _, pt := range points {
		lat = append(lat, plotter.XY{X: float64(pt.Count), Y: pt.LatencyP99})
		pend = append(pend, plotter.XY{X: float64(pt.Count), Y: float64(pt.Pending)})
		if pt.Passed {
			ok = append(ok, plotter.XY{X: float64(pt.Count), Y: pt.LatencyP99})
		}
	}
	for i, series := range []struct {
		name string
		xy   plotter.XYs
	}{{"p99 latency (s)", lat}, {"pods pending", pend}} {
		xs, ys := make([]float64, len(series.xy)), make([]float64, len(series.xy))
		for j, v := range series.xy {
			xs[j], ys[j] = v.X, v.Y
		}
		if err := addLine(p, series.name, xs, ys, i, plotter.NoStep); err != nil {
			return nil, err
		}
	}
	if len(ok) > 0 {
		s, err := plotter.NewScatter(ok)
		if err != nil {
			return nil, fmt.Errorf("plan points: %w", err)
		}
		s.Color = colour(2)
		p.Add(s)
		p.Legend.Add("passed", s)
	}
	top := 0.0
	for _, pt := range points {
		top = max(top, pt.LatencyP99, float64(pt.Pending))
	}
	p.Y.Min = 0
	legendRoom(p, top, 3)
	if math.IsNaN(p.Y.Max) || p.Y.Max <= 0 {
		p.Y.Max = 1
	}
	f.plot = p
	return f, nil
}
