package scenarios

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestParamsKeepTypes(t *testing.T) {
	sc := parse(t, `description: "${label}-x $${literal} ${n}"
seed: ${n}
workloads:
- name: ${label}
  lifecycle: {failProbability: "${ratio}"}
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web, labels: {flag: "${enabled}"}}
    spec:
      replicas: ${n}
      paused: ${enabled}
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec: {containers: [{name: c, image: "nginx:1.${n}"}]}
`)
	want := map[string]any{"n": 5, "label": "foo", "ratio": 0.5, "enabled": true}
	for k, v := range want {
		if sc.Params[k] != v {
			t.Errorf("Params[%s] = %#v, want %#v", k, sc.Params[k], v)
		}
	}
	if sc.Seed != 5 || sc.Workloads[0].Name != "foo" || sc.Workloads[0].Lifecycle.FailProbability != 0.5 {
		t.Errorf("seed %d, workload %q, failProbability %g", sc.Seed, sc.Workloads[0].Name, sc.Workloads[0].Lifecycle.FailProbability)
	}
	if sc.Description != "foo-x ${literal} 5" {
		t.Errorf("description = %q", sc.Description)
	}
	d := sc.Workloads[0].Objects[0].(*api.Deployment)
	if *d.Spec.Replicas != 5 || !d.Spec.Paused || d.Labels["flag"] != "true" || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.5" {
		t.Errorf("deployment: replicas %d paused %v labels %v image %q", *d.Spec.Replicas, d.Spec.Paused, d.Labels,
			d.Spec.Template.Spec.Containers[0].Image)
	}
}

func TestSetOverrides(t *testing.T) {
	tests := []struct {
		name  string
		sets  []string
		check func(*Scenario) bool
	}{
		{"param keeps int", []string{"n=7"}, func(s *Scenario) bool { return s.Cluster.Pools[0].Count == 5 && s.Params["n"] == 7 && s.Seed == 7 }},
		{"param becomes string", []string{"label=bar"}, func(s *Scenario) bool { return s.Params["label"] == "bar" }},
		{"path duration", []string{"duration=2h"}, func(s *Scenario) bool { return s.Duration == 2*time.Hour }},
		{"path into a list", []string{"cluster.pools.0.count=9"}, func(s *Scenario) bool { return s.Cluster.Pools[0].Count == 9 }},
		{"path made", []string{"scheduler.profile=binpack"}, func(s *Scenario) bool {
			return s.Scheduler.Profile == "binpack" && len(s.Scheduler.Profiles) == 1
		}},
		{"later wins", []string{"duration=2h", "duration=90"}, func(s *Scenario) bool { return s.Duration == 90*time.Second }},
		{"params path", []string{"params.n=8"}, func(s *Scenario) bool { return s.Params["n"] == 8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := parse(t, "seed: ${n}\n", tt.sets...)
			if !tt.check(sc) {
				t.Errorf("--set %q: got %+v", tt.sets, sc)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	tests := []struct {
		set  string
		want string
	}{
		{"noequals", "test.yaml (--set noequals): want KEY=VALUE"},
		{"=5", "test.yaml (--set =5): want KEY=VALUE"},
		{"cluster=5", "test.yaml (--set cluster=5): cluster: is a mapping; --set can only set scalars"},
		{"cluster.pools.3.count=1", "cluster.pools.3.count: at \"cluster.pools.3\": a list of 1 items"},
		{"name.x=1", "name.x: at \"name.x\": the value above is a scalar"},
		{"duration=soon", "test.yaml (--set duration=soon): duration: bad duration \"soon\""},
		{"cluster.pools.0.colour=red", "test.yaml (--set cluster.pools.0.colour=red): cluster.pools[0].colour: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.set, func(t *testing.T) {
			wantErr(t, parseErr("", tt.set), tt.want)
		})
	}
}
