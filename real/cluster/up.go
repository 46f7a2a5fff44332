package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/proxy"
)

// Options say what Up starts.
type Options struct {
	Dir string
	// Nodes is how many agents to run, named node-0, node-1, ...; with
	// NodeConfigs it may be 0, and otherwise must be their number.
	Nodes int
	// NodeConfigs, when set, name and describe each node (capacity,
	// labels, taints), as a scenario's node pools do.
	NodeConfigs []NodeConfig
	// Binary is the kubetwin executable to run; default this process's.
	Binary string
	// ContainerdSocket names a running containerd; empty uses the system's
	// if it answers, else starts one under Dir.
	ContainerdSocket string
	// PodCIDR is split into one /24 per node; default 10.244.0.0/16.
	PodCIDR netip.Prefix
	// ServiceCIDR is where ClusterIPs come from; default 10.96.0.0/16.
	ServiceCIDR string
	// Images is a directory of image tarballs every agent imports.
	Images string
	// Capacity, when set, is every node's instead of the machine's
	// (NAME=QUANTITY, as --capacity takes them).
	Capacity map[string]string
	// NodeGracePeriod, when set, is how long a node may go without renewing
	// its Lease before it is NotReady (the server's
	// --node-monitor-grace-period), and the agents' Lease duration, which
	// they renew every quarter of; 0 keeps Kubernetes' 40 s.
	NodeGracePeriod time.Duration
	// ProxyMode is the Service proxy's mode: "userspace" (default) or "nftables".
	ProxyMode string
	// ServerArgs are extra flags for `kubetwin server`.
	ServerArgs []string
	// Timeout bounds the wait for every node to be Ready; default 2 min.
	Timeout time.Duration
	// ControlPlaneOnly starts the API server (with its scheduler and
	// controllers) alone: no containerd, agents or proxy, for nodes that
	// run elsewhere, such as emulate mode's hollow nodes. It needs no root.
	ControlPlaneOnly bool
}

func (o *Options) defaults() error {
	if err := o.defaultNodes(); err != nil {
		return err
	}
	if o.Dir == "" || (o.Nodes < 1 && !o.ControlPlaneOnly) {
		return errors.New("real up: a data directory and at least one node are required")
	}
	if o.Nodes > 250 {
		return fmt.Errorf("real up: %d nodes: at most 250 on one machine", o.Nodes)
	}
	if o.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("real up: find the kubetwin binary: %w", err)
		}
		o.Binary = exe
	}
	if !o.PodCIDR.IsValid() {
		o.PodCIDR = netip.MustParsePrefix("10.244.0.0/16")
	}
	if !o.PodCIDR.Addr().Is4() || o.PodCIDR.Bits() > 24-bitsFor(o.Nodes) {
		return fmt.Errorf("real up: pod CIDR %s cannot hold %d /24s", o.PodCIDR, o.Nodes)
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = "10.96.0.0/16"
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	return nil
}

// defaultNodes takes the node count from NodeConfigs, when given, and
// checks them.
func (o *Options) defaultNodes() error {
	if len(o.NodeConfigs) == 0 {
		return nil
	}
	if o.Nodes != 0 && o.Nodes != len(o.NodeConfigs) {
		return fmt.Errorf("real up: %d nodes but %d node configs", o.Nodes, len(o.NodeConfigs))
	}
	o.Nodes = len(o.NodeConfigs)
	return validateNodeConfigs(o.NodeConfigs)
}

// bitsFor is how many bits number n things.
func bitsFor(n int) int {
	b := 0
	for 1<<b < n {
		b++
	}
	return b
}

// Up starts the cluster and waits for every node to be Ready. A failure
// takes down whatever had started.
func Up(ctx context.Context, o Options) (*State, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("real up: %w", err)
	}
	o.Dir = dir
	if prev, err := Load(dir); err == nil {
		if prev.anyAlive(o.Binary) {
			return nil, fmt.Errorf("real up: a cluster already runs in %s; run kubetwin real down first", dir)
		}
		// A cluster that died without `real down` left its networks and
		// containers; its record is the only list of them.
		if err := Down(ctx, dir); err != nil {
			return nil, fmt.Errorf("real up: cleaning up the earlier cluster in %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("real up: %w", err)
	}
	s := &State{Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), Binary: o.Binary, ServiceCIDR: o.ServiceCIDR,
		ControlPlaneOnly: o.ControlPlaneOnly}
	if err := s.start(ctx, o); err != nil {
		if derr := Down(context.Background(), dir); derr != nil && !errors.Is(derr, ErrNotUp) {
			err = errors.Join(err, fmt.Errorf("cleaning up: %w", derr))
		}
		return nil, err
	}
	return s, nil
}

