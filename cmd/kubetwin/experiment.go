package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
)

func newExperimentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "experiment",
		Short: "Reproduce published scheduling studies",
	}
	cmd.AddCommand(newFGDExperimentCommand())
	return cmd
}

// fgdOptions are the flags of `kubetwin experiment fgd`.
type fgdOptions struct {
	traces   []string
	nodes    string
	policies string
	seeds    string
	tune     float64
	out      string
	paper    string
	parallel int
}

// Names of the files the experiment writes, as the study's analysis names them.
const (
	fgdAllocFile = "analysis_allo_discrete.csv"
	fgdFragFile  = "analysis_frag_ratio_discrete.csv"
	fgdRunsFile  = "experiments.csv"
)

func newFGDExperimentCommand() *cobra.Command {
	o := fgdOptions{parallel: runtime.NumCPU()}
	cmd := &cobra.Command{
		Use:   "fgd --trace FILE [--trace FILE ...] [--policy all] [--seeds 42-51] --out DIR",
		Short: "Reproduce the GPU-sharing study (Weng, Yang et al., USENIX ATC '23) on an openb trace",
		Long: "For every trace, policy and seed: the trace's tasks are shuffled with the seed and inflated\n" +
			"to --tune × the cluster's GPU capacity, as the authors' simulator does (task for task), and\n" +
			"arrive one by one at the GPU nodes of --nodes through kubetwin's scheduler, with the policy\n" +
			"as the GPUShare plugin's score, the only one; a task that fits nowhere fails and is not\n" +
			"retried. DIR gets the allocation and fragmentation curves in the study's layout\n" +
			"(" + fgdAllocFile + ", " + fgdFragFile + "), " + fgdRunsFile + ", and, when --paper names the\n" +
			"published curves (found beside the trace by default), a report of the differences.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runFGDExperiment(cmd.Context(), o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.traces, "trace", nil, "an openb task list, e.g. openb_pod_list_default.csv (repeatable)")
	f.StringVar(&o.nodes, "nodes", "", "the node list (default: openb_node_list_gpu_node.csv beside the first trace)")
	f.StringVar(&o.policies, "policy", "all", "policies, comma-separated: "+strings.Join(plugins.GPUSharePolicies, ", ")+", or all")
	f.StringVar(&o.seeds, "seeds", "42-51", "seeds: ranges and lists, e.g. 42-51 or 42,45")
	f.Float64Var(&o.tune, "tune", 1.3, "arrivals as a multiple of the cluster's GPU capacity")
	f.StringVar(&o.out, "out", "", "directory for the curves and the report (required)")
	f.StringVar(&o.paper, "paper", "", "published curves to compare with (default: paper-expected/"+fgdAllocFile+" beside the node list, if present)")
	f.IntVar(&o.parallel, "parallel", o.parallel, "experiments at once")
	_ = cmd.MarkFlagRequired("trace")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// fgdInputs are the loaded trace files and settings, checked before any
// experiment runs, so bad input costs no run.
type fgdInputs struct {
	nodes    []scenarios.GPUNode
	traces   []fgdTrace
	policies []string
	seeds    []uint64
	paper    []reports.GPUCurve
}

type fgdTrace struct {
	workload string // file name without .csv, as the study names workloads
	tasks    []scenarios.GPUTask
	typical  []scenarios.TaskClass
}

func loadFGDInputs(o fgdOptions) (*fgdInputs, error) {
	in := &fgdInputs{}
	var err error
	if in.policies, err = parsePolicies(o.policies); err != nil {
		return nil, err
	}
	if in.seeds, err = parseSeeds(o.seeds); err != nil {
		return nil, err
	}
	if o.tune <= 0 || o.tune > 10 {
		return nil, fmt.Errorf("experiment fgd: --tune %v: want a ratio in (0, 10]", o.tune)
	}
	if o.parallel < 1 {
		return nil, fmt.Errorf("experiment fgd: --parallel must be at least 1, have %d", o.parallel)
	}
	nodesPath := o.nodes
	if nodesPath == "" {
		nodesPath = filepath.Join(filepath.Dir(o.traces[0]), "openb_node_list_gpu_node.csv")
	}
	if in.nodes, err = scenarios.LoadGPUNodes(nodesPath); err != nil {
		return nil, fmt.Errorf("experiment fgd: %w", err)
	}
	for _, path := range o.traces {
		tasks, err := scenarios.LoadGPUTasks(path)
		if err != nil {
			return nil, fmt.Errorf("experiment fgd: %w", err)
		}
		in.traces = append(in.traces, fgdTrace{workload: strings.TrimSuffix(filepath.Base(path), ".csv"),
			tasks: tasks, typical: scenarios.TypicalTasks(tasks, 0.95)})
	}
	if in.paper, err = loadPaperCurves(o.paper, nodesPath); err != nil {
		return nil, err
	}
	return in, nil
}

// parsePolicies reads "all" or a comma-separated list of policy names.
func parsePolicies(s string) ([]string, error) {
	if s == "all" {
		return slices.Clone(plugins.GPUSharePolicies), nil
	}
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(plugins.GPUSharePolicies, p) {
			return nil, fmt.Errorf("experiment fgd: --policy %q: unknown policy %q, want %s or all", s, p,
				strings.Join(plugins.GPUSharePolicies, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out, nil
}

// loadPaperCurves reads the published curves: the file named, or the one
// the trace folder keeps beside the node list; none when neither is given.
func loadPaperCurves(path, nodesPath string) ([]reports.GPUCurve, error) {
	if path == "" {
		path = filepath.Join(filepath.Dir(nodesPath), "paper-expected", fgdAllocFile)
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("experiment fgd: --paper: %w", err)
	}
	defer f.Close()
	curves, err := reports.ReadGPUCurves(f, path)
	if err != nil {
		return nil, fmt.Errorf("experiment fgd: --paper: %w", err)
	}
	return curves, nil
}

func runFGDExperiment(ctx context.Context, o fgdOptions, out, errOut io.Writer) error {
	in, err := loadFGDInputs(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("experiment fgd: %w", err)
	}
	runs, err := runFGDJobs(ctx, in, o, errOut)
	if err != nil {
		return err
	}
	if err := writeFGDResults(o.out, runs); err != nil {
		return fmt.Errorf("experiment fgd: %w", err)
	}
	fmt.Fprintf(out, "experiment fgd: %d experiments in %s\n", len(runs), o.out)
	if len(in.paper) == 0 {
		fmt.Fprintln(out, "no published curves to compare with (--paper)")
		return nil
	}
	rep, err := reports.BuildGPUStudyReport(allocCurves(runs), in.paper, o.out, reports.GPUStudyOptions{})
	if err != nil {
		return fmt.Errorf("experiment fgd: report: %w", err)
	}
	printFGDSummary(out, rep)
	fmt.Fprintf(out, "report: %s\n", filepath.Join(o.out, "gpu-study.html"))
	return nil
}
