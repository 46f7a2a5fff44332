package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/bench/apiload"
)

// TestBenchAPIServerSmall is the small variant of `kubetwin bench
// apiserver`: a bounded number of creates with 1 and 10 clients, every
// one answered 201 and seen on the watch.
func TestBenchAPIServerSmall(t *testing.T) {
	var out bytes.Buffer
	o := &apiBenchOptions{clients: []int{1, 10}, duration: time.Minute, maxCreates: 150, jsonOut: true}
	if err := o.run(context.Background(), &out); err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one JSON line per client count:\n%s", out.String())
	}
	for i, line := range lines {
		var r apiload.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if r.Clients != o.clients[i] || r.Creates != 150 || r.Errors != 0 || r.WatchMissing != 0 ||
			r.CreatesPerSecond <= 0 || r.RequestMs.P99 <= 0 {
			t.Fatalf("run %d: %+v", i, r)
		}
	}
}

// BenchmarkAPIServerCreates10Clients measures HTTPS pod creates with 10
// clients on embedded etcd (with fsync); see `kubetwin bench apiserver`.
func BenchmarkAPIServerCreates10Clients(b *testing.B) {
	s, target, err := startBenchServer(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer stopTestServer(b, s)
	b.ResetTimer()
	res, err := apiload.Run(context.Background(), target, apiload.Config{Clients: 10, Duration: 5 * time.Minute,
		Namespace: "default", MaxCreates: b.N, RunID: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(res.CreatesPerSecond, "creates/s")
	b.ReportMetric(res.RequestMs.P99, "p99-ms")
}
