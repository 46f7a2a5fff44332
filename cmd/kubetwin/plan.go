package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// planOptions are the flags of `kubetwin plan`.
type planOptions struct {
	scenario string
	pool     string
	min, max int
	seeds    string
	sets     []string
	out      string
}

func newPlanCommand() *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan SCENARIO --pool NAME --min N --max M --out DIR",
		Short: "Find the smallest node count of a pool that meets the scenario's thresholds",
		Long: "Runs the scenario on the simulator with the pool at different sizes, searching by\n" +
			"bisection between --min and --max (so it assumes more nodes never hurt), for the smallest\n" +
			"count at which every seed meets every threshold of the scenario and breaks no invariant.\n" +
			"DIR gets plan.json, every run under runs/, and a report of the counts tried and the\n" +
			"answer's margin on each threshold.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenario = args[0]
			return runPlan(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&o.pool, "pool", "", "the node pool to size (required)")
	cmd.Flags().IntVar(&o.min, "min", 1, "fewest nodes to consider")
	cmd.Flags().IntVar(&o.max, "max", 0, "most nodes to consider (required)")
	cmd.Flags().StringVar(&o.seeds, "seeds", "", "seeds every count must pass, e.g. 1-3 (default: the scenario's)")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "override a param or a field: key=value (repeatable)")
	cmd.Flags().StringVar(&o.out, "out", "", "directory for the runs and the report (required)")
	for _, f := range []string{"pool", "max", "out"} {
		_ = cmd.MarkFlagRequired(f)
	}
	return cmd
}

func runPlan(ctx context.Context, o planOptions, out io.Writer) error {
	sc, err := scenarios.Open(o.scenario, o.sets)
	if err != nil {
		return err
	}
	if err := checkPlan(sc, o); err != nil {
		return err
	}
	seeds := []uint64{sc.Seed}
	if o.seeds != "" {
		if seeds, err = parseSeeds(o.seeds); err != nil {
			return err
		}
	}
	pl := &reports.Plan{Scenario: o.scenario, Pool: o.pool, Min: o.min, Max: o.max, Seeds: seeds}
	s := planSearch{o: o, seeds: seeds, plan: pl}
	answer, err := s.bisect(ctx)
	if err != nil {
		return err
	}
	pl.Answer = answer
	if answer > 0 {
		pl.Margins = s.margins[answer]
	}
	if err := writeJSONFile(o.out, reports.PlanFile, pl); err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	html, err := reports.BuildPlan(o.out)
	if err != nil {
		return err
	}
	if answer == 0 {
		fmt.Fprintf(out, "report: %s\n", html)
		return fmt.Errorf("plan: not even %d nodes of pool %s meet the thresholds: %s", o.max, o.pool, s.why[o.max])
	}
	fmt.Fprintf(out, "plan: %d nodes of pool %s (tried %d counts)\nreport: %s\n", answer, o.pool, len(pl.Tried), html)
	return nil
}

// checkPlan refuses what the search cannot answer: an unknown pool, an
// empty range, or a scenario with no threshold to meet.
func checkPlan(sc *scenarios.Scenario, o planOptions) error {
	if poolIndex(sc, o.pool) < 0 {
		var names []string
		for _, p := range sc.Cluster.Pools {
			names = append(names, p.Name)
		}
		return fmt.Errorf("plan: scenario %s has no pool %q (it has %v)", sc.Name, o.pool, names)
	}
	if o.min < 1 || o.max < o.min {
		return fmt.Errorf("plan: want 1 <= --min <= --max, have %d and %d", o.min, o.max)
	}
	if len(sc.Thresholds) == 0 {
		return fmt.Errorf("plan: scenario %s has no thresholds, so every count would pass", sc.Name)
	}
	return nil
}

