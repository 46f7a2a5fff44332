package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubetwin/kubetwin/bench"
	"github.com/kubetwin/kubetwin/core/clock"
)

// TestSmallCases runs every case at 100 nodes and checks every measured pod
// was bound and the statistics are ordered.
func TestSmallCases(t *testing.T) {
	for _, c := range bench.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			cfg := bench.Config{Nodes: 100, InitPods: 200, MeasuredPods: 500, Seed: 1,
				SampleInterval: 20 * time.Millisecond, Clock: clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
			if c.Name == "PreemptionBasic" {
				cfg.InitPods, cfg.MeasuredPods = 400, 100
			}
			if c.Name == "GPUPods" { // 50 nodes with 8 GPUs each
				cfg.InitPods, cfg.MeasuredPods = 100, 250
			}
			if c.Name == "PodAntiAffinity" {
				cfg.InitPods, cfg.MeasuredPods = 40, 50
			}
			res, err := bench.Run(context.Background(), c, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, c, cfg, res)
		})
	}
}

func checkResult(t *testing.T, c bench.Case, cfg bench.Config, res *bench.Result) {
	t.Helper()
	want := cfg.MeasuredPods
	if res.Bound != want || res.Pods != cfg.MeasuredPods || res.Nodes != cfg.Nodes {
		t.Fatalf("bound %d of %d pods on %d nodes, want %d bound: %+v", res.Bound, res.Pods, res.Nodes, want, res)
	}
	tp := res.Throughput
	if tp.P50 > tp.P90 || tp.P90 > tp.P99 || tp.Average < 0 || res.DurationSecond <= 0 || res.PeakHeapBytes == 0 {
		t.Fatalf("insane statistics: %+v", res)
	}
	if tp.Average <= 0 || tp.P99 <= 0 {
		t.Fatalf("no throughput recorded: %+v", res)
	}
	if res.Attempts < want {
		t.Fatalf("attempts %d < bound %d", res.Attempts, want)
	}
}

func TestSummarize(t *testing.T) {
	got := bench.Summarize([]float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10})
	if got.Average != 5.5 || got.P50 != 5 || got.P90 != 9 || got.P99 != 10 {
		t.Fatalf("summary %+v", got)
	}
	if (bench.Summarize(nil) != bench.Throughput{}) {
		t.Fatal("empty samples must summarise to zero")
	}
}

func TestLookupAndMetrics(t *testing.T) {
	if _, err := bench.Lookup("nope"); err == nil {
		t.Fatal("unknown case must fail")
	}
	c, err := bench.Lookup("schedulingbasic")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	cfg := bench.Config{Nodes: 20, InitPods: -1, MeasuredPods: 50, Metrics: reg}
	if _, err := bench.Run(context.Background(), c, cfg); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "scheduler_schedule_attempts_total")
	if err != nil || n != 1 {
		t.Fatalf("attempt series %d, %v", n, err)
	}
}

// BenchmarkCases runs every case at its full default size, one run per
// iteration, reporting the average throughput and the peak heap; `make
// bench` runs it (kubetwin bench scheduler runs one case the same way).
func BenchmarkCases(b *testing.B) {
	for _, c := range bench.Cases() {
		b.Run(c.Name, func(b *testing.B) {
			var pods, heap float64
			for range b.N {
				res, err := bench.Run(context.Background(), c, bench.Config{Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				pods += res.Throughput.Average
				heap = max(heap, float64(res.PeakHeapBytes)/(1<<20))
			}
			b.ReportMetric(pods/float64(b.N), "pods/s")
			b.ReportMetric(heap, "peak-heap-MiB")
		})
	}
}
