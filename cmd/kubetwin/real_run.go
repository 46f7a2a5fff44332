package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/real/agent"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/live"
	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// maxRealRunNodes bounds a real run's cluster: every node is an agent
// process, a bridge and a /24 on this one machine.
const maxRealRunNodes = 50

// realRunOptions are the flags of `kubetwin real run`.
type realRunOptions struct {
	scenario   string
	seed       uint64
	seedSet    bool
	sets       []string
	out        string
	dataDir    string
	keep       bool
	image      string
	images     string
	proxyMode  string
	podCIDR    string
	svcCIDR    string
	timeout    time.Duration
	keepGoing  bool
	noProgress bool
}

func newRealRunCommand() *cobra.Command {
	var o realRunOptions
	cmd := &cobra.Command{
		Use:   "run SCENARIO --out DIR [--image IMAGE] [--images DIR]",
		Short: "Run a scenario on a real cluster started for it, and write its results to DIR",
		Long: "run starts a real cluster shaped like the scenario's node pools (one agent per node, named,\n" +
			"labelled, tainted and sized as the pools say), plays the scenario on it in wall-clock time\n" +
			"(arrivals, timeline actions; node crashes kill an agent and its containers, partitions kill\n" +
			"only the agent, and recovery restarts it), writes the same summary.json, pods.csv, nodes.csv,\n" +
			"timeseries.csv and report as `sim run`, and takes the cluster down. Needs root.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenario = args[0]
			o.seedSet = cmd.Flags().Changed("seed")
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runReal(ctx, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.Uint64Var(&o.seed, "seed", 0, "seed of the arrivals' and faults' random draws (default: the scenario's)")
	f.StringArrayVar(&o.sets, "set", nil, "override a param or a field: key=value (repeatable)")
	f.StringVar(&o.out, "out", "", "directory for summary.json, pods.csv and the report (required)")
	f.StringVar(&o.dataDir, "data-dir", "", "directory for the cluster (default: a temporary one, removed after)")
	f.BoolVar(&o.keep, "keep", false, "leave the cluster running after the run (take it down with real down)")
	f.StringVar(&o.image, "image", "", "run every container on this image instead of the manifests' (such as kubetwin.local/workload:v1)")
	f.StringVar(&o.images, "images", "", "directory of image tarballs (*.tar) every agent imports, such as bin/")
	f.StringVar(&o.proxyMode, "proxy-mode", "userspace", "the Service proxy's mode: userspace or nftables")
	f.StringVar(&o.podCIDR, "pod-cidr", "10.244.0.0/16", "range split into one /24 per node")
	f.StringVar(&o.svcCIDR, "service-cidr", "10.96.0.0/16", "range Service cluster IPs come from")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for every node to be Ready")
	f.BoolVar(&o.keepGoing, "keep-going", false, "run on after an invariant violation")
	f.BoolVar(&o.noProgress, "no-progress", false, "print no progress on stderr")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

// runReal loads and checks the scenario, starts its cluster, plays it and
// writes the results; the cluster comes down even when the run fails.
func runReal(ctx context.Context, o realRunOptions, out, errOut io.Writer) (err error) {
	sc, err := loadRealScenario(o)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return fmt.Errorf("real run: %w", err)
	}
	st, cleanup, err := upForScenario(ctx, sc, o, out)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	res, err := playLive(ctx, sc, st, o, errOut)
	if err != nil {
		return err
	}
	if err := sim.WriteFiles(o.out, res); err != nil {
		return err
	}
	printSimSummary(out, res.Summary, o.out)
	html, err := reports.Build(o.out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "report: %s\n", html)
	return verdict(res.Summary, "", errOut)
}

// loadRealScenario opens the scenario and refuses what real nodes cannot do.
func loadRealScenario(o realRunOptions) (*scenarios.Scenario, error) {
	sc, err := scenarios.Open(o.scenario, o.sets)
	if err != nil {
		return nil, err
	}
	if err := live.CheckRealFaults(sc); err != nil {
		return nil, fmt.Errorf("real run: %w", err)
	}
	n := len(sim.PoolNodes(sc.Cluster.Pools))
	if n == 0 || n > maxRealRunNodes {
		return nil, fmt.Errorf("real run: the scenario has %d nodes; a real run takes 1 to %d (set the pools' counts with --set)",
			n, maxRealRunNodes)
	}
	if o.image != "" {
		live.SubstituteImage(sc, o.image)
	}
	return sc, nil
}

// upForScenario starts the scenario's cluster in the data directory (a
// temporary one by default) and returns how to take it down again.
func upForScenario(ctx context.Context, sc *scenarios.Scenario, o realRunOptions, out io.Writer) (*cluster.State, func() error, error) {
	dir, temporary := o.dataDir, o.dataDir == ""
	if temporary {
		d, err := os.MkdirTemp("", "kubetwin-real-run-")
		if err != nil {
			return nil, nil, fmt.Errorf("real run: %w", err)
		}
		dir = d
	}
	removeDir := func() error {
		if temporary && !o.keep {
			return os.RemoveAll(dir)
		}
		return nil
	}
	opts, err := clusterOptions(sc, o, dir)
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

// clusterOptions shapes the cluster after the scenario: its nodes, their
// lease timing and the scheduler's profiles.
func clusterOptions(sc *scenarios.Scenario, o realRunOptions, dir string) (cluster.Options, error) {
	pods, err := netip.ParsePrefix(o.podCIDR)
	if err != nil {
		return cluster.Options{}, fmt.Errorf("real run: --pod-cidr: %w", err)
	}
	opts := cluster.Options{Dir: dir, NodeConfigs: nodeConfigs(sc), Images: o.images, ProxyMode: o.proxyMode,
		PodCIDR: pods, ServiceCIDR: o.svcCIDR, Timeout: o.timeout, NodeGracePeriod: sc.Cluster.NodeMonitorGracePeriod}
	if len(sc.Scheduler.Profiles) > 0 {
		path, err := writeProfiles(dir, sc.Scheduler.Profiles)
		if err != nil {
			return opts, err
		}
		opts.ServerArgs = append(opts.ServerArgs, "--scheduler-config", path)
	}
	return opts, nil
}

// nodeConfigs names and describes each node as the simulator does: the
// pool's capacity, labels and taints, its zone and pool labels.
func nodeConfigs(sc *scenarios.Scenario) []cluster.NodeConfig {
	pools := map[string]scenarios.Pool{}
	for _, p := range sc.Cluster.Pools {
		pools[p.Name] = p
	}
	var out []cluster.NodeConfig
	for _, ref := range sim.PoolNodes(sc.Cluster.Pools) {
		p := pools[ref.Pool]
		c := cluster.NodeConfig{Name: ref.Name, Capacity: map[string]string{},
			Labels: map[string]string{sim.LabelPool: ref.Pool}}
		for name, q := range p.Capacity {
			c.Capacity[string(name)] = q.String()
		}
		for k, v := range p.Labels {
			c.Labels[k] = v
		}
		if ref.Zone != "" {
			c.Labels[sim.LabelZone] = ref.Zone
		}
		for _, t := range p.Taints {
			c.Taints = append(c.Taints, agent.FormatTaint(t))
		}
		out = append(out, c)
	}
	return out
}

// writeProfiles writes the scenario's scheduler profiles where the
// server's --scheduler-config reads them (JSON is YAML).
func writeProfiles(dir string, profiles []framework.Profile) (string, error) {
	b, err := json.MarshalIndent(framework.Config{Profiles: profiles}, "", "  ")
	if err != nil {
		return "", fmt.Errorf("real run: scheduler profiles: %w", err)
	}
	path := filepath.Join(dir, "scheduler-profiles.json")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("real run: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("real run: %w", err)
	}
	return path, nil
}

// playLive plays the scenario on the cluster with its trace written to
// DIR/trace.csv.gz.
func playLive(ctx context.Context, sc *scenarios.Scenario, st *cluster.State, o realRunOptions, errOut io.Writer) (*sim.Result, error) {
	c, err := client.FromKubeconfig(st.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("real run: %w", err)
	}
	defer c.Close()
	f, err := os.Create(filepath.Join(o.out, sim.TraceFile))
	if err != nil {
		return nil, fmt.Errorf("real run: %w", err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	seed := sc.Seed
	if o.seedSet {
		seed = o.seed
	}
	bar := newProgressBar(errOut, o.noProgress)
	res, err := live.Run(ctx, sc, live.Config{Mode: "real", Client: c, Nodes: live.NewAgentNodes(ctx, st),
		Options: sim.Options{Seed: seed, Trace: zw, Progress: bar.update, KeepGoing: o.keepGoing}})
	bar.done()
	if err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("real run: trace: %w", err)
	}
	return res, f.Close()
}
