package cluster_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
)

// TestStartupLatency starts 30 pods over 3 nodes and checks they all
// come up; BenchmarkPodStartup measures the same thing for the notes.
func TestStartupLatency(t *testing.T) {
	e := startCluster(t, 3, "")
	m := e.measureStartup(30)
	t.Logf("%s", m)
}

// BenchmarkPodStartup reports pod startup latency percentiles for 30 pods
// over 3 nodes, each the median over the iterations:
// `go test -run '^$' -bench PodStartup -benchtime 5x ./real/cluster/`.
func BenchmarkPodStartup(b *testing.B) {
	e := startCluster(b, 3, "")
	var runs []startup
	for b.Loop() {
		runs = append(runs, e.measureStartup(30))
		e.mustKubectl("scale", "deployment/web", "--replicas=0")
		e.mustKubectl("wait", "--for=delete", "pod", "-l", "app=web", "--timeout=120s")
	}
	for _, r := range runs {
		b.Log(r)
	}
	report := func(unit string, f func(startup) time.Duration) {
		ds := make([]time.Duration, len(runs))
		for i, r := range runs {
			ds[i] = f(r)
		}
		slices.Sort(ds)
		b.ReportMetric(ms(ds[len(ds)/2]), unit)
	}
	report("running-p50-ms", func(s startup) time.Duration { return pct(s.running, 50) })
	report("running-p99-ms", func(s startup) time.Duration { return pct(s.running, 99) })
	report("ready-p50-ms", func(s startup) time.Duration { return pct(s.ready, 50) })
	report("ready-p99-ms", func(s startup) time.Duration { return pct(s.ready, 99) })
	report("all-ready-ms", func(s startup) time.Duration { return s.allReady })
}

// startup is one measurement: per pod, creation to Running (every
// container started) and to Ready, and scale to the last pod Ready.
type startup struct {
	scheduled, running, ready []time.Duration
	allReady                  time.Duration
}

func (s startup) String() string {
	return fmt.Sprintf("%d pods: creation to bound p50 %v p99 %v; to Running p50 %v p99 %v; to Ready p50 %v p99 %v; all Ready %v after the scale",
		len(s.ready), pct(s.scheduled, 50), pct(s.scheduled, 99), pct(s.running, 50), pct(s.running, 99),
		pct(s.ready, 50), pct(s.ready, 99), s.allReady.Round(time.Millisecond))
}

// pct is the p-th percentile of sorted ds, nearest rank.
func pct(ds []time.Duration, p int) time.Duration {
	i := (len(ds)*p + 99) / 100
	return ds[max(0, i-1)].Round(time.Millisecond)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// measureStartup scales the web Deployment (applied at 0 replicas) to n
// and times each pod as a watch over the API sees it, from its first
// appearance (its creation) to Running and to Ready.
func (e *e2e) measureStartup(n int) startup {
	t := e.t
	t.Helper()
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	os.WriteFile(manifest, []byte(strings.Replace(webManifest, "replicas: 4", "replicas: 0", 1)), 0o644)
	e.mustKubectl("apply", "-f", manifest)
	c, err := client.FromKubeconfig(e.state.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	podKind, _ := api.LookupKind(api.CoreV1, "Pod")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	w, err := c.Watch(ctx, podKind, store.WatchOptions{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	start := time.Now()
	e.mustKubectl("scale", "deployment/web", fmt.Sprintf("--replicas=%d", n))
	var tr podTimes
	tr.follow(ctx, t, w, n)
	m := startup{allReady: time.Since(start)}
	for name, at := range tr.created {
		m.scheduled = append(m.scheduled, tr.scheduled[name].Sub(at))
		m.running = append(m.running, tr.running[name].Sub(at))
		m.ready = append(m.ready, tr.ready[name].Sub(at))
	}
	slices.Sort(m.scheduled)
	slices.Sort(m.running)
	slices.Sort(m.ready)
	return m
}

// podTimes records when each pod was first seen, seen Running and seen Ready.
type podTimes struct {
	created, scheduled, running, ready map[string]time.Time
}

// follow reads the watch until n pods are Ready.
func (tr *podTimes) follow(ctx context.Context, t testing.TB, w store.Watcher, n int) {
	tr.created, tr.scheduled = map[string]time.Time{}, map[string]time.Time{}
	tr.running, tr.ready = map[string]time.Time{}, map[string]time.Time{}
	for len(tr.ready) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok || ev.Err != nil {
				t.Fatalf("watch ended: %v", ev.Err)
			}
			p, now := ev.Object.(*api.Pod), time.Now()
			if _, seen := tr.created[p.Name]; !seen {
				tr.created[p.Name] = now
			}
			if _, seen := tr.scheduled[p.Name]; !seen && p.Spec.NodeName != "" {
				tr.scheduled[p.Name] = now
			}
			if _, seen := tr.running[p.Name]; !seen && podRunning(p) {
				tr.running[p.Name] = now
			}
			if _, seen := tr.ready[p.Name]; !seen && controllers.IsPodReady(p) {
				tr.ready[p.Name] = now
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d pods Ready within 3 minutes", len(tr.ready), n)
		}
	}
}

// podRunning: phase Running with every container started.
func podRunning(p *api.Pod) bool {
	if p.Status.Phase != api.PodRunning {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil {
			return false
		}
	}
	return true
}
