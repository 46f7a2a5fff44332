package main

import (
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/real/cluster"
)

// newRealCommand groups the local real-mode cluster's verbs.
func newRealCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "real", Short: "Run a real cluster on this machine: containerd, pod networks, Services"}
	cmd.AddCommand(newRealUpCommand(), newRealDownCommand(), newRealNodeCommand(), newRealRunCommand())
	return cmd
}

func newRealUpCommand() *cobra.Command {
	var o cluster.Options
	var podCIDR string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "up --nodes N --data-dir DIR",
		Short: "Start the control plane, N node agents and the Service proxy in the background",
		Long: "up starts containerd if none runs (its state under DIR/containerd), the API server with\n" +
			"its scheduler and controllers, N agents (each with its own containerd namespace, bridge and\n" +
			"pod CIDR) and the Service proxy, waits for every node to be Ready, and writes DIR/kubeconfig.\n" +
			"Logs are in DIR/logs. `kubetwin real down --data-dir DIR` undoes it all. Needs root.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if podCIDR != "" {
				p, err := netip.ParsePrefix(podCIDR)
				if err != nil {
					return fmt.Errorf("real up: --pod-cidr: %w", err)
				}
				o.PodCIDR = p
			}
			o.Timeout = timeout
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			s, err := cluster.Up(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "kubetwin real: %d nodes Ready; server %s\nexport KUBECONFIG=%s\n",
				len(s.Nodes), s.Server, s.Kubeconfig)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dir, "data-dir", "", "directory for the cluster's state, logs and kubeconfig (required)")
	f.IntVar(&o.Nodes, "nodes", 1, "number of node agents")
	f.StringVar(&podCIDR, "pod-cidr", "10.244.0.0/16", "range split into one /24 per node")
	f.StringVar(&o.ServiceCIDR, "service-cidr", "10.96.0.0/16", "range Service cluster IPs come from")
	f.StringVar(&o.ContainerdSocket, "containerd-socket", "", "containerd to use (default: the system's if it runs, else one started under DIR)")
	f.StringVar(&o.Images, "images", "", "directory of image tarballs (*.tar) every agent imports, such as bin/ after make workload-image")
	f.StringToStringVar(&o.Capacity, "capacity", nil, "every node's capacity instead of the machine's, such as cpu=2,memory=4Gi")
	f.StringSliceVar(&o.ServerArgs, "server-arg", nil, "extra flag for kubetwin server, repeatable")
	f.StringVar(&o.ProxyMode, "proxy-mode", "userspace", "the Service proxy's mode: userspace or nftables")
	f.DurationVar(&timeout, "timeout", 2*time.Minute, "how long to wait for every node to be Ready")
	f.DurationVar(&o.NodeGracePeriod, "node-grace-period", 0,
		"how long an agent may be silent before its node is NotReady and its pods are evicted (default 40s)")
	_ = cmd.MarkFlagRequired("data-dir")
	return cmd
}

func newRealDownCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "down --data-dir DIR",
		Short: "Stop the cluster of DIR and remove every container, network and address it made",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cluster.Down(cmd.Context(), dir); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "kubetwin real: down; logs stay in %s/logs\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data-dir", "", "the directory given to real up (required)")
	_ = cmd.MarkFlagRequired("data-dir")
	return cmd
}

// newRealNodeCommand stops and starts one node's agent, to inject node
// faults by hand as a scenario's timeline does.
func newRealNodeCommand() *cobra.Command {
	var dir string
	var crash bool
	cmd := &cobra.Command{Use: "node", Short: "Stop or start one node of the cluster of DIR, as a fault"}
	stop := &cobra.Command{
		Use:   "stop NAME --data-dir DIR [--crash]",
		Short: "Kill a node's agent at once (a partition); with --crash also kill its pods (a power loss)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return onRecord(dir, func(s *cluster.State) error { return s.StopNode(cmd.Context(), args[0], crash) })
		},
	}
	stop.Flags().BoolVar(&crash, "crash", false, "also kill every container of the node, as a power loss would")
	start := &cobra.Command{
		Use:   "start NAME --data-dir DIR",
		Short: "Run a stopped node's agent again with the flags it first ran with",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return onRecord(dir, func(s *cluster.State) error { return s.StartNode(cmd.Context(), args[0]) })
		},
	}
	for _, c := range []*cobra.Command{stop, start} {
		c.Flags().StringVar(&dir, "data-dir", "", "the directory given to real up (required)")
		_ = c.MarkFlagRequired("data-dir")
	}
	cmd.AddCommand(stop, start)
	return cmd
}

// onRecord loads the cluster record of dir and applies f to it.
func onRecord(dir string, f func(*cluster.State) error) error {
	s, err := cluster.Load(dir)
	if err != nil {
		return err
	}
	return f(s)
}
