package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/sim"
)

// fixtureDir is a small run directory, written by writeFixture: 44 pods
// of three workloads on two pools, 50 samples, a scale-up that
// converges and a node crash that does not, one threshold.
const fixtureDir = "testdata/run"

// The fixture's run: times are integer milliseconds so that the files
// are the same on every platform (no transcendental functions, whose
// last bits may differ between architectures).
const (
	fxEndMs      = 250_000
	fxSampleMs   = 5_000
	fxCrashMs    = 150_000
	fxUnknownMs  = 190_000 // the crashed node's heartbeat lease runs out
	fxScaleMs    = 60_000
	fxCrashNode  = "general-3"
	fxGiB        = 1 << 30
	fxWallMillis = 412
)

type fxNode struct {
	name, pool, zone string
	cpuMilli, mem    int64
}

type fxPod struct {
	name, workload, node, phase string
	cpuMilli, mem               int64
	// moments in ms; -1 for one that never came
	created, scheduled, started, ready, terminating, finished int
}

type fxRun struct {
	nodes    []fxNode
	pods     []*fxPod
	rng      *rand.Rand
	assigned map[string]int64 // cpu milli placed on each node, for spreading
	attempts int
}

func newFixtureRun() *fxRun {
	r := &fxRun{rng: rand.New(rand.NewPCG(7, 11)), assigned: map[string]int64{}}
	for i := range 4 {
		r.nodes = append(r.nodes, fxNode{fmt.Sprintf("general-%d", i), "general", zoneOf(i), 4000, 16 * fxGiB})
	}
	for i := range 2 {
		r.nodes = append(r.nodes, fxNode{fmt.Sprintf("highmem-%d", i), "highmem", zoneOf(i), 8000, 64 * fxGiB})
	}
	for i := range 20 {
		r.addPod(fmt.Sprintf("web-%02d", i), "web", "general", 5_000+100*i, 250, fxGiB, true)
	}
	for i := range 6 {
		r.addPod(fmt.Sprintf("cache-%d", i), "cache", "highmem", 10_000+200*i, 2000, 12*fxGiB, true)
	}
	for i := range 2 {
		r.addPod(fmt.Sprintf("big-%d", i), "big", "", 20_000+i, 16_000, fxGiB, true)
	}
	for i := range 10 {
		r.addPod(fmt.Sprintf("batch-%d", i), "batch", "general", 30_000+8_000*i, 1000, 2*fxGiB, false)
	}
	for i := range 4 {
		r.addPod(fmt.Sprintf("web-%02d", 20+i), "web", "general", fxScaleMs+50*i, 250, fxGiB, true)
	}
	r.crash()
	return r
}

func zoneOf(i int) string { return []string{"zone-a", "zone-b"}[i%2] }

// addPod creates a pod and plays its life: scheduled on the least
// loaded node of its pool (never, with no pool), started, ready, and
// for a batch pod finished 40 s or so after it started.
func (r *fxRun) addPod(name, workload, pool string, created int, cpu, mem int64, serves bool) *fxPod {
	p := &fxPod{name: name, workload: workload, cpuMilli: cpu, mem: mem, phase: "Pending", created: created,
		scheduled: -1, started: -1, ready: -1, terminating: -1, finished: -1}
	r.pods = append(r.pods, p)
	node := r.leastLoaded(pool, created)
	if node == "" {
		r.attempts += 12 // retried with backoff until the end
		return p
	}
	r.attempts++
	r.assigned[node] += cpu
	p.node, p.phase = node, "Running"
	p.scheduled = created + 20 + r.rng.IntN(120) + r.rng.IntN(4)*r.rng.IntN(400)
	p.started = p.scheduled + 900 + r.rng.IntN(1500) + r.rng.IntN(3)*r.rng.IntN(2000)
	p.ready = p.started + 300 + r.rng.IntN(700)
	if !serves {
		p.finished = p.started + 35_000 + r.rng.IntN(10_000)
		p.phase = "Succeeded"
		if r.rng.IntN(5) == 0 {
			p.phase = "Failed"
		}
	}
	return p
}

func (r *fxRun) leastLoaded(pool string, at int) string {
	best := ""
	for _, n := range r.nodes {
		if n.pool != pool || (n.name == fxCrashNode && at >= fxCrashMs) {
			continue
		}
		if best == "" || r.assigned[n.name] < r.assigned[best] {
			best = n.name
		}
	}
	return best
}