// start brings the pieces up in order, saving the record after each.
func (s *State) start(ctx context.Context, o Options) error {
	if err := s.save(); err != nil {
		return err
	}
	if o.ControlPlaneOnly {
		return s.startServer(ctx, o)
	}
	if err := s.startContainerd(ctx, o); err != nil {
		return err
	}
	if err := s.startServer(ctx, o); err != nil {
		return err
	}
	for i := range o.Nodes {
		if err := s.startAgent(o, i); err != nil {
			return err
		}
	}
	if err := s.startProxy(o); err != nil {
		return err
	}
	return s.waitReady(ctx, o)
}

// startContainerd uses the given or the system's containerd, or starts one.
func (s *State) startContainerd(ctx context.Context, o Options) error {
	s.ContainerdSocket = o.ContainerdSocket
	if s.ContainerdSocket == "" && answers(containers.DefaultSocket) {
		s.ContainerdSocket = containers.DefaultSocket
	}
	if s.ContainerdSocket != "" {
		return s.save()
	}
	d, err := containers.StartDaemon(ctx, filepath.Join(s.Dir, "containerd"))
	if err != nil {
		return fmt.Errorf("real up: %w", err)
	}
	s.ContainerdSocket, s.ContainerdPID, s.ContainerdDir = d.Socket, d.PID(), d.Dir
	return s.save()
}

// answers reports whether a containerd serves on socket.
func answers(socket string) bool {
	if _, err := os.Stat(socket); err != nil {
		return false
	}
	rt, err := containers.Connect(socket, "default")
	if err != nil {
		return false
	}
	defer rt.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err = rt.List(ctx)
	return err == nil
}

// startServer runs the control plane on a free port and waits until it
// has written the kubeconfig and answers.
func (s *State) startServer(ctx context.Context, o Options) error {
	_ = os.Remove(s.Kubeconfig) // a stale one would look like a started server
	args := append([]string{"server", "--data-dir", filepath.Join(s.Dir, "server"), "--listen", "127.0.0.1:0",
		"--kubeconfig-out", s.Kubeconfig, "--service-cidr", o.ServiceCIDR}, o.ServerArgs...)
	if o.NodeGracePeriod > 0 {
		args = append(args, "--node-monitor-grace-period", o.NodeGracePeriod.String())
	}
	pid, err := spawn(s.Dir, "server", o.Binary, args...)
	if err != nil {
		return fmt.Errorf("real up: %w", err)
	}
	s.ServerPID = pid
	if err := s.save(); err != nil {
		return err
	}
	return s.waitServer(ctx, o)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("real up: find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startProxy runs the Service proxy.
func (s *State) startProxy(o Options) error {
	args := []string{"proxy", "--kubeconfig", s.Kubeconfig, "--service-cidr", o.ServiceCIDR}
	if o.ProxyMode != "" {
		args = append(args, "--mode", o.ProxyMode)
	}
	if o.ProxyMode == proxy.ModeNFTables {
		// A table of the cluster's own, so two clusters can coexist.
		sum := sha256.Sum256([]byte(s.Dir))
		s.ProxyTable = "kubetwin_" + hex.EncodeToString(sum[:3])
		args = append(args, "--table", s.ProxyTable)
	}
	pid, err := spawn(s.Dir, "proxy", o.Binary, args...)
	if err != nil {
		return fmt.Errorf("real up: %w", err)
	}
	s.ProxyPID = pid
	return s.save()
}

// anyAlive reports whether a recorded process still runs.
func (s *State) anyAlive(bin string) bool {
	pids := []int{s.ServerPID, s.ProxyPID}
	for _, n := range s.Nodes {
		pids = append(pids, n.PID)
	}
	for _, pid := range pids {
		if alive(pid, bin) {
			return true
		}
	}
	return false
}
