package main

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// errRunFailed is returned when a run finished but missed a threshold or
// broke an invariant, so the exit status says so.
var errRunFailed = errors.New("run failed its checks")

func newSimCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "sim", Short: "Run scenarios on the discrete-event simulator"}
	cmd.AddCommand(newSimRunCommand(), newSimSweepCommand(), newSimScenariosCommand())
	return cmd
}

// simOptions are the flags of `kubetwin sim run`.
type simOptions struct {
	scenario   string
	seed       uint64
	seedSet    bool
	sets       []string
	out        string
	keepGoing  bool
	noProgress bool
	cpuProfile string
	memProfile string
}

func newSimRunCommand() *cobra.Command {
	var o simOptions
	cmd := &cobra.Command{
		Use:   "run SCENARIO --out DIR [--seed N] [--set key=value ...]",
		Short: "Run a scenario (a file, or the name of an embedded one) and write its results to DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenario = args[0]
			o.seedSet = cmd.Flags().Changed("seed")
			return runSim(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().Uint64Var(&o.seed, "seed", 0, "seed of every random stream (default: the scenario's)")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "override a param or a field: key=value (repeatable)")
	cmd.Flags().StringVar(&o.out, "out", "", "directory for summary.json, pods.csv and the trace")
	cmd.Flags().BoolVar(&o.keepGoing, "keep-going", false, "run on after an invariant violation")
	cmd.Flags().BoolVar(&o.noProgress, "no-progress", false, "print no progress on stderr")
	cmd.Flags().StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the run to this file")
	cmd.Flags().StringVar(&o.memProfile, "memprofile", "", "write a Go heap profile at the end of the run to this file")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newSimScenariosCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the embedded scenarios",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range scenarios.Embedded() {
				sc, err := scenarios.Open(name, nil)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%-22s %s\n", name, sc.Description)
			}
			return nil
		},
	}
}

// runSim loads the scenario, runs it with its trace streamed to DIR, writes
// the results and reports; a missed threshold or a broken invariant is an
// error after the results are written.
func runSim(ctx context.Context, o simOptions, out, errOut io.Writer) error {
	sc, err := scenarios.Open(o.scenario, o.sets)
	if err != nil {
		return err
	}
	if !o.seedSet {
		o.seed = sc.Seed
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	stop, err := startCPUProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	res, err := runWithTrace(ctx, sc, o, errOut)
	stop()
	if err != nil {
		return err
	}
	if err := writeHeapProfile(o.memProfile); err != nil {
		return err
	}
	return writeResults(res, o.out, reproduceCommand(o), out, errOut)
}

// writeResults writes a run's files and report into dir, prints its
// figures, and returns errRunFailed when it missed a check; reproduce is
// the command that replays it ("" for a run that cannot be replayed).
func writeResults(res *sim.Result, dir, reproduce string, out, errOut io.Writer) error {
	if err := sim.WriteFiles(dir, res); err != nil {
		return err
	}
	printSimSummary(out, res.Summary, dir)
	html, err := reports.Build(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "report: %s\n", html)
	return verdict(res.Summary, reproduce, errOut)
}

// runWithTrace runs the simulation with the trace written to DIR/trace.csv.gz.
func runWithTrace(ctx context.Context, sc *scenarios.Scenario, o simOptions, errOut io.Writer) (*sim.Result, error) {
	f, err := os.Create(filepath.Join(o.out, sim.TraceFile))
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	bar := newProgressBar(errOut, o.noProgress)
	res, err := sim.Run(ctx, sc, sim.Options{Seed: o.seed, Plugins: outOfTreePlugins(), Trace: zw,
		Stopwatch: stopwatch, Progress: bar.update, KeepGoing: o.keepGoing})
	bar.done()
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("sim: trace: %w", err)
	}
	return res, f.Close()
}

// startCPUProfile profiles the process into path until the returned
// function is called; an empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// writeHeapProfile writes the live heap to path; an empty path writes nothing.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// stopwatch measures wall time for the simulator, which never reads it itself.
func stopwatch() func() time.Duration {
	start := time.Now()
	return func() time.Duration { return time.Since(start) }
}

// verdict turns missed thresholds and violations into an error, printing
// the command that reproduces a violation.
func verdict(s sim.Summary, reproduce string, errOut io.Writer) error {
	for _, t := range s.Thresholds {
		if !t.OK {
			fmt.Fprintf(errOut, "threshold missed: %s (%s)\n", t.Threshold, t.Reason)
		}
	}
	for _, v := range s.ViolationList {
		fmt.Fprintf(errOut, "invariant %s broken at %.3fs: %s\n", v.Invariant, v.AtSeconds, v.Message)
	}
	if s.Violations > 0 && reproduce != "" {
		fmt.Fprintf(errOut, "reproduce with: %s\n", reproduce)
	}
	if !s.Passed() {
		return errRunFailed
	}
	return nil
}

// reproduceCommand is the command line that replays the same run.
func reproduceCommand(o simOptions) string {
	args := []string{"kubetwin", "sim", "run", shellQuote(o.scenario), "--seed", fmt.Sprint(o.seed)}
	for _, s := range o.sets {
		args = append(args, "--set", shellQuote(s))
	}
	return strings.Join(append(args, "--out", shellQuote(o.out)), " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
