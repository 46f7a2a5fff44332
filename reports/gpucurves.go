package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/sim"
)

// CurvePoints is how many points a GPU-sharing curve has: one per percent
// of the cluster's GPU capacity arrived, from 0 to 130 (the study inflates
// arrivals to 130 %).
const CurvePoints = 131

// GPUCurve is one experiment's curve in the layout of the GPU-sharing
// study's published results (analysis_allo_discrete.csv and its
// fragmentation siblings): a value per percent of capacity arrived.
type GPUCurve struct {
	Workload  string // trace file without .csv, e.g. openb_pod_list_default
	Policy    string // numbered as the study's folders, e.g. 06-FGD
	Tune      string // arrival inflation as written, e.g. 1.3
	Seed      int64
	TotalGPUs int64
	// Values[x] is the value after x % of capacity arrived; Has[x] is
	// false where the curve has no point (the published files leave the
	// cell empty).
	Values [CurvePoints]float64
	Has    [CurvePoints]bool
}

// StudyPolicyNames numbers the policies as the study's result folders do.
var StudyPolicyNames = map[string]string{
	"Random": "01-Random", "DotProd": "02-DotProd", "GpuClustering": "03-GpuClustering",
	"GpuPacking": "04-GpuPacking", "BestFit": "05-BestFit", "FGD": "06-FGD",
}

// DiscreteCurves turns an experiment's arrivals into its allocation and
// fragmentation-ratio curves the way the study's analysis scripts
// (experiments/analysis/merge_*_discrete.py) do: each arrival's percent
// of capacity arrived is rounded to an integer (half to even, as Python's
// round), the values are rounded to two decimals, and point x is the mean
// over the arrivals at x, or over x-1..x+1 when none lands on x.
func DiscreteCurves(res *sim.GPUExperimentResult, base GPUCurve) (alloc, frag GPUCurve) {
	alloc, frag = base, base
	alloc.TotalGPUs, frag.TotalGPUs = res.CapacityMilli/1000, res.CapacityMilli/1000
	bins := make([]int, len(res.Arrivals))
	allocs := make([]float64, len(res.Arrivals))
	frags := make([]float64, len(res.Arrivals))
	for i, a := range res.Arrivals {
		bins[i] = int(math.RoundToEven(100 * float64(a.ArrivedMilli) / float64(res.CapacityMilli)))
		allocs[i] = round2(100 * float64(a.AllocatedMilli) / float64(res.CapacityMilli))
		frags[i] = 0
		if a.IdleMilli > 0 {
			frags[i] = round2(100 * a.FragMilli / a.IdleMilli)
		}
	}
	fillCurve(&alloc, bins, allocs)
	fillCurve(&frag, bins, frags)
	return alloc, frag
}

func fillCurve(c *GPUCurve, bins []int, vals []float64) {
	for x := range CurvePoints {
		if m, ok := binMean(bins, vals, x, x); ok {
			c.Values[x], c.Has[x] = m, true
		} else if m, ok := binMean(bins, vals, x-1, x+1); ok {
			c.Values[x], c.Has[x] = m, true
		}
	}
}

// binMean is the mean, rounded to two decimals, of the values whose bin
// lies in [lo, hi]. The arrivals are few enough (about 11,000) that a scan
// per point costs less than building an index.
func binMean(bins []int, vals []float64, lo, hi int) (float64, bool) {
	sum, n := 0.0, 0
	for i, b := range bins {
		if b >= lo && b <= hi {
			sum += vals[i]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return round2(sum / float64(n)), true
}

// round2 rounds to two decimals, half to even as Python's round does on
// the nearest double.
func round2(v float64) float64 { return math.RoundToEven(v*100) / 100 }

// curveHeader is the published files' header.
func curveHeader() []string {
	h := []string{"workload", "sc_policy", "tune", "seed", "total_gpus"}
	for x := range CurvePoints {
		h = append(h, strconv.Itoa(x))
	}
	return h
}

// WriteGPUCurves writes curves in the published layout.
func WriteGPUCurves(w io.Writer, curves []GPUCurve) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(curveHeader()); err != nil {
		return err
	}
	for _, c := range curves {
		row := []string{c.Workload, c.Policy, c.Tune, strconv.FormatInt(c.Seed, 10), strconv.FormatInt(c.TotalGPUs, 10)}
		for x := range CurvePoints {
			cell := ""
			if c.Has[x] {
				cell = strconv.FormatFloat(c.Values[x], 'f', -1, 64)
			}
			row = append(row, cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ErrBadCurves marks a curves file that is not in the published layout.
var ErrBadCurves = errors.New("not a GPU-sharing curves file")

// ReadGPUCurves reads curves in the published layout; source names the
// input in errors, which give the line.
func ReadGPUCurves(r io.Reader, source string) ([]GPUCurve, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: header: %w", source, ErrBadCurves, err)
	}
	if want := curveHeader(); strings.Join(header, ",") != strings.Join(want, ",") {
		return nil, fmt.Errorf("%s: %w: header %q..., want %q...", source, ErrBadCurves,
			strings.Join(header[:min(6, len(header))], ","), strings.Join(want[:6], ","))
	}
	var out []GPUCurve
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		c, err := parseCurveRow(row)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w: %w", source, line, ErrBadCurves, err)
		}
		out = append(out, c)
	}
}

func parseCurveRow(row []string) (GPUCurve, error) {
	c := GPUCurve{Workload: row[0], Policy: row[1], Tune: row[2]}
	var err error
	if c.Seed, err = strconv.ParseInt(row[3], 10, 64); err != nil {
		return c, fmt.Errorf("seed %q: %w", row[3], err)
	}
	if c.TotalGPUs, err = strconv.ParseInt(row[4], 10, 64); err != nil {
		return c, fmt.Errorf("total_gpus %q: %w", row[4], err)
	}
	for x, cell := range row[5:] {
		if cell == "" {
			continue
		}
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return c, fmt.Errorf("column %d: %q is not a number", x, cell)
		}
		c.Values[x], c.Has[x] = v, true
	}
	return c, nil
}
