package metrics_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// tickingBinder advances the manual clock on every bind, so durations
// measured on the scheduler's clock are virtual and known.
type tickingBinder struct{ clock *clock.Manual }

func (b tickingBinder) Bind(context.Context, *api.Pod, string) error {
	b.clock.Step(250 * time.Millisecond)
	return nil
}

func TestSchedulerRecordsMetrics(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	reg := prometheus.NewRegistry()
	s, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(1, 0)),
		Binder: tickingBinder{c}, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	s.AddNode(fixtures.MakeNode().Name("n1").CPU("4").Obj())
	for i := range 40 {
		s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("p%02d", i)).CPU("50m").Obj())
	}
	s.AddPod(fixtures.MakePod().Name("huge").CPU("64").Obj())
	for {
		if _, ok := s.ScheduleOne(t.Context()); !ok {
			break
		}
	}
	want := `
# HELP scheduler_schedule_attempts_total Number of attempts to schedule pods, by the result.
# TYPE scheduler_schedule_attempts_total counter
scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"} 40
scheduler_schedule_attempts_total{profile="default-scheduler",result="unschedulable"} 1
# HELP scheduler_pending_pods Number of pending pods, by the queue type.
# TYPE scheduler_pending_pods gauge
scheduler_pending_pods{queue="active"} 0
scheduler_pending_pods{queue="backoff"} 0
scheduler_pending_pods{queue="unschedulable"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"scheduler_schedule_attempts_total", "scheduler_pending_pods"); err != nil {
		t.Fatal(err)
	}
	checkVirtualDurations(t, reg)
}

// checkVirtualDurations checks the histograms hold the manual clock's
// 250 ms per bind, not wall time, and that some plugins were timed.
func checkVirtualDurations(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			h := m.GetHistogram()
			if h == nil {
				continue
			}
			found[f.GetName()] = true
			if f.GetName() == "scheduler_pod_scheduling_duration_seconds" && (h.GetSampleCount() != 40 || h.GetSampleSum() < 0.25*40) {
				t.Errorf("pod scheduling durations: count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
			}
		}
	}
	for _, name := range []string{"scheduler_scheduling_attempt_duration_seconds", "scheduler_pod_scheduling_duration_seconds",
		"scheduler_plugin_execution_duration_seconds"} {
		if !found[name] {
			t.Errorf("no samples of %s", name)
		}
	}
}

func TestMetricsKeepValidationAndRegistration(t *testing.T) {
	c := clock.NewManual(time.Unix(0, 0))
	reg := prometheus.NewRegistry()
	bad := framework.Profile{Plugins: framework.Plugins{Filter: framework.PluginSet{
		Enabled: []framework.PluginRef{{Name: "PrioritySort"}}}}}
	_, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(1, 0)), Binder: tickingBinder{c},
		Profiles: []framework.Profile{bad}, Metrics: reg})
	if n, gerr := testutil.GatherAndCount(reg); gerr != nil || n != 0 {
		t.Fatalf("a failed New left %d series registered (%v)", n, gerr)
	}
	if err == nil || !strings.Contains(err.Error(), "does not implement filter") {
		t.Fatalf("a plugin at a point it lacks must still be refused with metrics on: %v", err)
	}
	if _, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(1, 0)), Binder: tickingBinder{c},
		Metrics: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(1, 0)), Binder: tickingBinder{c},
		Metrics: reg}); err == nil {
		t.Fatal("registering twice on one registry must fail")
	}
}

// TestMetricsRunsAreReproducible checks two runs with metrics and one seed
// place every pod alike, and that plugin samples cover about a tenth of cycles.
func TestMetricsRunsAreReproducible(t *testing.T) {
	run := func() (map[string]string, uint64) {
		c := clock.NewManual(time.Unix(0, 0))
		reg := prometheus.NewRegistry()
		s, err := scheduler.New(scheduler.Options{Clock: c, Rand: rand.New(rand.NewPCG(9, 0)), Binder: tickingBinder{c}, Metrics: reg})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("n%d", i)).CPU("100").Obj())
		}
		got := map[string]string{}
		for i := range 400 {
			s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("p%03d", i)).Obj())
			res, _ := s.ScheduleOne(t.Context())
			got[res.Pod.Name] = res.Node
		}
		return got, prefilterCalls(t, reg)
	}
	a, callsA := run()
	b, callsB := run()
	if fmt.Sprint(a) != fmt.Sprint(b) || callsA != callsB {
		t.Fatal("same seed, different runs")
	}
	if callsA < 10 || callsA > 80 {
		t.Fatalf("NodeResourcesFit PreFilter timed in %d of 400 cycles, want about 40", callsA)
	}
}

// prefilterCalls counts the timed PreFilter calls of NodeResourcesFit.
func prefilterCalls(t *testing.T, reg *prometheus.Registry) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, f := range families {
		if f.GetName() != "scheduler_plugin_execution_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := fmt.Sprint(m.GetLabel())
			if strings.Contains(labels, `"NodeResourcesFit"`) && strings.Contains(labels, `"PreFilter"`) {
				n += m.GetHistogram().GetSampleCount()
			}
		}
	}
	return n
}
