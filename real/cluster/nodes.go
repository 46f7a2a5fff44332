package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/containerd/identifiers"

	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/real/agent"
)

// NodeConfig describes one node as a scenario's node pool would: its
// name, and the capacity, labels and taints its agent registers it with.
type NodeConfig struct {
	// Name is the Node's name, a DNS-1123 subdomain unique in the cluster.
	Name string
	// Capacity (NAME=QUANTITY, as --capacity takes them) replaces the
	// machine's; nil falls back to Options.Capacity.
	Capacity map[string]string
	// Labels are added to the Node's well-known ones.
	Labels map[string]string
	// Taints are key=value:Effect or key:Effect, as --register-with-taints takes them.
	Taints []string
}

// reservedNodeNames would share a log file under DIR/logs with the
// cluster's other processes.
var reservedNodeNames = []string{"server", "proxy"}

// validateNodeConfigs checks every node's configuration before anything
// starts, so a mistake is one clear error rather than an agent that exits.
func validateNodeConfigs(cs []NodeConfig) error {
	seen := map[string]bool{}
	for i, c := range cs {
		if err := c.validate(); err != nil {
			return fmt.Errorf("real up: node %d (%q): %w", i, c.Name, err)
		}
		if seen[c.Name] {
			return fmt.Errorf("real up: node %d: the name %q is given twice", i, c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}

func (c NodeConfig) validate() error {
	if p := labels.IsDNS1123Subdomain(c.Name); len(p) > 0 {
		return fmt.Errorf("name: %s", strings.Join(p, "; "))
	}
	if slices.Contains(reservedNodeNames, c.Name) {
		return fmt.Errorf("name: %q is reserved for the cluster's own %s", c.Name, c.Name)
	}
	for k, v := range c.Labels {
		if p := append(labels.ValidateLabelKey(k), labels.ValidateLabelValue(v)...); len(p) > 0 {
			return fmt.Errorf("label %s=%s: %s", k, v, strings.Join(p, "; "))
		}
	}
	for k, v := range c.Capacity {
		if _, err := resource.ParseQuantity(v); err != nil || k == "" || strings.ContainsAny(k, "=,") {
			return fmt.Errorf("capacity %s=%s: not NAME=QUANTITY", k, v)
		}
	}
	if _, err := agent.ParseTaints(c.Taints); err != nil {
		return fmt.Errorf("taints: %w", err)
	}
	return nil
}

// nodeConfig is node i's configuration: the given one, or node-i with the
// cluster's defaults.
func (o *Options) nodeConfig(i int) NodeConfig {
	if len(o.NodeConfigs) > 0 {
		return o.NodeConfigs[i]
	}
	return NodeConfig{Name: fmt.Sprintf("node-%d", i)}
}

// startAgent runs node i's agent.
func (s *State) startAgent(o Options, i int) error {
	c := o.nodeConfig(i)
	n, err := s.nodeSpec(o, i, c.Name)
	if err != nil {
		return err
	}
	n.Args = s.agentArgs(o, n, c)
	// Recorded before the start, so a failure still cleans the bridge.
	s.Nodes = append(s.Nodes, n)
	if err := s.save(); err != nil {
		return err
	}
	pid, err := spawn(s.Dir, n.Name, o.Binary, n.Args...)
	if err != nil {
		return fmt.Errorf("real up: %w", err)
	}
	s.Nodes[len(s.Nodes)-1].PID = pid
	return s.save()
}

// agentArgs is the agent's command line, recorded so StartNode can run it
// again. Maps are passed in key order, so the same options give the same
// command line every time.
func (s *State) agentArgs(o Options, n Node, c NodeConfig) []string {
	args := []string{"agent", "--kubeconfig", s.Kubeconfig, "--node-name", n.Name, "--pod-cidr", n.PodCIDR,
		"--bridge", n.Bridge, "--data-dir", n.DataDir, "--containerd-socket", s.ContainerdSocket,
		"--containerd-namespace", n.Namespace, "--status-port", strconv.Itoa(n.StatusPort)}
	if o.Images != "" {
		args = append(args, "--images", o.Images)
	}
	if o.NodeGracePeriod > 0 {
		// Renewing only as often as the grace period would let nodes flap
		// NotReady between renewals, and their taints stall scheduling.
		args = append(args, "--node-lease-duration", o.NodeGracePeriod.String())
	}
	capacity := c.Capacity
	if capacity == nil {
		capacity = o.Capacity
	}
	args = appendPairs(args, "--capacity", capacity)
	args = appendPairs(args, "--labels", c.Labels)
	for _, t := range c.Taints {
		args = append(args, "--register-with-taints", t)
	}
	return args
}

// appendPairs adds one flag KEY=VALUE per entry of kv, in key order.
func appendPairs(args []string, flag string, kv map[string]string) []string {
	for _, k := range slices.Sorted(maps.Keys(kv)) {
		args = append(args, flag, k+"="+kv[k])
	}
	return args
}

// nodeSpec names node i's bridge, CIDR, namespace and port. Bridges and
// namespaces carry a hash of the directory, so two clusters can coexist.
// The bridge is named by the node's index, never its name, so it stays
// within the kernel's 15 characters ("kt" + 6 + "n" + at most 3 digits)
// whatever the name.
func (s *State) nodeSpec(o Options, i int, name string) (Node, error) {
	sum := sha256.Sum256([]byte(s.Dir))
	id := hex.EncodeToString(sum[:3])
	base := o.PodCIDR.Masked().Addr().As4()
	offset := i << 8 // the i-th /24
	base[2] += byte(offset >> 8)
	port, err := freePort()
	if err != nil {
		return Node{}, err
	}
	return Node{Name: name, Bridge: fmt.Sprintf("kt%sn%d", id, i),
		PodCIDR:   netip.PrefixFrom(netip.AddrFrom4(base), 24).String(),
		Namespace: containerdNamespace(id, name), StatusPort: port,
		DataDir: filepath.Join(s.Dir, "nodes", name)}, nil
}

// containerdNamespace is kubetwin-ID-NAME when containerd accepts that
// (at most 76 characters, no two separators in a row, which a DNS
// subdomain allows); otherwise the name is replaced by a hash of it.
func containerdNamespace(id, name string) string {
	ns := "kubetwin-" + id + "-" + name
	if identifiers.Validate(ns) == nil {
		return ns
	}
	sum := sha256.Sum256([]byte(name))
	return "kubetwin-" + id + "-n" + hex.EncodeToString(sum[:6])
}
