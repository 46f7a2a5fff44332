package cluster

import (
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd/identifiers"
)

func TestClusterNodeConfigsAreChecked(t *testing.T) {
	good := func() []NodeConfig {
		return []NodeConfig{{Name: "general-0"}, {Name: "general-1", Taints: []string{"dedicated=infra:NoSchedule"},
			Labels: map[string]string{"topology.kubernetes.io/zone": "b"}, Capacity: map[string]string{"cpu": "4"}}}
	}
	for _, tc := range []struct {
		name   string
		nodes  int
		change func([]NodeConfig) []NodeConfig
		err    string // a part of the error; "" for none
	}{
		{name: "count from the configs", nodes: 0, change: func(c []NodeConfig) []NodeConfig { return c }},
		{name: "count that agrees", nodes: 2, change: func(c []NodeConfig) []NodeConfig { return c }},
		{name: "count that disagrees", nodes: 3, change: func(c []NodeConfig) []NodeConfig { return c },
			err: "3 nodes but 2 node configs"},
		{name: "name not DNS", change: func(c []NodeConfig) []NodeConfig { c[1].Name = "General_1"; return c },
			err: `node 1 ("General_1"): name`},
		{name: "empty name", change: func(c []NodeConfig) []NodeConfig { c[0].Name = ""; return c }, err: "node 0"},
		{name: "name twice", change: func(c []NodeConfig) []NodeConfig { c[1].Name = "general-0"; return c },
			err: `the name "general-0" is given twice`},
		{name: "reserved name", change: func(c []NodeConfig) []NodeConfig { c[0].Name = "server"; return c },
			err: "reserved"},
		{name: "bad label", change: func(c []NodeConfig) []NodeConfig { c[0].Labels = map[string]string{"a,b": "c"}; return c },
			err: "label a,b=c"},
		{name: "bad capacity", change: func(c []NodeConfig) []NodeConfig { c[0].Capacity = map[string]string{"cpu": "lots"}; return c },
			err: "capacity cpu=lots"},
		{name: "bad taint", change: func(c []NodeConfig) []NodeConfig { c[1].Taints = []string{"dedicated=infra"}; return c },
			err: `taints: bad taint "dedicated=infra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Dir: t.TempDir(), Nodes: tc.nodes, NodeConfigs: tc.change(good()), Binary: "/bin/true"}
			err := o.defaults()
			if tc.err == "" {
				if err != nil || o.Nodes != 2 {
					t.Fatalf("defaults: %v, %d nodes; want 2 nodes", err, o.Nodes)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("defaults: %v; want an error saying %q", err, tc.err)
			}
		})
	}
}

// The agent's command line carries its configuration, maps in key order,
// and falls back to the cluster's capacity.
func TestClusterAgentArgsFromNodeConfig(t *testing.T) {
	s := &State{Dir: "/tmp/kt", Kubeconfig: "/tmp/kt/kubeconfig", ContainerdSocket: "/run/c.sock"}
	o := Options{Capacity: map[string]string{"pods": "20", "cpu": "2"}, NodeGracePeriod: 4 * time.Second}
	n := Node{Name: "general-1", PodCIDR: "10.244.1.0/24", Bridge: "ktabcdefn1", DataDir: "/tmp/kt/nodes/general-1",
		Namespace: "kubetwin-abcdef-general-1", StatusPort: 4242}
	c := NodeConfig{Name: "general-1", Labels: map[string]string{"zone": "b", "pool": "general", "a": ""},
		Taints: []string{"dedicated=infra:NoSchedule", "spot:PreferNoSchedule"}}
	for range 20 { // map order would show within a few runs
		got := strings.Join(s.agentArgs(o, n, c), " ")
		want := "agent --kubeconfig /tmp/kt/kubeconfig --node-name general-1 --pod-cidr 10.244.1.0/24 " +
			"--bridge ktabcdefn1 --data-dir /tmp/kt/nodes/general-1 --containerd-socket /run/c.sock " +
			"--containerd-namespace kubetwin-abcdef-general-1 --status-port 4242 --node-lease-duration 4s " +
			"--capacity cpu=2 --capacity pods=20 --labels a= --labels pool=general --labels zone=b " +
			"--register-with-taints dedicated=infra:NoSchedule --register-with-taints spot:PreferNoSchedule"
		if got != want {
			t.Fatalf("agent args\n got %s\nwant %s", got, want)
		}
	}
	c.Capacity = map[string]string{"memory": "8Gi"}
	if got := strings.Join(s.agentArgs(o, n, c), " "); !strings.Contains(got, "--capacity memory=8Gi --labels") {
		t.Fatalf("a node's own capacity replaces the cluster's: %s", got)
	}
}

// Any valid node name gives a namespace containerd accepts, and distinct
// names distinct namespaces.
func TestClusterContainerdNamespaceForAnyName(t *testing.T) {
	names := []string{"node-0", "general-1", "a--b", "a.b-c", strings.Repeat("x", 61), strings.Repeat("x", 62),
		strings.Repeat("a.", 100) + "z"}
	seen := map[string]string{}
	for _, name := range names {
		ns := containerdNamespace("abcdef", name)
		if err := identifiers.Validate(ns); err != nil {
			t.Errorf("node %q: namespace %q: %v", name, ns, err)
		}
		if other, dup := seen[ns]; dup {
			t.Errorf("nodes %q and %q share namespace %q", other, name, ns)
		}
		seen[ns] = name
	}
	if ns := containerdNamespace("abcdef", "general-1"); ns != "kubetwin-abcdef-general-1" {
		t.Errorf("a plain name changed its namespace: %q", ns)
	}
}

func TestClusterStartNodeOfAnUnknownNode(t *testing.T) {
	s := &State{Dir: t.TempDir(), Nodes: []Node{{Name: "general-0"}}}
	if err := s.StartNode(t.Context(), "nope"); err == nil || !strings.Contains(err.Error(), "start node nope") {
		t.Fatalf("StartNode of an unknown node: %v", err)
	}
	if err := s.StopNode(t.Context(), "nope", true); err == nil || !strings.Contains(err.Error(), ErrUnknownNode.Error()) {
		t.Fatalf("StopNode of an unknown node: %v", err)
	}
	if err := s.StartNode(t.Context(), "general-0"); err == nil || !strings.Contains(err.Error(), "no agent arguments") {
		t.Fatalf("StartNode without recorded arguments: %v", err)
	}
}
