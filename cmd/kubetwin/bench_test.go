package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestBenchSchedulerJSON(t *testing.T) {
	out, err := execute(t, "", "bench", "scheduler", "--case", "SchedulingBasic",
		"--nodes", "20", "--init-pods", "10", "--pods", "100", "--json")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	var got struct {
		Case       string             `json:"case"`
		Nodes      int                `json:"nodes"`
		Pods       int                `json:"pods"`
		Bound      int                `json:"bound"`
		Throughput map[string]float64 `json:"throughput_pods_per_s"`
		PeakHeap   uint64             `json:"peak_heap_bytes"`
		Duration   float64            `json:"duration_s"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	if got.Case != "SchedulingBasic" || got.Nodes != 20 || got.Pods != 100 || got.Bound != 100 ||
		got.PeakHeap == 0 || got.Duration <= 0 || got.Throughput["average"] <= 0 {
		t.Fatalf("result %+v", got)
	}
	for _, k := range []string{"average", "p50", "p90", "p99"} {
		if _, ok := got.Throughput[k]; !ok {
			t.Errorf("throughput lacks %s", k)
		}
	}
}

func TestBenchSchedulerSummaryAndErrors(t *testing.T) {
	out, err := execute(t, "", "bench", "scheduler", "--case", "unschedulable",
		"--nodes", "10", "--init-pods", "3", "--pods", "5", "--plugin-times")
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, want := range []string{"case Unschedulable: 10 nodes", "5 bound", "throughput (pods/s)", "peak heap"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, err := execute(t, "", "bench", "scheduler", "--case", "nope"); err == nil ||
		!strings.Contains(err.Error(), "SchedulingBasic") {
		t.Fatalf("unknown case: %v", err)
	}
}

// TestBenchWithExamplePlugin runs the GPUPods case under the default
// profile and under scenarios/profiles/gpu-binpack.yaml, which adds the
// out-of-tree example GPUBinPacking: 40 one-GPU pods on 10 eight-GPU nodes
// spread over all of them by default and fill exactly five when packed.
func TestBenchWithExamplePlugin(t *testing.T) {
	nodesUsed := func(extra ...string) int {
		t.Helper()
		args := append([]string{"bench", "scheduler", "--case", "GPUPods", "--nodes", "20",
			"--init-pods", "-1", "--pods", "40", "--json"}, extra...)
		out, err := execute(t, "", args...)
		if err != nil {
			t.Fatalf("bench %v: %v\n%s", extra, err, out)
		}
		var got struct {
			Bound     int `json:"bound"`
			NodesUsed int `json:"nodes_used"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || got.Bound != 40 {
			t.Fatalf("bench %v: %v, %+v\n%s", extra, err, got, out)
		}
		return got.NodesUsed
	}
	if spread := nodesUsed(); spread != 10 {
		t.Errorf("default profile used %d nodes, want all 10 GPU nodes", spread)
	}
	if packed := nodesUsed("--scheduler-config", "../../scenarios/profiles/gpu-binpack.yaml"); packed != 5 {
		t.Errorf("gpu-binpack profile used %d nodes, want 5", packed)
	}
}

// TestSchedulerConfigErrors: a missing file, an unknown field and an
// unknown plugin are refused with their cause, by bench and by server
// before the server starts anything.
func TestSchedulerConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct{ path, want string }{
		{dir + "/missing.yaml", "no such file"},
		{write("typo.yaml", "profiles:\n- plugin: {}\n"), `unknown field "plugin"`},
		{write("empty.yaml", "profiles: []\n"), "no profiles"},
		{write("unknown.yaml", "profiles:\n- plugins: {score: {enabled: [{name: Nope}]}}\n"), `unknown plugin "Nope"`},
	}
	for _, tc := range cases {
		_, err := execute(t, "", "bench", "scheduler", "--nodes", "5", "--init-pods", "-1", "--pods", "1",
			"--scheduler-config", tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("bench with %s: %v, want %q", tc.path, err, tc.want)
		}
	}
	data := t.TempDir()
	if _, err := execute(t, "", "server", "--data-dir", data, "--listen", "127.0.0.1:0",
		"--scheduler-config", cases[1].path); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Fatalf("server with a bad scheduler config: %v", err)
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Fatalf("server wrote %d entries before refusing its config", len(entries))
	}
}
