package live

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controlplane"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// liveScenario arrives, scales and rolls out a Deployment on three hollow
// nodes, and partitions one node for a moment, in a few seconds.
const liveScenario = `
name: live-test
duration: 40s
cluster:
  leaseDuration: 2s
  nodeMonitorGracePeriod: 3s
  nodeMonitorPeriod: 1s
  pools:
  - name: small
    count: 3
    capacity: {cpu: "4", memory: 8Gi, pods: "20"}
    zones: [a, b]
pods:
  imagePull: 50ms
  start: {uniform: {min: 20ms, max: 100ms}}
  ready: 50ms
  terminate: 20ms
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
          containers:
          - name: c
            image: kubetwin.local/workload:v1
            resources: {requests: {cpu: 500m, memory: 256Mi}}
timeline:
- {at: 1s, scale: {workload: web, replicas: 6}}
- {at: 2s, rollout: {workload: web, image: "kubetwin.local/workload:v2"}}
- {at: 3s, fault: {type: partition, nodes: [small-2], duration: 1s}}
thresholds:
- invariant_violations == 0
- pods.pending == 0
`

// TestLiveRunOnHollowNodes plays a scenario through a real API server and
// control plane in process, with hollow nodes, and checks that the run
// measures what a simulated run does: every pod's life, the scheduler's
// counters read from /metrics, each action's convergence, the nodes, and
// a time series with the same columns.
func TestLiveRunOnHollowNodes(t *testing.T) {
	sc, err := scenarios.Parse([]byte(liveScenario), "live-test.yaml", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := startControlPlane(t, sc)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := Run(ctx, sc, Config{Mode: "emulate", Client: c, Nodes: NewHollowNodes(sc, c, 0),
		Options: sim.Options{Seed: 7}})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Summary
	if s.Mode != "emulate" || s.Ended != "settled" || !s.Passed() {
		t.Fatalf("summary: mode %s, ended %s, passed %v: %+v", s.Mode, s.Ended, s.Passed(), s)
	}
	if s.Pods.Running != 6 || s.Scheduling.Scheduled < 6 || s.Scheduling.Attempts < s.Scheduling.Scheduled {
		t.Errorf("pods %+v, scheduling %+v: want 6 running, scheduled by the server's count", s.Pods, s.Scheduling)
	}
	if len(s.Convergence) != 3 {
		t.Fatalf("convergence: %d records, want 3 (scale, rollout, partition)", len(s.Convergence))
	}
	for _, c := range s.Convergence {
		if c.Seconds == nil || *c.Seconds > 20 {
			t.Errorf("convergence of %s: %v", c.Action, c.Seconds)
		}
	}
	if len(s.Faults) != 1 || s.Faults[0].EndSeconds == 0 || s.Errors.Faults != 0 {
		t.Errorf("faults: %+v, errors %+v", s.Faults, s.Errors)
	}
	if s.Nodes.Ready != 3 || len(res.Nodes) != 3 || res.Nodes[2].Name != "small-2" || res.Nodes[2].Zone != "a" {
		t.Errorf("nodes: %+v, records %+v", s.Nodes, res.Nodes)
	}
	checkPodRecords(t, res.Pods)
	if !slices.Contains(res.Series.Names, `scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"}`) ||
		!slices.Contains(res.Series.Names, "pods_running") || len(res.Series.Times) < 2 {
		t.Errorf("time series: %d samples of %v", len(res.Series.Times), res.Series.Names)
	}
}

// checkPodRecords checks that every pod still running went through each
// step of its life in order.
func checkPodRecords(t *testing.T, pods []*sim.PodRecord) {
	t.Helper()
	running := 0
	for _, p := range pods {
		if p.Phase != string(api.PodRunning) || p.Finished >= 0 {
			continue
		}
		running++
		if !(p.Created <= p.Scheduled && p.Scheduled <= p.Started && p.Started <= p.Ready) || p.Node == "" {
			t.Errorf("pod %s: created %v scheduled %v started %v ready %v on %q", p.Name, p.Created,
				p.Scheduled, p.Started, p.Ready, p.Node)
		}
	}
	if running != 6 {
		t.Errorf("%d pods running at the end in the records, want 6", running)
	}
}

// startControlPlane serves the API, with the scheduler and controllers,
// on a memory store, as `kubetwin server` does on etcd.
func startControlPlane(t *testing.T, sc *scenarios.Scenario) *client.Client {
	t.Helper()
	clk := clock.Real()
	st := memory.New(memory.Options{Clock: clk, HistorySize: 4096})
	t.Cleanup(func() { _ = st.Close() })
	reg := registry.New(st, clk)
	metrics := prometheus.NewRegistry()
	srv := httptest.NewServer(apiserver.New(apiserver.Config{Registry: reg, Clock: clk, Metrics: metrics}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	for _, ns := range []string{"default", api.NamespaceNodeLease} {
		obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: api.CoreV1, Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: ns}}
		if _, err := reg.Create(ctx, api.MustLookupKind(api.CoreV1, "Namespace"), "", obj, registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := controlplane.New(controlplane.Config{Registry: reg, Clock: clk, Seed: 1, Metrics: metrics,
		NodeMonitorGracePeriod: sc.Cluster.NodeMonitorGracePeriod, NodeMonitorPeriod: sc.Cluster.NodeMonitorPeriod, Events: events.Options{Buffer: 1024}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = cp.Run(ctx)
	}()
	t.Cleanup(func() { cancel(); <-done })
	c, err := client.New(client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
