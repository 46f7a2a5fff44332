package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/kubetwin/kubetwin/sim"
)

// SweepFile describes a sweep directory: its variants, seeds and runs.
const SweepFile = "sweep.json"

// Sweep is a grid of runs of one scenario: every variant (a set of
// --set values) with every seed. The first variant is the baseline the
// others are compared with.
type Sweep struct {
	Scenario string     `json:"scenario"`
	Variants []string   `json:"variants"`
	Seeds    []uint64   `json:"seeds"`
	Runs     []SweepRun `json:"runs"`
}

// SweepRun is one run of a sweep; Dir is relative to the sweep's
// directory, Error says why the run has no results.
type SweepRun struct {
	Variant int    `json:"variant"`
	Seed    uint64 `json:"seed"`
	Dir     string `json:"dir"`
	Error   string `json:"error,omitempty"`
}

// Significance is the p-value under which a difference from the
// baseline is reported as significant.
const Significance = 0.05

// BuildSweep reads dir/sweep.json and every run's summary.json and
// writes the comparison report into dir; it returns the path of
// report.html.
func BuildSweep(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, SweepFile))
	if err != nil {
		return "", fmt.Errorf("sweep report: %w", err)
	}
	var sw Sweep
	if err := json.Unmarshal(b, &sw); err != nil {
		return "", fmt.Errorf("sweep report: %s: %w", filepath.Join(dir, SweepFile), err)
	}
	summaries, err := loadSweepSummaries(dir, &sw)
	if err != nil {
		return "", err
	}
	rep, err := newSweepReport(&sw, summaries)
	if err != nil {
		return "", fmt.Errorf("sweep report %s: %w", dir, err)
	}
	return rep.Write(dir)
}

// loadSweepSummaries reads the summary of every run that has results,
// by variant.
func loadSweepSummaries(dir string, sw *Sweep) ([][]*sim.Summary, error) {
	out := make([][]*sim.Summary, len(sw.Variants))
	for _, r := range sw.Runs {
		if r.Error != "" {
			continue
		}
		if r.Variant < 0 || r.Variant >= len(sw.Variants) {
			return nil, fmt.Errorf("sweep report: run %s names variant %d of %d", r.Dir, r.Variant, len(sw.Variants))
		}
		path := filepath.Join(dir, r.Dir, sim.SummaryFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("sweep report: %w", err)
		}
		var s sim.Summary
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("sweep report: %s: %w", path, err)
		}
		out[r.Variant] = append(out[r.Variant], &s)
	}
	return out, nil
}

// Welch is the two-sided p-value of Welch's t-test that two samples
// have the same mean (unequal variances). Samples without spread are
// equal (1) or not (0) by their means; fewer than two values give NaN.
func Welch(a, b []float64) float64 {
	if len(a) < 2 || len(b) < 2 {
		return math.NaN()
	}
	ma, va := stat.MeanVariance(a, nil)
	mb, vb := stat.MeanVariance(b, nil)
	na, nb := float64(len(a)), float64(len(b))
	sa, sb := va/na, vb/nb
	if sa+sb == 0 {
		if ma == mb {
			return 1
		}
		return 0
	}
	t := (ma - mb) / math.Sqrt(sa+sb)
	df := (sa + sb) * (sa + sb) / (sa*sa/(na-1) + sb*sb/(nb-1))
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.CDF(-math.Abs(t))
}
