package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/real/agent"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/podnet"
)

// agentOptions are the flags of `kubetwin agent`.
type agentOptions struct {
	server, kubeconfig, nodeName string
	socket, namespace            string
	podCIDR, bridge              string
	dataDir, images, address     string
	statusPort                   int
	leaseDuration                time.Duration
	capacity, labels             map[string]string
	taints                       []string
}

func newAgentCommand() *cobra.Command {
	var o agentOptions
	cmd := &cobra.Command{
		Use:   "agent --kubeconfig FILE --node-name NAME --pod-cidr CIDR",
		Short: "Run a node agent: register a Node and run its pods with containerd",
		Long: "agent registers a Node with this machine's capacity (or --capacity), its --labels and\n" +
			"--register-with-taints, renews its Lease, and runs the pods bound to it through\n" +
			"containerd (its own containerd namespace), each in\n" +
			"a network namespace on the node's bridge with an address from --pod-cidr. Its status\n" +
			"server (/healthz, /pods, /metrics, container logs) listens on --address:--status-port.\n" +
			"It stops on SIGINT or SIGTERM and leaves its pods running, as the kubelet does.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runAgent(ctx, o, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.server, "server", "", "API server URL (default: the kubeconfig's)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig to reach the API server with (required)")
	f.StringVar(&o.nodeName, "node-name", "", "the Node's name (required)")
	f.StringVar(&o.socket, "containerd-socket", containers.DefaultSocket, "containerd's socket")
	f.StringVar(&o.namespace, "containerd-namespace", "", "containerd namespace (default kubetwin-NODE)")
	f.StringVar(&o.podCIDR, "pod-cidr", "", "this node's pod CIDR, such as 10.244.1.0/24 (required)")
	f.StringVar(&o.bridge, "bridge", "", "the node's bridge, at most 15 characters (default kt-NODE, shortened)")
	f.StringVar(&o.dataDir, "data-dir", "", "pod logs, volumes and address allocations (default /var/lib/kubetwin/NODE)")
	f.StringVar(&o.images, "images", "", "directory of image tarballs (*.tar) to import at start")
	f.StringVar(&o.address, "address", "127.0.0.1", "the Node's InternalIP, where the status server listens")
	f.IntVar(&o.statusPort, "status-port", 10250, "the status server's port")
	f.DurationVar(&o.leaseDuration, "node-lease-duration", agent.DefaultLeaseDuration,
		"the Node's Lease duration, renewed every quarter of it; keep it at or below the server's --node-monitor-grace-period")
	f.StringToStringVar(&o.capacity, "capacity", nil, "capacity instead of the machine's, such as cpu=4,memory=8Gi,pods=50")
	f.StringToStringVar(&o.labels, "labels", nil, "extra Node labels, such as topology.kubernetes.io/zone=a")
	f.StringSliceVar(&o.taints, "register-with-taints", nil,
		"taints the Node registers with, key=value:Effect or key:Effect (NoSchedule, PreferNoSchedule, NoExecute), repeatable")
	for _, name := range []string{"kubeconfig", "node-name", "pod-cidr"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// runAgent connects to the API server and containerd, prepares the pod
// network and serves status until ctx ends.
func runAgent(ctx context.Context, o agentOptions, logTo io.Writer) error {
	cfg, err := o.agentConfig()
	if err != nil {
		return err
	}
	if cfg.Client, err = openClient(o.kubeconfig, o.server); err != nil {
		return err
	}
	rt, err := containers.Connect(o.socket, o.namespace)
	if err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	defer rt.Close()
	if o.images != "" {
		if _, err := rt.ImportDir(ctx, o.images); err != nil {
			return fmt.Errorf("agent: import images: %w", err)
		}
	}
	cfg.Runtime = rt
	cidr, _ := netip.ParsePrefix(o.podCIDR) // checked by agentConfig
	if cfg.Network, err = podnet.New(podnet.Config{Bridge: o.bridge, CIDR: cidr, StateDir: filepath.Join(o.dataDir, "net")}); err != nil {
		return fmt.Errorf("agent: %w", err)
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	cfg.Metrics = metrics
	cfg.Logf = func(format string, args ...any) {
		fmt.Fprintf(logTo, "agent %s: "+format+"\n", append([]any{o.nodeName}, args...)...)
	}
	a, err := agent.New(cfg)
	if err != nil {
		return err
	}
	return serveAgent(ctx, a, metrics, net.JoinHostPort(o.address, strconv.Itoa(o.statusPort)), logTo)
}

// serveAgent runs the agent and its status server until ctx ends.
func serveAgent(ctx context.Context, a *agent.Agent, metrics *prometheus.Registry, addr string, logTo io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("agent: status server: %w", err)
	}
	srv := &http.Server{Handler: a.Handler(metrics), ReadHeaderTimeout: readHeaderLimit}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	fmt.Fprintf(logTo, "kubetwin agent: status on http://%s\n", ln.Addr())
	if err := a.Run(ctx); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// agentConfig checks the flags and fills in defaults.
func (o *agentOptions) agentConfig() (agent.Config, error) {
	if _, err := netip.ParsePrefix(o.podCIDR); err != nil {
		return agent.Config{}, fmt.Errorf("agent: --pod-cidr %q: %w", o.podCIDR, err)
	}
	if o.namespace == "" {
		o.namespace = "kubetwin-" + o.nodeName
	}
	if o.bridge == "" {
		o.bridge = defaultBridge(o.nodeName)
	}
	if o.dataDir == "" {
		o.dataDir = filepath.Join("/var/lib/kubetwin", o.nodeName)
	}
	capacity, err := parseCapacity(o.capacity)
	if err != nil {
		return agent.Config{}, fmt.Errorf("agent: --%w", err)
	}
	taints, err := agent.ParseTaints(o.taints)
	if err != nil {
		return agent.Config{}, fmt.Errorf("agent: --register-with-taints: %w", err)
	}
	if err := os.MkdirAll(o.dataDir, 0o755); err != nil {
		return agent.Config{}, fmt.Errorf("agent: data dir: %w", err)
	}
	return agent.Config{NodeName: o.nodeName, DataDir: o.dataDir, Capacity: capacity, Labels: o.labels, Taints: taints,
		PodCIDR: o.podCIDR, Address: o.address, StatusPort: int32(o.statusPort), LeaseDuration: o.leaseDuration}, nil
}

// defaultBridge derives a bridge name from the node's that fits the
// kernel's 15 characters; a long name is shortened with a hash so that
// node-10 and node-11 still differ.
func defaultBridge(node string) string {
	name := "kt-" + node
	if len(name) <= 15 && !strings.ContainsAny(name, "/ ") {
		return name
	}
	sum := sha256.Sum256([]byte(node))
	return "kt-" + hex.EncodeToString(sum[:6])
}

// parseCapacity reads NAME=QUANTITY pairs.
func parseCapacity(kv map[string]string) (api.ResourceList, error) {
	if len(kv) == 0 {
		return nil, nil
	}
	out := api.ResourceList{}
	for name, s := range kv {
		q, err := resource.ParseQuantity(s)
		if err != nil {
			return nil, fmt.Errorf("capacity %s=%s: %w", name, s, err)
		}
		out[api.ResourceName(name)] = q
	}
	return out, nil
}

// openClient reads a kubeconfig, with server overriding its URL when set.
func openClient(kubeconfig, server string) (*client.Client, error) {
	cfg, err := client.LoadKubeconfig(kubeconfig)
	if err != nil {
		return nil, err
	}
	if server != "" {
		cfg.Server = server
	}
	return client.New(cfg)
}
