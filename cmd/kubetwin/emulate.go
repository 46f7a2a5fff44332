package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/live"
	"github.com/kubetwin/kubetwin/scenarios"
)

// defaultHollowCapacity is a hollow node's capacity unless a pool says otherwise.
const defaultHollowCapacity = "cpu=8,memory=32Gi,pods=110"

// emulateOptions are the flags of `kubetwin emulate`.
type emulateOptions struct {
	kubeconfig string
	nodes      int
	capacity   string
	pools      []string
	zones      []string
	lease      time.Duration
	writers    int
}

func newEmulateCommand() *cobra.Command {
	var o emulateOptions
	cmd := &cobra.Command{
		Use:   "emulate --kubeconfig FILE (--nodes N | --pool NAME:COUNT[:cpu=8,memory=32Gi,pods=110] ...)",
		Short: "Run hollow nodes against a control plane, until interrupted",
		Long: "emulate runs hollow node agents in one process: they register their Nodes, renew their\n" +
			"Leases and take the pods bound to them to Running through the simulator's node model (at once\n" +
			"here; `emulate run` takes a scenario's pod lifecycle), over the real API. They share one watch\n" +
			"per kind and write through a pool of workers. Nodes are named POOL-0, POOL-1, ...",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := o.scenario()
			if err != nil {
				return err
			}
			c, err := client.FromKubeconfig(o.kubeconfig)
			if err != nil {
				return fmt.Errorf("emulate: %w", err)
			}
			defer c.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "kubetwin emulate: %d hollow nodes on %s; interrupt to stop\n",
				countNodes(sc), c.Server())
			return live.Serve(ctx, c, sc, live.NewHollowNodes(sc, c, o.writers))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig of the control plane (required)")
	f.IntVar(&o.nodes, "nodes", 0, "number of hollow nodes, in one pool named hollow")
	f.StringVar(&o.capacity, "capacity", defaultHollowCapacity, "each node's capacity with --nodes")
	f.StringArrayVar(&o.pools, "pool", nil, "a pool NAME:COUNT[:cpu=8,memory=32Gi,pods=110] (repeatable)")
	f.StringSliceVar(&o.zones, "zones", nil, "zones the nodes are spread over, round-robin (topology.kubernetes.io/zone)")
	f.DurationVar(&o.lease, "lease-duration", scenarios.DefaultLeaseDuration, "node lease length; nodes renew every quarter of it")
	f.IntVar(&o.writers, "writers", live.DefaultWriters, "requests the nodes keep in flight")
	_ = cmd.MarkFlagRequired("kubeconfig")
	cmd.AddCommand(newEmulateRunCommand())
	return cmd
}

// scenario is the nodes as a scenario with no workloads: pools, lease
// timing, and pods that start at once.
func (o emulateOptions) scenario() (*scenarios.Scenario, error) {
	specs := o.pools
	if o.nodes > 0 {
		specs = append(specs, "hollow:"+strconv.Itoa(o.nodes)+":"+o.capacity)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("emulate: give --nodes N or at least one --pool")
	}
	sc := &scenarios.Scenario{Name: "emulate", Path: "flags", Seed: 1,
		Cluster: scenarios.Cluster{LeaseDuration: o.lease}}
	for _, s := range specs {
		p, err := parsePool(s, o.zones)
		if err != nil {
			return nil, err
		}
		sc.Cluster.Pools = append(sc.Cluster.Pools, p)
	}
	return sc, nil
}

// parsePool reads NAME:COUNT[:RESOURCE=QUANTITY,...].
func parsePool(s string, zones []string) (scenarios.Pool, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) < 2 || parts[0] == "" {
		return scenarios.Pool{}, fmt.Errorf("emulate: --pool %q: want NAME:COUNT[:cpu=8,memory=32Gi,pods=110]", s)
	}
	n, err := strconv.Atoi(parts[1])
	if err != nil || n < 1 {
		return scenarios.Pool{}, fmt.Errorf("emulate: --pool %q: the count must be a positive number", s)
	}
	capSpec := defaultHollowCapacity
	if len(parts) == 3 {
		capSpec = parts[2]
	}
	capacity, err := capacityOf(capSpec)
	if err != nil {
		return scenarios.Pool{}, fmt.Errorf("emulate: --pool %q: %w", s, err)
	}
	return scenarios.Pool{Name: parts[0], Count: n, Capacity: capacity, Zones: zones}, nil
}

// capacityOf reads cpu=8,memory=32Gi,... into a resource list.
func capacityOf(s string) (api.ResourceList, error) {
	pairs := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("capacity %q: want NAME=QUANTITY", kv)
		}
		pairs[k] = v
	}
	return parseCapacity(pairs)
}

func countNodes(sc *scenarios.Scenario) int {
	n := 0
	for _, p := range sc.Cluster.Pools {
		n += p.Count
	}
	return n
}

// emulateRunOptions are the flags of `kubetwin emulate run`.
type emulateRunOptions struct {
	liveRunOptions
	kubeconfig string
	writers    int
	timeout    time.Duration
}

func newEmulateRunCommand() *cobra.Command {
	var o emulateRunOptions
	cmd := &cobra.Command{
		Use:   "run SCENARIO --out DIR [--kubeconfig FILE]",
		Short: "Run a scenario on the real control plane with hollow nodes, and write its results to DIR",
		Long: "run starts a control plane (the API server on embedded etcd, with its scheduler and\n" +
			"controllers, in a process of its own) on a temporary data directory, or uses --kubeconfig's;\n" +
			"brings up the scenario's pools as hollow nodes, which take pods through the scenario's pod\n" +
			"lifecycle; plays the scenario in wall-clock time; and writes the same summary.json, pods.csv,\n" +
			"nodes.csv, timeseries.csv and report as `sim run`. Needs no root.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.scenario = args[0]
			o.seedSet = cmd.Flags().Changed("seed")
			sc, err := scenarios.Open(o.scenario, o.sets)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runLive(ctx, sc, o.liveRunOptions, o.target(), o.kubeconfig, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "use this control plane instead of starting one")
	f.IntVar(&o.writers, "writers", live.DefaultWriters, "requests the hollow nodes keep in flight")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for the control plane to answer")
	return cmd
}

// target is emulate mode: the control plane alone, and hollow nodes.
func (o emulateRunOptions) target() liveTarget {
	return liveTarget{mode: "emulate",
		options: func(sc *scenarios.Scenario, dir string) (cluster.Options, error) {
			args, err := controlPlaneArgs(sc, dir)
			if err != nil {
				return cluster.Options{}, fmt.Errorf("emulate run: %w", err)
			}
			return cluster.Options{Dir: dir, ControlPlaneOnly: true, ServerArgs: args, Timeout: o.timeout,
				NodeGracePeriod: sc.Cluster.NodeMonitorGracePeriod}, nil
		},
		nodes: func(_ context.Context, sc *scenarios.Scenario, _ *cluster.State, c *client.Client) live.NodeSet {
			return live.NewHollowNodes(sc, c, o.writers)
		}}
}
