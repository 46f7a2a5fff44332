package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/bench"
)

// benchOptions are the flags of `kubetwin bench scheduler`.
type benchOptions struct {
	caseName    string
	nodes       int
	initPods    int
	pods        int
	seed        uint64
	jsonOut     bool
	pluginTimes bool
	schedConfig string
}

// newBenchCommand groups the benchmarks, so throughput cases run from the one binary.
func newBenchCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Run benchmarks: scheduler throughput, API server load"}
	cmd.AddCommand(newBenchSchedulerCommand(), newBenchAPIServerCommand())
	return cmd
}

// newBenchSchedulerCommand runs one scheduler throughput case in process.
func newBenchSchedulerCommand() *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Measure scheduling throughput (pods bound per second) for one case",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	f := cmd.Flags()
	f.StringVar(&o.caseName, "case", "SchedulingBasic", "case to run: "+caseNames())
	f.IntVar(&o.nodes, "nodes", 0, "number of nodes (0: the case's default)")
	f.IntVar(&o.initPods, "init-pods", 0, "pods placed before measuring (0: the case's default, -1: none)")
	f.IntVar(&o.pods, "pods", 0, "measured pods (0: the case's default)")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the scheduler's tie-breaking")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object instead of a summary")
	f.BoolVar(&o.pluginTimes, "plugin-times", false, "time plugins in 10% of cycles and report them (slower)")
	f.StringVar(&o.schedConfig, "scheduler-config", "", "profiles file (profiles: [...]); a default-scheduler profile applies to the case's pods")
	return cmd
}

// caseNames lists the cases for the --case help.
func caseNames() string {
	s := ""
	for i, c := range bench.Cases() {
		if i > 0 {
			s += ", "
		}
		s += c.Name
	}
	return s
}

// run plays the case and prints its result; a result is printed even when
// measured pods were left pending, before the error.
func (o *benchOptions) run(ctx context.Context, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := bench.Lookup(o.caseName)
	if err != nil {
		return err
	}
	sc, err := loadSchedulerConfig(o.schedConfig)
	if err != nil {
		return err
	}
	cfg := bench.Config{Nodes: o.nodes, InitPods: o.initPods, MeasuredPods: o.pods, Seed: o.seed,
		PluginTimes: o.pluginTimes, Profiles: sc.profiles, Plugins: sc.plugins}
	res, runErr := bench.Run(ctx, c, cfg)
	if res == nil {
		return runErr
	}
	if o.jsonOut {
		enc := json.NewEncoder(out)
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return runErr
	}
	printSummary(out, res)
	return runErr
}

// printSummary writes a result for people.
func printSummary(out io.Writer, r *bench.Result) {
	fmt.Fprintf(out, "case %s: %d nodes, %d init pods, %d measured pods, %d bound in %d attempts onto %d nodes, %.2fs\n",
		r.Case, r.Nodes, r.InitPods, r.Pods, r.Bound, r.Attempts, r.NodesUsed, r.DurationSecond)
	t := r.Throughput
	fmt.Fprintf(out, "throughput (pods/s): average %.1f  p50 %.1f  p90 %.1f  p99 %.1f\n", t.Average, t.P50, t.P90, t.P99)
	fmt.Fprintf(out, "peak heap in use: %.1f MiB\n", float64(r.PeakHeapBytes)/(1<<20))
	if len(r.PluginTimes) == 0 {
		return
	}
	fmt.Fprintf(out, "plugin time over the %d%% sampled cycles:\n", r.PluginSamplePercent)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PLUGIN\tPOINT\tCALLS\tSECONDS")
	for _, p := range r.PluginTimes {
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%.4f\n", p.Plugin, p.ExtensionPoint, p.Calls, p.Seconds)
	}
	tw.Flush()
}
