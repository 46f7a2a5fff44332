package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// sweepOptions are the flags of `kubetwin sim sweep`.
type sweepOptions struct {
	scenario string
	seeds    string
	sets     []string
	out      string
	parallel int
}

func newSimSweepCommand() *cobra.Command {
	o := sweepOptions{parallel: runtime.NumCPU()}
	cmd := &cobra.Command{
		Use:   "sweep SCENARIO --seeds 1-10 --set key=a,b [--set ...] --out DIR",
		Short: "Run a scenario for every seed and every combination of --set values, and compare the variants",
		Long: "Every --set whose value lists several values (a,b) multiplies the variants; the first\n" +
			"variant is the baseline. The runs go in parallel (--parallel, default one per core), each\n" +
			"one still deterministic, into DIR/runs/; DIR gets sweep.json and a report that puts the\n" +
			"variants side by side with 95 % intervals and marks significant differences (Welch's t-test).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenario = args[0]
			return runSweep(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&o.seeds, "seeds", "1", "seeds: ranges and lists, e.g. 1-10 or 1,4,7-9")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "a param or field, key=value or key=a,b,... for one variant per value (repeatable)")
	cmd.Flags().StringVar(&o.out, "out", "", "directory for the runs and the comparison (required)")
	cmd.Flags().IntVar(&o.parallel, "parallel", o.parallel, "runs at once")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// sweepJob is one run of the grid.
type sweepJob struct {
	variant int
	seed    uint64
	sets    []string
	dir     string // relative to the sweep's directory
}

func runSweep(ctx context.Context, o sweepOptions, out, errOut io.Writer) error {
	seeds, err := parseSeeds(o.seeds)
	if err != nil {
		return err
	}
	variants, labels, err := expandSets(o.sets)
	if err != nil {
		return err
	}
	if o.parallel < 1 {
		return fmt.Errorf("sweep: --parallel must be at least 1, have %d", o.parallel)
	}
	// Every variant must load before anything runs: a typo in a value
	// should not cost the runs of the others.
	for i, sets := range variants {
		if _, err := scenarios.Open(o.scenario, sets); err != nil {
			return fmt.Errorf("sweep: variant %d (%s): %w", i+1, labels[i], err)
		}
	}
	var jobs []sweepJob
	for v, sets := range variants {
		for _, seed := range seeds {
			jobs = append(jobs, sweepJob{variant: v, seed: seed, sets: sets,
				dir: filepath.Join("runs", fmt.Sprintf("v%d-seed%d", v+1, seed))})
		}
	}
	sw := reports.Sweep{Scenario: o.scenario, Variants: labels, Seeds: seeds, Runs: runJobs(ctx, o, jobs, errOut)}
	if err := writeJSONFile(o.out, reports.SweepFile, &sw); err != nil {
		return fmt.Errorf("sweep: %w", err)
	}
	html, err := reports.BuildSweep(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sweep: %d variants × %d seeds in %s\nreport: %s\n", len(labels), len(seeds), o.out, html)
	for _, r := range sw.Runs {
		if r.Error != "" {
			return fmt.Errorf("sweep: run %s failed: %s", r.Dir, r.Error)
		}
	}
	return nil
}

// runJobs runs the grid on o.parallel workers; results keep the jobs' order.
func runJobs(ctx context.Context, o sweepOptions, jobs []sweepJob, errOut io.Writer) []reports.SweepRun {
	runs := make([]reports.SweepRun, len(jobs))
	done := 0
	runParallel(len(jobs), o.parallel, func() bool { return false },
		func(i int) { runs[i] = runSweepJob(ctx, o, jobs[i]) },
		func(i int) {
			done++
			fmt.Fprintf(errOut, "sweep: %d/%d done (%s)\n", done, len(jobs), jobs[i].dir)
		})
	return runs
}

// runSweepJob runs one scenario variant and seed into its directory.
func runSweepJob(ctx context.Context, o sweepOptions, j sweepJob) reports.SweepRun {
	r := reports.SweepRun{Variant: j.variant, Seed: j.seed, Dir: j.dir}
	dir := filepath.Join(o.out, j.dir)
	sc, err := scenarios.Open(o.scenario, j.sets)
	if err == nil {
		_, err = runIntoDir(ctx, sc, o.scenario, j.seed, dir)
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// runIntoDir runs sc with seed quietly and writes its files and report
// into dir, as `sim run --out dir` does: one run of a sweep or a plan.
func runIntoDir(ctx context.Context, sc *scenarios.Scenario, name string, seed uint64, dir string) (*sim.Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	res, err := runWithTrace(ctx, sc, simOptions{scenario: name, seed: seed, seedSet: true, out: dir, noProgress: true}, io.Discard)
	if err != nil {
		return nil, err
	}
	if err := sim.WriteFiles(dir, res); err != nil {
		return nil, err
	}
	_, err = reports.Build(dir)
	return res, err
}

// writeJSONFile writes v, indented, as the file dir/name.
func writeJSONFile(dir, name string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// parseSeeds reads "1-10", "1,4,7-9": ascending ranges and single
// seeds, each seed once, in the order given.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	seen := map[uint64]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.ParseUint(lo, 10, 64)
		b := a
		if err == nil && isRange {
			b, err = strconv.ParseUint(hi, 10, 64)
		}
		if err != nil || b < a || b-a >= 10000 {
			return nil, fmt.Errorf("sweep: --seeds %q: %q is not a seed or an ascending range of at most 10,000", s, part)
		}
		for seed := a; seed <= b; seed++ {
			if !seen[seed] {
				seen[seed] = true
				out = append(out, seed)
			}
		}
	}
	return out, nil
}

// expandSets turns the --set flags into variants: the cartesian product
// of the values of every flag that lists several (key=a,b), in flag
// order, each with the single-valued flags too. A label names a
// variant by its multi-valued settings.
func expandSets(sets []string) (variants [][]string, labels []string, err error) {
	variants, labels = [][]string{nil}, []string{""}
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			return nil, nil, fmt.Errorf("sweep: --set %q: want key=value or key=a,b,...", s)
		}
		values := strings.Split(value, ",")
		var nv [][]string
		var nl []string
		for i, v := range variants {
			for _, val := range values {
				nv = append(nv, append(append([]string(nil), v...), key+"="+val))
				l := labels[i]
				if len(values) > 1 {
					l = strings.TrimSpace(l + " " + key + "=" + val)
				}
				nl = append(nl, l)
			}
		}
		variants, labels = nv, nl
	}
	for i := range labels {
		if labels[i] == "" {
			labels[i] = "as given"
		}
	}
	return variants, labels, nil
}
