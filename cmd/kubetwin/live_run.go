package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/live"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// liveRunOptions are the flags `real run` and `emulate run` share.
type liveRunOptions struct {
	scenario   string
	seed       uint64
	seedSet    bool
	sets       []string
	out        string
	dataDir    string
	keep       bool
	keepGoing  bool
	noProgress bool
}

func (o *liveRunOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.Uint64Var(&o.seed, "seed", 0, "seed of the arrivals' and faults' random draws (default: the scenario's)")
	f.StringArrayVar(&o.sets, "set", nil, "override a param or a field: key=value (repeatable)")
	f.StringVar(&o.out, "out", "", "directory for summary.json, pods.csv and the report (required)")
	f.StringVar(&o.dataDir, "data-dir", "", "directory for the cluster (default: a temporary one, removed after)")
	f.BoolVar(&o.keep, "keep", false, "leave the cluster running after the run (take it down with real down)")
	f.BoolVar(&o.keepGoing, "keep-going", false, "run on after an invariant violation")
	f.BoolVar(&o.noProgress, "no-progress", false, "print no progress on stderr")
	_ = cmd.MarkFlagRequired("out")
}

// liveTarget is what differs between the modes that play a scenario on a
// live control plane: how the cluster is started, and its nodes.
type liveTarget struct {
	mode string // real or emulate
	// options shapes the cluster started for the scenario in dir.
	options func(sc *scenarios.Scenario, dir string) (cluster.Options, error)
	// nodes are the run's nodes; st is nil for a control plane not
	// started by the run.
	nodes func(ctx context.Context, sc *scenarios.Scenario, st *cluster.State, c *client.Client) live.NodeSet
}

// runLive starts the scenario's cluster (unless kubeconfig names one),
// plays the scenario on it, writes the results and report, and takes the
// cluster down even when the run fails.
func runLive(ctx context.Context, sc *scenarios.Scenario, o liveRunOptions, t liveTarget, kubeconfig string, out, errOut io.Writer) (err error) {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("%s run: %w", t.mode, err)
	}
	var st *cluster.State
	if kubeconfig == "" {
		var cleanup func() error
		st, cleanup, err = upForScenario(ctx, sc, o, t, out)
		if err != nil {
			return err
		}
		defer func() { err = errors.Join(err, cleanup()) }()
		kubeconfig = st.Kubeconfig
	}
	c, err := client.FromKubeconfig(kubeconfig)
	if err != nil {
		return fmt.Errorf("%s run: %w", t.mode, err)
	}
	defer c.Close()
	res, err := playLive(ctx, sc, o, t, t.nodes(ctx, sc, st, c), c, errOut)
	if err != nil {
		return err
	}
	return writeResults(res, o.out, "", out, errOut) // a wall-clock run is not replayed
}

// upForScenario starts the scenario's cluster in the data directory (a
// temporary one by default) and returns how to take it down again.
func upForScenario(ctx context.Context, sc *scenarios.Scenario, o liveRunOptions, t liveTarget, out io.Writer) (*cluster.State, func() error, error) {
	dir, temporary := o.dataDir, o.dataDir == ""
	if temporary {
		d, err := os.MkdirTemp("", "kubetwin-"+t.mode+"-run-")
		if err != nil {
			return nil, nil, fmt.Errorf("%s run: %w", t.mode, err)
		}
		dir = d
	}
	removeDir := func() error {
		if temporary && !o.keep {
			return os.RemoveAll(dir)
		}
		return nil
	}
	opts, err := t.options(sc, dir)
	if err != nil {
		return nil, nil, errors.Join(err, removeDir())
	}
	st, err := cluster.Up(ctx, opts) // a failed Up takes down what it started
	if err != nil {
		return nil, nil, errors.Join(err, removeDir())
	}
	cleanup := func() error {
		if o.keep {
			fmt.Fprintf(out, "cluster kept: export KUBECONFIG=%s; kubetwin real down --data-dir %s\n", st.Kubeconfig, dir)
			return nil
		}
		if err := cluster.Down(context.Background(), dir); err != nil {
			return err
		}
		return removeDir()
	}
	return st, cleanup, nil
}

// controlPlaneArgs are the server flags a scenario asks for: its
// scheduler profiles, written where --scheduler-config reads them.
func controlPlaneArgs(sc *scenarios.Scenario, dir string) ([]string, error) {
	if len(sc.Scheduler.Profiles) == 0 {
		return nil, nil
	}
	path, err := writeProfiles(dir, sc.Scheduler.Profiles)
	if err != nil {
		return nil, err
	}
	return []string{"--scheduler-config", path}, nil
}

// writeProfiles writes scheduler profiles as --scheduler-config reads
// them (JSON is YAML).
func writeProfiles(dir string, profiles []framework.Profile) (string, error) {
	b, err := json.MarshalIndent(framework.Config{Profiles: profiles}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("scheduler profiles: %w", err)
	}
	path := filepath.Join(dir, "scheduler-profiles.json")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("scheduler profiles: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("scheduler profiles: %w", err)
	}
	return path, nil
}

// playLive plays the scenario with its trace written to DIR/trace.csv.gz.
func playLive(ctx context.Context, sc *scenarios.Scenario, o liveRunOptions, t liveTarget, nodes live.NodeSet,
	c *client.Client, errOut io.Writer) (*sim.Result, error) {
	f, err := os.Create(filepath.Join(o.out, sim.TraceFile))
	if err != nil {
		return nil, fmt.Errorf("%s run: %w", t.mode, err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	seed := sc.Seed
	if o.seedSet {
		seed = o.seed
	}
	bar := newProgressBar(errOut, o.noProgress)
	res, err := live.Run(ctx, sc, live.Config{Mode: t.mode, Client: c, Nodes: nodes,
		Options: sim.Options{Seed: seed, Trace: zw, Progress: bar.update, KeepGoing: o.keepGoing}})
	bar.done()
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("%s run: trace: %w", t.mode, err)
	}
	return res, f.Close()
}
