package driver_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

var (
	t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 = t0.Add(10 * time.Second)
)

// unschedulable is the PodScheduled condition of a pod that fit nowhere at t0.
func unschedulable(msg string) api.PodCondition {
	return api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable",
		Message: msg, LastTransitionTime: api.NewTime(t0)}
}

func TestApplyWritesStatusOnlyWhenItChanges(t *testing.T) {
	const a, b = "0/3 nodes are available: 3 Insufficient cpu.", "0/4 nodes are available: 4 Insufficient cpu."
	fit := &scheduler.Diagnosis{}
	tests := []struct {
		name      string
		had       []api.PodCondition // the pod's conditions before the result
		nodeName  string             // the pod was bound meanwhile
		res       scheduler.Result
		written   bool
		reason    string
		message   string
		since     time.Time // the condition's lastTransitionTime
		nominated string
	}{
		{name: "first failure", res: scheduler.Result{Err: errors.New(a), Diagnosis: fit},
			written: true, reason: "Unschedulable", message: a, since: t1},
		{name: "same failure again", had: []api.PodCondition{unschedulable(a)},
			res:    scheduler.Result{Err: errors.New(a), Diagnosis: fit},
			reason: "Unschedulable", message: a, since: t0},
		{name: "new message keeps the transition time", had: []api.PodCondition{unschedulable(a)},
			res:     scheduler.Result{Err: errors.New(b), Diagnosis: fit},
			written: true, reason: "Unschedulable", message: b, since: t0},
		{name: "an error is a SchedulerError", had: []api.PodCondition{unschedulable(a)},
			res:     scheduler.Result{Err: errors.New("bind: connection refused")},
			written: true, reason: "SchedulerError", message: "bind: connection refused", since: t0},
		{name: "nomination alone is written", had: []api.PodCondition{unschedulable(a)},
			res:     scheduler.Result{Err: errors.New(a), Diagnosis: fit, NominatedNodeName: "node-1"},
			written: true, reason: "Unschedulable", message: a, since: t0, nominated: "node-1"},
		{name: "bound meanwhile", nodeName: "node-2", res: scheduler.Result{Err: errors.New(a), Diagnosis: fit}},
		{name: "success writes no status", res: scheduler.Result{Node: "node-0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := clock.NewManual(t0)
			e := newEnv(t, c)
			pod := e.create(podKind, fixtures.MakePod().Name("p").Node(tc.nodeName).Obj()).(*api.Pod)
			if tc.had != nil {
				pod = pod.DeepCopy()
				pod.Status.Conditions = tc.had
				if _, err := e.reg.Update(e.ctx, podKind, pod, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
					t.Fatal(err)
				}
			}
			before := e.pod("p")
			c.Step(t1.Sub(t0))
			tc.res.Pod = before
			if err := e.wb.Apply(e.ctx, tc.res); err != nil {
				t.Fatalf("apply: %v", err)
			}
			after := e.pod("p")
			if written := after.ResourceVersion != before.ResourceVersion; written != tc.written {
				t.Fatalf("written = %v, want %v", written, tc.written)
			}
			checkScheduledCondition(t, after, tc.reason, tc.message, tc.since)
			if got := after.Status.NominatedNodeName; got != tc.nominated {
				t.Errorf("nominatedNodeName = %q, want %q", got, tc.nominated)
			}
		})
	}
}

// checkScheduledCondition checks PodScheduled=False with reason, message
// and transition time, or its absence when reason is empty.
func checkScheduledCondition(t *testing.T, p *api.Pod, reason, message string, since time.Time) {
	t.Helper()
	c := condition(p, api.PodScheduled)
	if reason == "" {
		if c != nil && c.Status == api.ConditionFalse {
			t.Errorf("unexpected PodScheduled %+v", c)
		}
		return
	}
	if c == nil || c.Status != api.ConditionFalse || c.Reason != reason || c.Message != message ||
		!c.LastTransitionTime.Time.Equal(since) {
		t.Errorf("PodScheduled = %+v, want False/%s %q since %v", c, reason, message, since)
	}
}

func TestApplyRecordsEventsAsKubeScheduler(t *testing.T) {
	tests := []struct {
		name string
		res  scheduler.Result
		want string
	}{
		{name: "scheduled", res: scheduler.Result{Node: "node-0"},
			want: "Normal Scheduled p: Successfully assigned default/p to node-0 (1)"},
		{name: "unschedulable", res: scheduler.Result{Err: errors.New("0/1 nodes are available: 1 Too many pods."),
			Diagnosis: &scheduler.Diagnosis{}},
			want: "Warning FailedScheduling p: 0/1 nodes are available: 1 Too many pods. (1)"},
		{name: "error", res: scheduler.Result{Err: errors.New("bind: etcd unavailable")},
			want: "Warning FailedScheduling p: bind: etcd unavailable (1)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, clock.NewManual(t0))
			tc.res.Pod = e.create(podKind, fixtures.MakePod().Name("p").Obj()).(*api.Pod)
			if err := e.wb.Apply(e.ctx, tc.res); err != nil {
				t.Fatalf("apply: %v", err)
			}
			if evs := e.events(); len(evs) != 1 || evs[0] != tc.want {
				t.Fatalf("events = %q, want [%q]", evs, tc.want)
			}
		})
	}
}
