package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/real/agent"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/live"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// maxRealRunNodes bounds a real run's cluster: every node is an agent
// process, a bridge and a /24 on this one machine.
const maxRealRunNodes = 50

// realRunOptions are the flags of `kubetwin real run`.
type realRunOptions struct {
	liveRunOptions
	image     string
	images    string
	proxyMode string
	podCIDR   string
	svcCIDR   string
	timeout   time.Duration
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
			sc, err := loadRealScenario(o)
			if err != nil {
				return err
			}
			return runLive(ctx, sc, o.liveRunOptions, o.target(), "", cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	o.flags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.image, "image", "", "run every container on this image instead of the manifests' (such as kubetwin.local/workload:v1)")
	f.StringVar(&o.images, "images", "", "directory of image tarballs (*.tar) every agent imports, such as bin/")
	f.StringVar(&o.proxyMode, "proxy-mode", "userspace", "the Service proxy's mode: userspace or nftables")
	f.StringVar(&o.podCIDR, "pod-cidr", "10.244.0.0/16", "range split into one /24 per node")
	f.StringVar(&o.svcCIDR, "service-cidr", "10.96.0.0/16", "range Service cluster IPs come from")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "how long to wait for every node to be Ready")
	return cmd
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

// target is real mode: node agents that run containers, crashed and
// partitioned by stopping them.
func (o realRunOptions) target() liveTarget {
	return liveTarget{mode: "real", options: o.clusterOptions,
		nodes: func(ctx context.Context, _ *scenarios.Scenario, st *cluster.State, _ *client.Client) live.NodeSet {
			return live.NewAgentNodes(ctx, st)
		}}
}

// clusterOptions shapes the cluster after the scenario: its nodes, their
// lease timing and the scheduler's profiles.
func (o realRunOptions) clusterOptions(sc *scenarios.Scenario, dir string) (cluster.Options, error) {
	pods, err := netip.ParsePrefix(o.podCIDR)
	if err != nil {
		return cluster.Options{}, fmt.Errorf("real run: --pod-cidr: %w", err)
	}
	args, err := controlPlaneArgs(sc, dir)
	if err != nil {
		return cluster.Options{}, fmt.Errorf("real run: %w", err)
	}
	return cluster.Options{Dir: dir, NodeConfigs: nodeConfigs(sc), Images: o.images, ProxyMode: o.proxyMode,
		PodCIDR: pods, ServiceCIDR: o.svcCIDR, Timeout: o.timeout, ServerArgs: args,
		NodeGracePeriod: sc.Cluster.NodeMonitorGracePeriod}, nil
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