// crash takes general-3 down: its unfinished pods are marked for
// deletion once the node is Unknown, never finish (the node does not
// come back), and the web pods among them are replaced elsewhere.
func (r *fxRun) crash() {
	var lost []*fxPod
	for _, p := range r.pods {
		if p.node == fxCrashNode && (p.finished < 0 || p.finished > fxCrashMs) {
			lost = append(lost, p)
		}
	}
	replaced := 0
	for _, p := range lost {
		p.terminating, p.finished, p.phase = fxUnknownMs+500, -1, "Running"
		if p.workload == "web" {
			r.addPod(fmt.Sprintf("web-r%d", replaced), "web", "general", fxUnknownMs+1_000+10*replaced, 250, fxGiB, true)
			replaced++
		}
	}
}

// state classifies a pod at time t as the simulator's summary does; ""
// for a pod not yet created or deleted.
func (p *fxPod) state(t int) string {
	at := func(m int) bool { return m >= 0 && m <= t }
	switch {
	case !at(p.created):
		return ""
	case at(p.finished) && p.phase == "Succeeded":
		return "succeeded"
	case at(p.finished) && p.phase == "Failed":
		return "failed"
	case at(p.finished):
		return ""
	case at(p.terminating):
		return "terminating"
	case !at(p.scheduled):
		return "pending"
	case at(p.started):
		return "running"
	}
	return "starting"
}

// holds reports whether the pod's requests count on its node at t.
func (p *fxPod) holds(t int) bool {
	return p.scheduled >= 0 && p.scheduled <= t && (p.finished < 0 || p.finished > t)
}

