package main

import (
	"encoding/json"
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
