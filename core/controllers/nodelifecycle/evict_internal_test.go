package nodelifecycle

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestEvictionDeadline(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	added := api.NewTime(t0.Add(time.Minute))
	taints := []api.Taint{{Key: api.TaintNodeUnreachable, Effect: api.TaintEffectNoExecute, TimeAdded: &added}}
	secs := func(s int64) *int64 { return &s }
	tol := func(key string, op api.TolerationOperator, s *int64) api.Toleration {
		return api.Toleration{Key: key, Operator: op, Effect: api.TaintEffectNoExecute, TolerationSeconds: s}
	}
	cases := []struct {
		name   string
		tols   []api.Toleration
		want   time.Time
		wantOK bool
	}{
		{"no toleration: now", nil, time.Time{}, true},
		{"other key: now", []api.Toleration{tol("x", api.TolerationOpExists, nil)}, time.Time{}, true},
		{"for ever", []api.Toleration{tol(api.TaintNodeUnreachable, api.TolerationOpExists, nil)}, time.Time{}, false},
		{"wildcard for ever", []api.Toleration{tol("", api.TolerationOpExists, nil)}, time.Time{}, false},
		{"smallest seconds win", []api.Toleration{tol(api.TaintNodeUnreachable, api.TolerationOpExists, secs(300)),
			tol("", api.TolerationOpExists, secs(60))}, added.Add(time.Minute), true},
		{"negative is zero", []api.Toleration{tol(api.TaintNodeUnreachable, api.TolerationOpExists, secs(-5))}, added.Time, true},
	}
	for _, tc := range cases {
		p := &api.Pod{Spec: api.PodSpec{Tolerations: tc.tols}}
		got, ok := evictionDeadline(p, taints, t0)
		if ok != tc.wantOK || !got.Equal(tc.want) {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
}

func TestTolerationValueMatching(t *testing.T) {
	taint := api.Taint{Key: "k", Value: "v", Effect: api.TaintEffectNoExecute}
	if !tolerates(api.Toleration{Key: "k", Value: "v"}, taint) {
		t.Error("Equal with same value and empty effect should tolerate")
	}
	if tolerates(api.Toleration{Key: "k", Value: "w"}, taint) {
		t.Error("Equal with another value should not tolerate")
	}
	if tolerates(api.Toleration{Key: "k", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule}, taint) {
		t.Error("another effect should not tolerate")
	}
}