func poolIndex(sc *scenarios.Scenario, name string) int {
	for i, p := range sc.Cluster.Pools {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// planSearch runs counts and remembers their outcomes.
type planSearch struct {
	o       planOptions
	seeds   []uint64
	plan    *reports.Plan
	passed  map[int]bool
	why     map[int]string
	margins map[int][]reports.PlanMargin
}

// bisect finds the smallest passing count in [min, max], or 0 when max
// fails: it tries max, then min, then halves the gap between the
// largest failing and the smallest passing count.
func (s *planSearch) bisect(ctx context.Context) (int, error) {
	s.passed, s.why, s.margins = map[int]bool{}, map[int]string{}, map[int][]reports.PlanMargin{}
	lo, hi := s.o.min, s.o.max
	if ok, err := s.try(ctx, hi); err != nil || !ok {
		return 0, err
	}
	if ok, err := s.try(ctx, lo); err != nil || ok {
		return lo, err
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := s.try(ctx, mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// try runs every seed with the pool at count nodes.
func (s *planSearch) try(ctx context.Context, count int) (bool, error) {
	pt := reports.PlanPoint{Count: count, Passed: true}
	var summaries []*sim.Summary
	for _, seed := range s.seeds {
		dir := filepath.Join("runs", "n"+strconv.Itoa(count)+"-seed"+strconv.FormatUint(seed, 10))
		pt.Dirs = append(pt.Dirs, dir)
		res, err := s.runOne(ctx, count, seed, filepath.Join(s.o.out, dir))
		if err != nil {
			return false, fmt.Errorf("plan: %d nodes, seed %d: %w", count, seed, err)
		}
		summaries = append(summaries, &res.Summary)
		if reason := failure(&res.Summary); reason != "" {
			pt.Passed = false
			pt.Failures = append(pt.Failures, fmt.Sprintf("seed %d: %s", seed, reason))
		}
	}
	pointFigures(&pt, summaries)
	s.plan.Tried = append(s.plan.Tried, pt)
	s.passed[count] = pt.Passed
	if len(pt.Failures) > 0 {
		s.why[count] = pt.Failures[0]
	}
	s.margins[count] = margins(summaries)
	return pt.Passed, nil
}

func (s *planSearch) runOne(ctx context.Context, count int, seed uint64, dir string) (*sim.Result, error) {
	sc, err := scenarios.Open(s.o.scenario, s.o.sets)
	if err != nil {
		return nil, err
	}
	sc.Cluster.Pools[poolIndex(sc, s.o.pool)].Count = count
	return runIntoDir(ctx, sc, s.o.scenario, seed, dir)
}

// failure is why a run does not pass: its first missed threshold or its
// invariant violations; "" when it passes.
func failure(s *sim.Summary) string {
	if s.Violations > 0 {
		return fmt.Sprintf("%d invariant violations", s.Violations)
	}
	for _, t := range s.Thresholds {
		if !t.OK {
			return t.Threshold + " missed: " + t.Reason
		}
	}
	return ""
}

// pointFigures fills a count's worst latency and pending pods and its
// mean cpu share over the seeds.
func pointFigures(pt *reports.PlanPoint, ss []*sim.Summary) {
	for _, s := range ss {
		pt.LatencyP99 = max(pt.LatencyP99, s.Scheduling.Latency.P99)
		pt.Pending = max(pt.Pending, s.Pods.Pending)
		pt.CPU += s.Utilisation.CPU / float64(len(ss))
	}
}

// margins are each threshold's worst value over the seeds and its
// distance from the bound on the passing side.
func margins(ss []*sim.Summary) []reports.PlanMargin {
	if len(ss) == 0 {
		return nil
	}
	var out []reports.PlanMargin
	for i, t := range ss[0].Thresholds {
		m := reports.PlanMargin{Threshold: t.Threshold, Value: t.Value}
		op, bound, ok := thresholdBound(t.Threshold)
		for _, s := range ss[1:] {
			m.Value = worse(op, m.Value, s.Thresholds[i].Value)
		}
		var d float64
		switch {
		case ok && (op == "<" || op == "<="):
			d = bound - m.Value
			m.Margin = &d
		case ok && (op == ">" || op == ">="):
			d = m.Value - bound
			m.Margin = &d
		}
		out = append(out, m)
	}
	return out
}

// thresholdBound reads the operator and bound back from a threshold's
// text ("METRIC OP NUMBER", as sim.CheckThresholds writes it).
func thresholdBound(expr string) (op string, bound float64, ok bool) {
	var metric string
	if n, err := fmt.Sscanf(expr, "%s %s %g", &metric, &op, &bound); err != nil || n != 3 {
		return "", 0, false
	}
	return op, bound, true
}

// worse is the value of a and b nearer to failing the operator's bound.
func worse(op string, a, b float64) float64 {
	switch op {
	case "<", "<=":
		return max(a, b)
	case ">", ">=":
		return min(a, b)
	}
	return a
}
