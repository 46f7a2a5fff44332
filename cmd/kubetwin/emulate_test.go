package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/sim"
)

// emulateScenario is 200 hollow nodes running a Deployment; one node
// stops renewing its lease for a while, long enough to be tainted and
// have its pods evicted and replaced.
const emulateScenario = `name: emulate-test
duration: 2m
cluster:
  leaseDuration: 4s
  nodeMonitorGracePeriod: 5s
  pools:
  - name: hollow
    count: 200
    capacity: {cpu: "4", memory: 16Gi, pods: "30"}
    zones: [zone-a, zone-b]
pods:
  imagePull: {uniform: {min: 10ms, max: 200ms}}
  start: 50ms
  ready: 100ms
  terminate: 50ms
workloads:
- name: web
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 400
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          tolerations:
          - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
          - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
          containers:
          - name: web
            image: kubetwin.local/workload:v1
            resources: {requests: {cpu: 100m, memory: 128Mi}}
timeline:
- {at: 10s, fault: {type: partition, nodes: [hollow-7], duration: 20s}}
thresholds:
- invariant_violations == 0
- pods.pending == 0
`

// TestEmulateRunThroughTheRealServer runs 200 hollow nodes against the
// real API server on etcd: every node is Ready to kubectl, and a node
// that stops renewing its lease is tainted and its pods are replaced on
// the others.
func TestEmulateRunThroughTheRealServer(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubetwin")
	buildStatic(t, "github.com/kubetwin/kubetwin/cmd/kubetwin", bin)
	file := filepath.Join(dir, "emulate-test.yaml")
	if err := os.WriteFile(file, []byte(emulateScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	data, out := filepath.Join(dir, "cluster"), filepath.Join(dir, "out")
	b, err := exec.Command(bin, "emulate", "run", file, "--out", out, "--data-dir", data, "--keep", "--no-progress").CombinedOutput()
	t.Cleanup(func() {
		if b, err := exec.Command(bin, "real", "down", "--data-dir", data).CombinedOutput(); err != nil {
			t.Errorf("real down: %v\n%s", err, b)
		}
	})
	t.Logf("kubetwin emulate run:\n%s", b)
	if err != nil {
		t.Fatalf("emulate run: %v", err)
	}
	s := readRunSummary(t, out)
	if s.Mode != "emulate" || s.Ended != "settled" || !s.Passed() || s.Pods.Running != 400 || s.Nodes.Ready != 200 {
		t.Errorf("summary: mode %s, ended %s, passed %v, pods %+v, nodes %+v", s.Mode, s.Ended, s.Passed(), s.Pods, s.Nodes)
	}
	if len(s.Convergence) != 1 || s.Convergence[0].Seconds == nil || s.Errors.NodeWrites != 0 {
		t.Errorf("the partition's convergence: %+v; errors %+v", s.Convergence, s.Errors)
	}
	checkReplaced(t, out, "hollow-7")
	kubeconfig := filepath.Join(data, "kubeconfig")
	if ev := kubectlOut(t, kubeconfig, "get", "events", "-A", "--no-headers"); !strings.Contains(ev, "TaintManagerEviction") {
		t.Errorf("no pod was evicted for a taint; events:\n%s", ev)
	}
	// The run's nodes went with it, and stop being Ready once their leases
	// run out; `kubetwin emulate` takes them over.
	waitNodes(t, kubeconfig, 200, 0)
	serve := exec.Command(bin, "emulate", "--kubeconfig", kubeconfig, "--pool", "hollow:200:cpu=4,memory=16Gi,pods=30",
		"--lease-duration", "4s")
	var serveOut strings.Builder
	serve.Stdout, serve.Stderr = &serveOut, &serveOut
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = serve.Process.Signal(os.Interrupt)
		if err := serve.Wait(); err != nil {
			t.Errorf("kubetwin emulate: %v\n%s", err, serveOut.String())
		}
	}()
	waitNodes(t, kubeconfig, 200, 200)
}

// waitNodes waits up to a minute for kubectl to list n nodes, ready of
// them Ready.
func waitNodes(t *testing.T, kubeconfig string, n, ready int) {
	t.Helper()
	var got []byte
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		got = []byte(kubectlOut(t, kubeconfig, "get", "nodes", "--no-headers"))
		lines := strings.Split(strings.TrimSpace(string(got)), "\n")
		if len(lines) == n && strings.Count(string(got), " Ready ") == ready {
			return
		}
	}
	t.Fatalf("kubectl get nodes: not %d nodes of which %d Ready:\n%s", n, ready, got)
}

// kubectlOut runs kubectl on the cluster of kubeconfig.
func kubectlOut(t *testing.T, kubeconfig string, args ...string) string {
	t.Helper()
	kubectl := exec.Command("kubectl", args...)
	kubectl.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	out, err := kubectl.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func readRunSummary(t *testing.T, dir string) sim.Summary {
	t.Helper()
	var s sim.Summary
	data, err := os.ReadFile(filepath.Join(dir, sim.SummaryFile))
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	if err != nil {
		t.Fatalf("summary: %v", err)
	}
	return s
}

// checkReplaced checks that the pods on node were evicted while it was
// away: each one ended, so its ReplicaSet made another.
func checkReplaced(t *testing.T, dir, node string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, sim.PodsFile))
	if err != nil {
		t.Fatal(err)
	}
	var on, ended int
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Split(line, ",")
		if len(f) < 11 || f[3] != node {
			continue
		}
		on++
		if f[8] != "" || f[9] != "" { // terminating or finished
			ended++
		}
	}
	if on == 0 || ended != on {
		t.Errorf("%s held %d pods, of which %d were evicted", node, on, ended)
	}
}

// TestEmulateFlags: pools from flags, and clear errors for bad ones,
// before any server is contacted.
func TestEmulateFlags(t *testing.T) {
	o := emulateOptions{nodes: 3, capacity: "cpu=4,memory=8Gi", pools: []string{"gpu:2:cpu=8,nvidia.com/gpu=4"},
		zones: []string{"a", "b"}}
	sc, err := o.scenario()
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.Cluster.Pools) != 2 || sc.Cluster.Pools[0].Name != "gpu" || sc.Cluster.Pools[1].Count != 3 ||
		sc.Cluster.Pools[0].Capacity["nvidia.com/gpu"] != resource.MustParse("4") || countNodes(sc) != 5 {
		t.Errorf("pools: %+v", sc.Cluster.Pools)
	}
	for _, c := range []struct{ args, want string }{
		{"emulate --kubeconfig k", "give --nodes N or at least one --pool"},
		{"emulate --kubeconfig k --pool web", "want NAME:COUNT"},
		{"emulate --kubeconfig k --pool web:0", "the count must be a positive number"},
		{"emulate --kubeconfig k --pool web:2:cpu", `capacity "cpu": want NAME=QUANTITY`},
		{"emulate --kubeconfig k --nodes 2 --capacity cpu=lots", "capacity cpu=lots"},
	} {
		if _, err := execute(t, "", strings.Fields(c.args)...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.args, err, c.want)
		}
	}
}
