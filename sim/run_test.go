package sim_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// parse loads a scenario written in a test.
func parse(t testing.TB, text string, sets ...string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse([]byte(text), t.Name()+".yaml", nil, sets)
	if err != nil {
		t.Fatalf("scenario: %v", err)
	}
	return sc
}

func run(t testing.TB, sc *scenarios.Scenario, seed uint64) *sim.Result {
	t.Helper()
	res, err := sim.Run(context.Background(), sc, sim.Options{Seed: seed})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, v := range res.Summary.ViolationList {
		t.Errorf("seed %d: invariant %s at %.3fs: %s", seed, v.Invariant, v.AtSeconds, v.Message)
	}
	return res
}

// deployment is a Deployment manifest of n replicas requesting cpu.
func deployment(name string, n int, cpu string, extra string) string {
	return fmt.Sprintf(`
- name: %[1]s
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: %[1]s}
    spec:
      replicas: %[2]d
      selector: {matchLabels: {app: %[1]s}}
      template:
        metadata: {labels: {app: %[1]s}}
        spec:
          containers:
          - name: c
            image: img:1
            resources: {requests: {cpu: %[3]s, memory: 64Mi}}
%[4]s`, name, n, cpu, extra)
}

const smallCluster = `
cluster:
  pools:
  - name: n
    count: ${nodes}
    capacity: {cpu: "4", memory: 8Gi}
    zones: [a, b]
pods:
  start: 1s
  ready: 2s
`

func TestQuickstartSettlesAndConverges(t *testing.T) {
	sc, err := scenarios.Open("quickstart", []string{"nodes=12"})
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, sc, sc.Seed)
	s := res.Summary
	if s.Ended != "settled" || !s.Passed() {
		t.Fatalf("ended %s, passed %v, thresholds %+v", s.Ended, s.Passed(), s.Thresholds)
	}
	if len(s.Convergence) != 3 {
		t.Fatalf("convergences %d, want 3 (rollout, scale, crash)", len(s.Convergence))
	}
	for _, c := range s.Convergence {
		if c.Seconds == nil {
			t.Errorf("%s did not converge", c.Action)
		}
	}
	if s.Pods.Pending != 0 || s.Pods.Running != 80 || s.Nodes.Ready != 12 {
		t.Fatalf("pods %+v nodes %+v", s.Pods, s.Nodes)
	}
	checkSeries(t, res.Series, 80)
	checkNodes(t, res.Nodes, 12, 80)
	// Every pod was written through the store, and each one's readiness
	// woke its ReplicaSet.
	if w := s.Work; w.Writes["Pod"] < s.Pods.Created || w.Reconciles["replicaset"] < 80 || w.Reconciles["deployment"] == 0 {
		t.Fatalf("work %+v for %d pods", w, s.Pods.Created)
	}
}