func msText(ms int) string {
	if ms < 0 {
		return ""
	}
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

func (r *fxRun) podsCSV() []byte {
	rows := [][]string{podColumns}
	for _, p := range r.pods {
		rows = append(rows, []string{p.name, "default", p.workload, p.node, msText(p.created),
			msText(p.scheduled), msText(p.started), msText(p.ready), msText(p.terminating),
			msText(p.finished), p.phase})
	}
	return csvBytes(rows)
}

func csvBytes(rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(rows)
	return b.Bytes()
}

// requested is the CPU (milli) and memory requested on a node at t.
func (r *fxRun) requested(node string, t int) (cpu, mem int64, pods int) {
	for _, p := range r.pods {
		if p.node == node && p.holds(t) {
			cpu, mem, pods = cpu+p.cpuMilli, mem+p.mem, pods+1
		}
	}
	return cpu, mem, pods
}

func (r *fxRun) nodeReady(n fxNode, t int) string {
	if n.name == fxCrashNode && t >= fxUnknownMs {
		return ReadyUnknown
	}
	return ReadyTrue
}

func (r *fxRun) nodesCSV() []byte {
	rows := [][]string{nodeColumns}
	for _, n := range r.nodes {
		cpu, mem, pods := r.requested(n.name, fxEndMs)
		rows = append(rows, []string{n.name, n.pool, n.zone, r.nodeReady(n, fxEndMs),
			msText(int(n.cpuMilli)), msText(int(cpu)), fmt.Sprint(n.mem), fmt.Sprint(mem), fmt.Sprint(pods)})
	}
	return csvBytes(rows)
}

var fxStates = []string{"pending", "starting", "running", "terminating", "succeeded", "failed"}

var fxPrometheus = []string{`apiserver_request_total{verb="GET",resource="pods"}`,
	`apiserver_request_total{verb="POST",resource="pods"}`,
	"scheduler_scheduling_attempt_duration_seconds_sum", "scheduler_scheduling_attempt_duration_seconds_count",
	`workqueue_depth{name="replicaset"}`}

func (r *fxRun) seriesCSV() []byte {
	header := []string{"time"}
	for _, s := range fxStates {
		header = append(header, "pods_"+s)
	}
	header = append(header, "nodes_ready", "nodes_not_ready", "nodes_unknown", "pods_scheduled_total")
	for _, res := range []string{"cpu", "memory"} {
		for _, pool := range []string{"general", "highmem"} {
			header = append(header, fmt.Sprintf("%s_requested_ratio{pool=%q}", res, pool))
		}
	}
	rows := [][]string{append(header, fxPrometheus...)}
	for t := 0; t < fxEndMs; t += fxSampleMs {
		rows = append(rows, r.sample(t))
	}
	return csvBytes(rows)
}

// sample is one row of timeseries.csv at t.
func (r *fxRun) sample(t int) []string {
	row := []string{msText(t)}
	counts := map[string]int{}
	scheduled := 0
	for _, p := range r.pods {
		counts[p.state(t)]++
		if p.scheduled >= 0 && p.scheduled <= t {
			scheduled++
		}
	}
	for _, s := range fxStates {
		row = append(row, fmt.Sprint(counts[s]))
	}
	ready := 0
	for _, n := range r.nodes {
		if r.nodeReady(n, t) == ReadyTrue {
			ready++
		}
	}
	row = append(row, fmt.Sprint(ready), "0", fmt.Sprint(len(r.nodes)-ready), fmt.Sprint(scheduled))
	row = append(row, r.poolRatios(t)...)
	return append(row, r.prometheus(t, scheduled)...)
}

func (r *fxRun) poolRatios(t int) []string {
	var out []string
	for _, res := range []string{"cpu", "memory"} {
		for _, pool := range []string{"general", "highmem"} {
			var used, alloc int64
			for _, n := range r.nodes {
				if n.pool != pool {
					continue
				}
				cpu, mem, _ := r.requested(n.name, t)
				if res == "cpu" {
					used, alloc = used+cpu, alloc+n.cpuMilli
				} else {
					used, alloc = used+mem/fxGiB, alloc+n.mem/fxGiB
				}
			}
			out = append(out, fmt.Sprintf("%.4f", float64(used)/float64(alloc)))
		}
	}
	return out
}

// prometheus is the flattened samples: counters that grow with the
// work, and a gauge first exported at 10 s (empty before).
func (r *fxRun) prometheus(t, scheduled int) []string {
	k := t / fxSampleMs
	depth := ""
	if t >= 10_000 {
		depth = fmt.Sprint((k * 7) % 5)
	}
	return []string{fmt.Sprint(40*k + 3*scheduled), fmt.Sprint(2 * scheduled),
		msText(scheduled * 7), fmt.Sprint(scheduled + r.attempts*k/(fxEndMs/fxSampleMs)), depth}
}

func (r *fxRun) summary() sim.Summary {
	trace := sha256.Sum256([]byte("kubetwin reports fixture"))
	s := sim.Summary{Scenario: "fixture-two-pools", Mode: "sim", Seed: 7,
		Params:      map[string]any{"nodes": 6, "web_replicas": 20},
		TraceSHA256: hex.EncodeToString(trace[:]), Ended: "duration", VirtualSeconds: 250,
		WallSeconds: float64(fxWallMillis) / 1000, Events: 18_734}
	s.Scheduling = r.scheduling()
	s.Convergence = r.convergence()
	s.Pods = r.podCounts()
	s.Nodes = sim.NodeCounts{Total: 6, Ready: 5, Unknown: 1}
	s.Utilisation = r.utilisation()
	s.Faults = []*sim.FaultRecord{{Label: "fault node-crash general-3 at 2m30s", Kind: "node-crash",
		Nodes: []string{fxCrashNode}, AtSeconds: fxCrashMs / 1000}}
	s.ViolationList = []sim.Violation{}
	s.Work = sim.Work{Reconciles: map[string]int{"deployment": 61, "replicaset": 93, "job": 34,
		"nodelifecycle": 250, "endpoints": 47}, Writes: map[string]int{"Pod": 212, "Node": 1503,
		"ReplicaSet": 40, "Deployment": 12, "Job": 22, "Endpoints": 47}}
	s.Errors = sim.Errors{Reconcile: map[string]int{"replicaset": 2}, Scheduler: 0}
	s.Thresholds = []sim.ThresholdResult{{Threshold: "scheduling.latency_seconds.p99 <= 5",
		Value: s.Scheduling.Latency.P99, OK: s.Scheduling.Latency.P99 <= 5}}
	return s
}

func (r *fxRun) scheduling() sim.Scheduling {
	var waits []int
	var busy [][2]int // [created, scheduled] of each bound pod
	for _, p := range r.pods {
		if p.scheduled >= 0 {
			waits = append(waits, p.scheduled-p.created)
			busy = append(busy, [2]int{p.created, p.scheduled})
		}
	}
	slices.Sort(waits)
	n := len(waits)
	rank := func(pct int) float64 { return float64(waits[max((pct*n+99)/100-1, 0)]) / 1000 }
	sum := 0
	for _, w := range waits {
		sum += w
	}
	return sim.Scheduling{Attempts: r.attempts, Scheduled: n, Failed: r.attempts - n,
		Throughput: sim.Throughput{Virtual: float64(n) / (float64(unionMs(busy)) / 1000),
			Wall: float64(n) / (float64(fxWallMillis) / 1000)},
		Latency: sim.Quantiles{Count: n, Mean: float64(sum) / float64(n) / 1000, P50: rank(50),
			P90: rank(90), P99: rank(99), Max: float64(waits[n-1]) / 1000}}
}

// unionMs is the time covered by at least one interval: the simulator
// measures throughput over the time the scheduler had pods waiting.
func unionMs(xs [][2]int) int {
	slices.SortFunc(xs, func(a, b [2]int) int { return a[0] - b[0] })
	total, end := 0, -1
	for _, x := range xs {
		switch {
		case x[0] > end:
			total, end = total+x[1]-x[0], x[1]
		case x[1] > end:
			total, end = total+x[1]-end, x[1]
		}
	}
	return total
}

func (r *fxRun) convergence() []*sim.ConvergenceRecord {
	readyAt := 0
	for _, p := range r.pods {
		if p.workload == "web" && p.created >= fxScaleMs && p.created < fxCrashMs {
			readyAt = max(readyAt, p.ready)
		}
	}
	took := float64(readyAt-fxScaleMs) / 1000
	return []*sim.ConvergenceRecord{
		{Action: "scale web to 24 at 1m0s", AtSeconds: fxScaleMs / 1000, Seconds: &took, Workloads: []string{"web"}},
		{Action: "fault node-crash general-3 at 2m30s", AtSeconds: fxCrashMs / 1000,
			Workloads: []string{"web", "cache", "big"}},
	}
}

func (r *fxRun) podCounts() sim.PodCounts {
	c := sim.PodCounts{Created: len(r.pods)}
	for _, p := range r.pods {
		switch p.state(fxEndMs) {
		case "pending":
			c.Pending++
		case "starting":
			c.Starting++
		case "running":
			c.Running++
		case "terminating":
			c.Terminating++
		case "succeeded":
			c.Succeeded++
		case "failed":
			c.Failed++
		default:
			c.Deleted++
		}
	}
	return c
}

func (r *fxRun) utilisation() sim.Utilisation {
	var cpu, mem, cpuAlloc, memAlloc int64
	for _, n := range r.nodes {
		c, m, _ := r.requested(n.name, fxEndMs)
		cpu, mem, cpuAlloc, memAlloc = cpu+c, mem+m, cpuAlloc+n.cpuMilli, memAlloc+n.mem
	}
	return sim.Utilisation{CPU: float64(cpu) / float64(cpuAlloc), Memory: float64(mem) / float64(memAlloc)}
}

// writeFixture writes the fixture run into dir.
func writeFixture(dir string) error {
	r := newFixtureRun()
	summary, err := json.MarshalIndent(r.summary(), "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{sim.SummaryFile: append(summary, '\n'), sim.PodsFile: r.podsCSV(),
		SeriesFile: r.seriesCSV(), NodesFile: r.nodesCSV()}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range sortedKeys(files) {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// The committed fixture is what the generator writes (-update rewrites
// it); summary.json is compared decoded, so that a field sim.Summary
// gains later does not make the fixture stale.
func TestFixtureIsCurrent(t *testing.T) {
	if *update {
		if err := writeFixture(fixtureDir); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	if err := writeFixture(tmp); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{sim.PodsFile, SeriesFile, NodesFile} {
		want, _ := os.ReadFile(filepath.Join(tmp, name))
		got, err := os.ReadFile(filepath.Join(fixtureDir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's (%v); run go test ./reports/ -run Fixture -update", name, err)
		}
	}
	var got, want sim.Summary
	for path, dst := range map[string]*sim.Summary{filepath.Join(fixtureDir, sim.SummaryFile): &got,
		filepath.Join(tmp, sim.SummaryFile): &want} {
		b, err := os.ReadFile(path)
		if err != nil || json.Unmarshal(b, dst) != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary.json differs from the generator's; run go test ./reports/ -run Fixture -update")
	}
}
