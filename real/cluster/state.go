// Package cluster runs a local real-mode cluster on this machine: the
// control plane, N node agents (each with its own containerd namespace,
// bridge and pod CIDR) and the Service proxy, as background processes of
// the kubetwin binary. Up records everything it starts in DIR/cluster.json
// so that Down, from another process, stops it all and removes every
// container, namespace, veth, bridge, address and mount it made.
package cluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// stateFile is the record of a running cluster under its directory.
const stateFile = "cluster.json"

// ErrNotUp means the directory holds no cluster record.
var ErrNotUp = errors.New("no cluster is recorded in this directory")

// State is what Up started, enough for Down to undo it.
type State struct {
	Dir        string `json:"dir"`
	Server     string `json:"server,omitempty"`
	Kubeconfig string `json:"kubeconfig"`
	// Binary is the kubetwin executable the processes run, which Down
	// checks a recorded PID against before it signals one.
	Binary string `json:"binary"`
	// ServerPID and ProxyPID are the processes' IDs; 0 before they start.
	ServerPID   int    `json:"serverPID,omitempty"`
	ProxyPID    int    `json:"proxyPID,omitempty"`
	ServiceCIDR string `json:"serviceCIDR"`
	// ControlPlaneOnly records a cluster of the API server alone: it made
	// no network, so Down touches none.
	ControlPlaneOnly bool `json:"controlPlaneOnly,omitempty"`
	// ProxyTable is the nftables table of a proxy in nftables mode.
	ProxyTable string `json:"proxyTable,omitempty"`
	// ContainerdSocket is the daemon the agents use; ContainerdPID is set
	// when Up started it (under ContainerdDir), and Down stops it.
	ContainerdSocket string `json:"containerdSocket"`
	ContainerdPID    int    `json:"containerdPID,omitempty"`
	ContainerdDir    string `json:"containerdDir,omitempty"`
	Nodes            []Node `json:"nodes"`
}

// Node is one agent and what it owns.
type Node struct {
	Name       string `json:"name"`
	PID        int    `json:"pid,omitempty"`
	Bridge     string `json:"bridge"`
	PodCIDR    string `json:"podCIDR"`
	Namespace  string `json:"containerdNamespace"`
	StatusPort int    `json:"statusPort"`
	DataDir    string `json:"dataDir"`
	// Args are the agent's arguments (after the binary), so StartNode can
	// run it again as it first ran.
	Args []string `json:"args,omitempty"`
}

// Load reads the cluster record of dir.
func Load(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotUp)
	}
	if err != nil {
		return nil, fmt.Errorf("read cluster record: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("cluster record %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// save writes the record through a temporary file and a rename, after
// each process starts, so a failed Up can still be taken down.
func (s *State) save() error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode cluster record: %w", err)
	}
	path := filepath.Join(s.Dir, stateFile)
	if err := os.WriteFile(path+".tmp", b, 0o600); err != nil {
		return fmt.Errorf("write cluster record: %w", err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return fmt.Errorf("write cluster record: %w", err)
	}
	return nil
}
