package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/real/realtest"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// realRunScenario runs a Deployment on two real nodes, scales it, rolls it
// out and crashes one node for a while.
const realRunScenario = `name: real-run-test
duration: 3m
cluster:
  nodeMonitorGracePeriod: 8s
  pools:
  - name: worker
    count: 2
    capacity: {cpu: "2", memory: 2Gi, pods: "30"}
    labels: {tier: test}
    zones: [zone-a, zone-b]
workloads:
- name: web
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 4
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          terminationGracePeriodSeconds: 2
          containers:
          - name: web
            image: nginx:1.27
            resources: {requests: {cpu: 50m, memory: 32Mi}}
timeline:
- {at: 3s, scale: {workload: web, replicas: 6}}
- {at: 8s, rollout: {workload: web, image: "nginx:1.28"}}
- {at: 20s, fault: {type: nodeCrash, nodes: [worker-1], duration: 15s}}
thresholds:
- invariant_violations == 0
- pods.pending == 0
`

// TestRealRunPlaysAScenario runs a scenario written for the simulator on
// a real cluster started for it, with its images swapped for the
// workload image, and checks the results have what a simulated run's
// have: every action converged, the crash and its recovery, the pods and
// nodes, and the report.
func TestRealRunPlaysAScenario(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "kubetwin")
	buildStatic(t, "github.com/kubetwin/kubetwin/cmd/kubetwin", bin)
	images := filepath.Dir(realtest.WorkloadImage(t, realtest.WorkloadRef))
	file := filepath.Join(dir, "real-run-test.yaml")
	if err := os.WriteFile(file, []byte(realRunScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	pods := realtest.FreeRange(t)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(bin, "real", "run", file, "--out", out, "--images", images, "--image", realtest.WorkloadRef,
		"--pod-cidr", pods.String(), "--service-cidr", realtest.FreeRange(t, pods).String(), "--no-progress")
	b, err := cmd.CombinedOutput()
	t.Logf("kubetwin real run:\n%s", b)
	if err != nil {
		t.Fatalf("real run: %v", err)
	}
	checkRealSummary(t, readRunSummary(t, out))
	for _, f := range []string{sim.PodsFile, sim.NodesFile, sim.TimeSeriesFile, "report.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func checkRealSummary(t *testing.T, s sim.Summary) {
	t.Helper()
	if s.Mode != "real" || s.Ended != "settled" || !s.Passed() {
		t.Errorf("mode %s, ended %s, passed %v, thresholds %+v", s.Mode, s.Ended, s.Passed(), s.Thresholds)
	}
	if s.Pods.Running != 6 || s.Nodes.Ready != 2 || s.Scheduling.Scheduled < 6 {
		t.Errorf("pods %+v, nodes %+v, scheduling %+v", s.Pods, s.Nodes, s.Scheduling)
	}
	var actions []string
	for _, c := range s.Convergence {
		actions = append(actions, c.Action)
		if c.Seconds == nil {
			t.Errorf("%s never converged", c.Action)
		}
	}
	want := []string{"scale web to 6 at 3s", "rollout web at 8s", "fault nodeCrash worker-1 at 20s"}
	if !slices.Equal(actions, want) {
		t.Errorf("convergence of %q, want %q", actions, want)
	}
	if len(s.Faults) != 1 || s.Faults[0].EndSeconds < 35 || s.Errors.Faults != 0 || s.Errors.Apply != 0 {
		t.Errorf("faults %+v, errors %+v", s.Faults, s.Errors)
	}
}

// TestRealRunRefusesWhatRealNodesCannotDo: a slow node, or more nodes
// than one machine runs, is a clear error before anything starts.
func TestRealRunRefusesWhatRealNodesCannotDo(t *testing.T) {
	dir := t.TempDir()
	slow := strings.Replace(realRunScenario, "type: nodeCrash, nodes: [worker-1]", "type: slowNode, nodes: [worker-1], factor: 3", 1)
	file := filepath.Join(dir, "slow.yaml")
	if err := os.WriteFile(file, []byte(slow), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := execute(t, "", "real", "run", file, "--out", filepath.Join(dir, "out"))
	if err == nil || !strings.Contains(err.Error(), "cannot be slowed down") || !strings.Contains(err.Error(), "line 31") {
		t.Errorf("slowNode: %v", err)
	}
	_, err = execute(t, "", "real", "run", "quickstart", "--out", filepath.Join(dir, "out"))
	if err == nil || !strings.Contains(err.Error(), "the scenario has 100 nodes") {
		t.Errorf("100 nodes: %v", err)
	}
}

// TestNodeConfigsFollowThePools names, labels, sizes and taints each node
// as the simulator does.
func TestNodeConfigsFollowThePools(t *testing.T) {
	sc, err := scenarios.Open("quickstart", []string{"nodes=3"})
	if err != nil {
		t.Fatal(err)
	}
	sc.Cluster.Pools[0].Taints = append(sc.Cluster.Pools[0].Taints, api.Taint{Key: "dedicated", Value: "batch", Effect: api.TaintEffectNoSchedule})
	got := nodeConfigs(sc)
	if len(got) != 3 || got[2].Name != "general-2" || got[2].Labels[sim.LabelZone] != "zone-c" ||
		got[0].Labels[sim.LabelPool] != "general" || got[1].Labels["node.kubernetes.io/instance-type"] != "general-8x32" {
		t.Fatalf("configs: %+v", got)
	}
	if got[0].Capacity["cpu"] != "8" || got[0].Capacity["memory"] != "32Gi" || !slices.Equal(got[0].Taints, []string{"dedicated=batch:NoSchedule"}) {
		t.Errorf("capacity %v, taints %v", got[0].Capacity, got[0].Taints)
	}
}
