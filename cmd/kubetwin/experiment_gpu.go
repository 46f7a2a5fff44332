package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// fgdJob is one experiment: a trace, a policy and a seed.
type fgdJob struct {
	trace  *fgdTrace
	policy string
	seed   uint64
}

func (j fgdJob) String() string {
	return fmt.Sprintf("%s %s seed %d", j.trace.workload, j.policy, j.seed)
}

// fgdRun is one experiment's outcome.
type fgdRun struct {
	job            fgdJob
	tasks          int
	placed, failed int
	alloc, frag    reports.GPUCurve
}

// runFGDJobs runs every experiment on o.parallel workers; each is
// deterministic, so the order they finish in changes nothing. The first
// failure is returned once the running ones end.
func runFGDJobs(ctx context.Context, in *fgdInputs, o fgdOptions, errOut io.Writer) ([]fgdRun, error) {
	var jobs []fgdJob
	for i := range in.traces {
		for _, p := range in.policies {
			for _, seed := range in.seeds {
				jobs = append(jobs, fgdJob{trace: &in.traces[i], policy: p, seed: seed})
			}
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runs := make([]fgdRun, len(jobs))
	errs := make([]error, len(jobs))
	done := 0
	runParallel(len(jobs), o.parallel, func() bool { return ctx.Err() != nil },
		func(i int) {
			if runs[i], errs[i] = runFGDJob(ctx, in, o.tune, jobs[i]); errs[i] != nil {
				cancel()
			}
		},
		func(i int) {
			done++
			fmt.Fprintf(errOut, "experiment fgd: %d/%d done (%s)\n", done, len(jobs), jobs[i])
		})
	// The experiments cancelled because another failed report the
	// cancellation; the failure that caused it is the one to tell.
	for i, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("experiment fgd: %s: %w", jobs[i], err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("experiment fgd: %w", err)
	}
	return runs, nil
}

// runFGDJob builds the seed's workload, and names the nodes, exactly as
// the authors' simulator does (the names break ties), and places it.
func runFGDJob(ctx context.Context, in *fgdInputs, tune float64, j fgdJob) (fgdRun, error) {
	work, nodes, err := scenarios.ArtefactExperiment(j.trace.tasks, in.nodes, tune, int64(j.seed))
	if err != nil {
		return fgdRun{}, err
	}
	res, err := sim.RunGPUExperiment(ctx, sim.GPUExperiment{Nodes: nodes, Tasks: work, Typical: j.trace.typical,
		Policy: j.policy, Seed: j.seed})
	if err != nil {
		return fgdRun{}, err
	}
	base := reports.GPUCurve{Workload: j.trace.workload, Policy: reports.StudyPolicyNames[j.policy],
		Tune: strconv.FormatFloat(tune, 'f', -1, 64), Seed: int64(j.seed)}
	alloc, frag := reports.DiscreteCurves(res, base)
	return fgdRun{job: j, tasks: len(work), placed: res.Placed, failed: res.Failed, alloc: alloc, frag: frag}, nil
}

func allocCurves(runs []fgdRun) []reports.GPUCurve {
	out := make([]reports.GPUCurve, len(runs))
	for i, r := range runs {
		out[i] = r.alloc
	}
	return out
}

// writeFGDResults writes both curve files and the per-experiment counts.
func writeFGDResults(dir string, runs []fgdRun) error {
	frag := make([]reports.GPUCurve, len(runs))
	for i, r := range runs {
		frag[i] = r.frag
	}
	if err := writeFileWith(filepath.Join(dir, fgdAllocFile), func(w io.Writer) error {
		return reports.WriteGPUCurves(w, allocCurves(runs))
	}); err != nil {
		return err
	}
	if err := writeFileWith(filepath.Join(dir, fgdFragFile), func(w io.Writer) error {
		return reports.WriteGPUCurves(w, frag)
	}); err != nil {
		return err
	}
	return writeFileWith(filepath.Join(dir, fgdRunsFile), func(w io.Writer) error { return writeFGDRuns(w, runs) })
}

func writeFGDRuns(w io.Writer, runs []fgdRun) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"workload", "sc_policy", "tune", "seed", "tasks", "placed", "failed", "final_alloc_pct", "final_frag_ratio_pct"})
	for _, r := range runs {
		last := reports.CurvePoints - 1
		_ = cw.Write([]string{r.alloc.Workload, r.alloc.Policy, r.alloc.Tune, strconv.FormatInt(r.alloc.Seed, 10),
			strconv.Itoa(r.tasks), strconv.Itoa(r.placed), strconv.Itoa(r.failed),
			lastValue(r.alloc, last), lastValue(r.frag, last)})
	}
	cw.Flush()
	return cw.Error()
}

// lastValue is the curve's value at its last point up to x, empty when none.
func lastValue(c reports.GPUCurve, x int) string {
	for ; x >= 0; x-- {
		if c.Has[x] {
			return strconv.FormatFloat(c.Values[x], 'f', 2, 64)
		}
	}
	return ""
}

// writeFileWith creates path and lets write fill it, reporting a failed close.
func writeFileWith(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// printFGDSummary prints, per workload, how each policy's mean curve
// compares with the paper's.
func printFGDSummary(out io.Writer, rep *reports.GPUStudyReport) {
	for _, w := range rep.Workloads {
		if w.PaperMissing {
			fmt.Fprintf(out, "%s: no published curves\n", w.Workload)
			continue
		}
		fmt.Fprintf(out, "%s (%s):\n", w.Workload, rankingVerdict(&w, rep.Tolerance))
		for _, p := range w.Policies {
			mark := "within"
			if !p.WithinTolerance {
				mark = "OUTSIDE"
			}
			fmt.Fprintf(out, "  %-16s final %6.2f %% (paper %6.2f %%), max |diff| %.2f pp at %d %%: %s ±%.1f pp\n",
				p.Policy, p.OursFinal, p.PaperFinal, p.MaxAbsDiff, p.AtPoint, mark, rep.Tolerance)
		}
	}
}

func rankingVerdict(w *reports.GPUWorkloadComparison, tol float64) string {
	switch {
	case w.RankingAgrees:
		return "policies ranked as in the paper"
	case w.RankingAgreesBeyondTies:
		return fmt.Sprintf("policies ranked as in the paper but for some the paper puts within %.1f pp of each other", tol)
	}
	return "policies ranked otherwise than in the paper"
}