// The same scenario and seed give the same trace and summary; another
// seed gives another trace.
func TestSameSeedSameRun(t *testing.T) {
	sc, err := scenarios.Open("quickstart", []string{"nodes=8"})
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := run(t, sc, 5), run(t, sc, 5), run(t, sc, 6)
	if a.Summary.TraceSHA256 != b.Summary.TraceSHA256 {
		t.Fatalf("same seed, different traces: %s %s", a.Summary.TraceSHA256, b.Summary.TraceSHA256)
	}
	if !reflect.DeepEqual(a.Summary, b.Summary) || !reflect.DeepEqual(a.Pods, b.Pods) {
		t.Fatal("same seed, different summaries or pod tables")
	}
	// The files too: the time series (metrics included) and the nodes.
	da, db := t.TempDir(), t.TempDir()
	if err := sim.WriteFiles(da, a); err != nil {
		t.Fatal(err)
	}
	if err := sim.WriteFiles(db, b); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{sim.TimeSeriesFile, sim.NodesFile, sim.PodsFile, sim.SummaryFile} {
		x, _ := os.ReadFile(filepath.Join(da, f))
		y, _ := os.ReadFile(filepath.Join(db, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("same seed, %s differs or is empty (%d and %d bytes)", f, len(x), len(y))
		}
	}
	if a.Summary.TraceSHA256 == c.Summary.TraceSHA256 {
		t.Fatal("seeds 5 and 6 gave the same trace")
	}
}

// A crashed node is noticed after the grace period, its pods are evicted
// after their 300 s toleration and replaced elsewhere; the pods it held
// stay Terminating while it is down.
func TestNodeCrashEvictsAndReplaces(t *testing.T) {
	sc := parse(t, `
name: crash
params: {nodes: 4}
duration: 20m
`+smallCluster+`
workloads:`+deployment("web", 8, "500m", "")+`
timeline:
- {at: 1m, fault: {type: nodeCrash, nodes: [n-1]}}
`)
	res := run(t, sc, 1)
	s := res.Summary
	if s.Nodes.Unknown != 1 || s.Nodes.Ready != 3 {
		t.Fatalf("nodes %+v, want 1 unknown", s.Nodes)
	}
	c := s.Convergence[0]
	// The lease expires 30–40 s after the crash (it was renewed up to 10 s
	// before), then the NoExecute taint's 300 s toleration, then a restart elsewhere.
	if c.Seconds == nil || *c.Seconds < 330 || *c.Seconds > 400 {
		t.Fatalf("crash convergence %s, want 330–400 s", fmtSeconds(c.Seconds))
	}
	if s.Pods.Running != 8 || s.Pods.Terminating != 2 {
		t.Fatalf("pods %+v, want 8 running elsewhere and 2 terminating on the crashed node", s.Pods)
	}
	for _, p := range res.Pods {
		if p.Node == "n-1" && p.Finished >= 0 {
			t.Fatalf("pod %s on the crashed node was removed without its node", p.Name)
		}
	}
}

// A partition shorter than the eviction delay loses no pod: the node comes
// back Ready and nothing was replaced.
func TestShortPartitionReplacesNothing(t *testing.T) {
	sc := parse(t, `
name: partition
params: {nodes: 3}
duration: 10m
`+smallCluster+`
workloads:`+deployment("web", 6, "500m", "")+`
timeline:
- {at: 1m, fault: {type: partition, nodes: [n-0], duration: 2m}}
`)
	s := run(t, sc, 1).Summary
	if s.Pods.Created != 6 || s.Nodes.Ready != 3 || s.Ended != "settled" {
		t.Fatalf("pods %+v nodes %+v ended %s", s.Pods, s.Nodes, s.Ended)
	}
}

// Pods on a slow node take Factor times as long to start.
func TestSlowNodeStartsPodsSlowly(t *testing.T) {
	sc := parse(t, `
name: slow
params: {nodes: 2}
duration: 10m
`+smallCluster+`
workloads:`+deployment("web", 8, "100m", "  arrival: {at: 1m}")+`
timeline:
- {at: 30s, fault: {type: slowNode, nodes: [n-0], factor: 5, duration: 5m}}
`)
	res := run(t, sc, 1)
	for _, p := range res.Pods {
		took := p.Started - p.Scheduled
		want := 1.0
		if p.Node == "n-0" {
			want = 5
		}
		if took < want-0.01 || took > want+0.1 {
			t.Errorf("pod %s on %s started after %.3fs, want %.0fs", p.Name, p.Node, took, want)
		}
	}
}

// Jobs arriving as a Poisson process run, finish and leave nothing requested.
func TestBatchJobsFinish(t *testing.T) {
	sc, err := scenarios.Open("batch-poisson", []string{"nodes=10", "rate=0.5", "until=5m"})
	if err != nil {
		t.Fatal(err)
	}
	s := run(t, sc, 2).Summary
	if s.Pods.Succeeded < 100 || s.Pods.Succeeded != s.Pods.Created || s.Utilisation.CPU != 0 {
		t.Fatalf("pods %+v, utilisation %+v", s.Pods, s.Utilisation)
	}
	if s.Ended != "settled" {
		t.Fatalf("ended %s", s.Ended)
	}
}

// A run whose thresholds cannot hold fails them with a reason.
func TestMissedThreshold(t *testing.T) {
	sc := parse(t, `
name: tight
params: {nodes: 1}
duration: 5m
`+smallCluster+`
workloads:`+deployment("big", 3, "3", "")+`
thresholds:
- pods.pending == 0
- scheduling.latency_seconds.p99 < 1
`)
	s := run(t, sc, 1).Summary
	if s.Passed() || s.Pods.Pending != 2 {
		t.Fatalf("passed %v with pods %+v", s.Passed(), s.Pods)
	}
	if r := s.Thresholds[0]; r.OK || !strings.Contains(r.Reason, "pods.pending is 2") {
		t.Fatalf("threshold %+v", r)
	}
}

func fmtSeconds(s *float64) string {
	if s == nil {
		return "never"
	}
	return fmt.Sprintf("%.3fs", *s)
}

// With measured scheduling each cycle takes the time the caller's
// stopwatch reads, so a burst queues behind the real algorithm's cost.
func TestMeasuredScheduling(t *testing.T) {
	sc := parse(t, `
name: measured
params: {nodes: 4}
duration: 5m
`+smallCluster+`
latency: {apiWrite: 0s, watchDelivery: 0s, scheduling: measured}
workloads:
- name: burst
  manifest: |
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers: [{name: c, image: x, resources: {requests: {cpu: 10m}}}]
  arrival:
    burst: {count: 100}
`)
	fake := func() func() time.Duration { return func() time.Duration { return 5 * time.Millisecond } }
	res, err := sim.Run(context.Background(), sc, sim.Options{Seed: 1, Stopwatch: fake})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Summary.Scheduling.Latency
	// The run's own stopwatch reading (5 ms) is its wall time; the 100th
	// pod waits for 99 cycles of 5 ms: 100 pods in 0.495 s.
	if l.Max < 0.494 || l.Max > 0.5 || res.Summary.Scheduling.Throughput.Virtual < 199 || res.Summary.Scheduling.Throughput.Virtual > 203 {
		t.Fatalf("latency %+v throughput %+v, want the last pod bound after 99 cycles of 5 ms (200 pods/s)", l, res.Summary.Scheduling.Throughput)
	}
}

// A trace workload creates one pod per row at its arrival, with its
// requests, and the pod finishes after its run time.
func TestTraceReplay(t *testing.T) {
	dir := t.TempDir()
	csv := "name,arrival_seconds,cpu,memory,duration_seconds\ntask-a,0,500m,1Gi,60\ntask-b,30,1,2Gi,10\nTask_C,45,250m,512Mi,\n"
	if err := os.WriteFile(filepath.Join(dir, "tasks.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.Parse([]byte(`
name: trace
params: {nodes: 2}
duration: 10m
`+smallCluster+`
workloads:
- name: tasks
  arrival:
    trace: {file: tasks.csv}
`), "trace.yaml", os.DirFS(dir), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, sc, 1)
	got := map[string][2]float64{}
	for _, p := range res.Pods {
		got[p.Name] = [2]float64{p.Created, p.Finished}
	}
	// task-a runs 60 s from a start about 1 s after arrival; task-b 10 s;
	// task-c (no run time) runs to the end of the run.
	if a := got["task-a"]; a[0] != 0 || a[1] < 61 || a[1] > 62 {
		t.Errorf("task-a created/finished %v", a)
	}
	if b := got["task-b"]; b[0] != 30 || b[1] < 41 || b[1] > 42 {
		t.Errorf("task-b created/finished %v", b)
	}
	if c, ok := got["task-c"]; !ok || c[0] != 45 || c[1] >= 0 {
		t.Errorf("task-c created/finished %v (present %v)", c, ok)
	}
}

// A run does not settle while random faults may still come.
func TestRunWaitsOutRandomFaults(t *testing.T) {
	sc := parse(t, `
name: faults-window
params: {nodes: 3}
duration: 30m
`+smallCluster+`
workloads:`+deployment("web", 2, "100m", "")+`
faults:
- {type: slowNode, factor: 2, mtbf: 3m, recoverAfter: 30s, end: 10m}
`)
	s := run(t, sc, 1).Summary
	if s.Ended != "settled" || s.VirtualSeconds < 600 || s.VirtualSeconds > 700 {
		t.Fatalf("ended %s after %.0fs, want settled soon after the 10m fault window", s.Ended, s.VirtualSeconds)
	}
}

// checkSeries: samples in time order, the last one showing the pods
// running at the end, and the control plane's metrics among the series.
func checkSeries(t *testing.T, ts *sim.TimeSeries, running int) {
	t.Helper()
	if ts == nil || len(ts.Times) < 10 {
		t.Fatalf("time series %+v: want at least 10 samples", ts)
	}
	col := map[string]int{}
	for j, n := range ts.Names {
		col[n] = j
	}
	for _, want := range []string{"pods_running", "nodes_ready", `cpu_requested_ratio{pool="general"}`,
		`workqueue_adds_total{name="replicaset"}`, `scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"}`} {
		if _, ok := col[want]; !ok {
			t.Errorf("no series %s among %v", want, ts.Names)
		}
	}
	if !slices.IsSorted(ts.Times) {
		t.Errorf("sample times out of order: %v", ts.Times)
	}
	last := ts.Rows[len(ts.Rows)-1]
	if got := last[col["pods_running"]]; got != float64(running) {
		t.Errorf("last sample has %v pods running, want %d", got, running)
	}
	if r := last[col[`cpu_requested_ratio{pool="general"}`]]; r <= 0 || r > 1 {
		t.Errorf("cpu requested ratio %v, want in (0, 1]", r)
	}
}

// checkNodes: one record per node, the pods' requests counted on them.
func checkNodes(t *testing.T, nodes []sim.NodeRecord, n, pods int) {
	t.Helper()
	total := int64(0)
	for _, r := range nodes {
		total += r.Pods
		if r.CPUAllocatable <= 0 || r.CPURequested > r.CPUAllocatable || r.Ready != "True" {
			t.Errorf("node record %+v", r)
		}
	}
	if len(nodes) != n || total != int64(pods) {
		t.Errorf("%d node records holding %d pods, want %d and %d", len(nodes), total, n, pods)
	}
}

// trace_sha256 is the hash of the trace file, and a run gives the same
// hash whether or not it writes the trace.
func TestTraceHashIsTheFiles(t *testing.T) {
	sc, err := scenarios.Open("quickstart", []string{"nodes=6"})
	if err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	with, err := sim.Run(context.Background(), sc, sim.Options{Seed: 3, Trace: &trace})
	if err != nil {
		t.Fatal(err)
	}
	without := run(t, sc, 3)
	sum := sha256.Sum256(trace.Bytes())
	if got := hex.EncodeToString(sum[:]); with.Summary.TraceSHA256 != got || without.Summary.TraceSHA256 != got {
		t.Fatalf("trace file %s, hash with the file %s, without %s", got, with.Summary.TraceSHA256, without.Summary.TraceSHA256)
	}
}
