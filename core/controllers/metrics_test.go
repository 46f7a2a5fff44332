package controllers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
)

func TestRunnerExportsWorkqueueMetrics(t *testing.T) {
	e := controllertest.New(t)
	noop := controllers.ReconcilerFunc(nil)
	r, err := controllers.NewRunner(e.Caches, e.Clock, controllers.Controller{Name: "replicaset", Reconciler: noop})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if err := r.RegisterMetrics(reg); err != nil {
		t.Fatal(err)
	}
	q := r.Queue("replicaset")
	a, b := controllers.Key{Namespace: "default", Name: "a"}, controllers.Key{Namespace: "default", Name: "b"}
	q.Add(a)
	q.Add(b)
	q.Add(a) // deduplicated
	e.Clock.Step(2 * time.Second)
	item, _ := q.TryGet()
	e.Clock.Step(3 * time.Second)
	q.AddRateLimited(b)
	q.Done(item)

	want := `
# HELP workqueue_adds_total Total number of adds handled by workqueue
# TYPE workqueue_adds_total counter
workqueue_adds_total{name="replicaset"} 2
# HELP workqueue_depth Current depth of workqueue
# TYPE workqueue_depth gauge
workqueue_depth{name="replicaset"} 1
# HELP workqueue_retries_total Total number of retries handled by workqueue
# TYPE workqueue_retries_total counter
workqueue_retries_total{name="replicaset"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"workqueue_adds_total", "workqueue_depth", "workqueue_retries_total"); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "workqueue_queue_duration_seconds":
			if h := mf.GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 2 {
				t.Errorf("queue duration count %d sum %v, want one wait of 2 s", h.GetSampleCount(), h.GetSampleSum())
			}
		case "workqueue_work_duration_seconds":
			if h := mf.GetMetric()[0].GetHistogram(); h.GetSampleCount() != 1 || h.GetSampleSum() != 3 {
				t.Errorf("work duration count %d sum %v, want one item worked 3 s", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
	item, _ = q.TryGet()
	e.Clock.Step(4 * time.Second)
	if n := testutil.CollectAndCount(reg, "workqueue_longest_running_processor_seconds"); n != 1 {
		t.Fatalf("%d longest-running series, want 1", n)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP workqueue_longest_running_processor_seconds How many seconds has the longest running processor for workqueue been running.
# TYPE workqueue_longest_running_processor_seconds gauge
workqueue_longest_running_processor_seconds{name="replicaset"} 4
`), "workqueue_longest_running_processor_seconds"); err != nil {
		t.Fatal(err)
	}
	q.Done(item)
}
