package scenarios

import (
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  []string
	}{
		{"unknown field", "colour: red\n", []string{"test.yaml:5: colour: unknown field"}},
		{"bad duration", "duration: 10 minutes\n", []string{`test.yaml:5: duration: bad duration "10 minutes"`}},
		{"zero duration", "duration: 0s\n", []string{"test.yaml:5: duration: must be more than 0"}},
		{"empty lists are fine", "faults: []\ntimeline: []\n", nil},
		{"bad dist", "latency:\n  apiWrite: {uniform: {min: 2s, max: 1s}}\n",
			[]string{"test.yaml:6: latency.apiWrite: uniform: need 0 <= min <= max"}},
		{"unknown dist", "pods:\n  start: {gamma: {k: 2}}\n",
			[]string{"test.yaml:6: pods.start.gamma: unknown field"}},
		{"two dists", "pods:\n  start: {constant: 1s, exponential: {mean: 1s}}\n",
			[]string{"test.yaml:6: pods.start: constant, exponential exclude each other"}},
		{"bad fail probability", "pods: {failProbability: 1.5}\n", []string{"test.yaml:5: pods.failProbability: must be in [0, 1]"}},
		{"bad quantity", "cluster:\n  pools:\n  - {name: big, count: 1, capacity: {cpu: lots, memory: 1Gi}}\n",
			[]string{"test.yaml:7: cluster.pools[0].capacity.cpu: bad quantity \"lots\""}},
		{"undeclared param", "description: hello\nseed: ${nope}\n",
			[]string{"test.yaml:6: seed: undeclared parameter ${nope}"}},
		{"unknown workload", "timeline:\n- {at: 1m, delete: {workload: ghost}}\n",
			[]string{`test.yaml:6: timeline[0].delete.workload: unknown workload "ghost"`}},
		{"bad fault target", "timeline:\n- {at: 1m, fault: {type: nodeCrash, nodes: [general-5], duration: 1m}}\n",
			[]string{`test.yaml:6: timeline[0].fault.nodes[0]: no node "general-5": pool "general" has nodes general-0 to general-4`}},
		{"unknown pool", "timeline:\n- {at: 1m, fault: {type: partition, pool: gpu}}\n",
			[]string{`test.yaml:6: timeline[0].fault.pool: unknown pool "gpu" (have: general)`}},
		{"too many nodes", "faults:\n- {type: nodeCrash, pool: general, count: 6, mtbf: 1h}\n",
			[]string{`test.yaml:6: faults[0].count: needs 6 nodes, pool "general" has 5`}},
		{"unknown zone", "timeline:\n- {at: 1m, fault: {type: zoneOutage, zone: zone-c}}\n",
			[]string{`test.yaml:6: timeline[0].fault.zone: unknown zone "zone-c" (have: zone-a, zone-b)`}},
		{"slow node factor", "timeline:\n- {at: 1m, fault: {type: slowNode, count: 1, factor: 0.5}}\n",
			[]string{"test.yaml:6: timeline[0].fault.factor: must be more than 1"}},
		{"unknown fault", "timeline:\n- {at: 1m, fault: {type: meteor}}\n",
			[]string{`test.yaml:6: timeline[0].fault.type: unknown fault "meteor"`}},
		{"at after the end", "duration: 10m\ntimeline:\n- {at: 11m, fault: {type: nodeCrash}}\n",
			[]string{"test.yaml:7: timeline[0].at: must be within the run's duration 10m0s"}},
		{"two actions", "timeline:\n- {at: 1m, fault: {type: nodeCrash}, delete: {workload: x}}\n",
			[]string{"test.yaml:6: timeline[0]: delete, fault exclude each other"}},
		{"bad threshold", "thresholds:\n- pods.pending is 0\n",
			[]string{`test.yaml:6: thresholds[0]: bad threshold "pods.pending is 0"`}},
		{"bad threshold number", "thresholds: [\"pods.pending < x\"]\n", []string{`test.yaml:5: thresholds[0]: bad threshold "pods.pending < x": "x" is not a number`}},
		{"manifest unknown field", "workloads:\n- name: web\n  manifest: |\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers: [{name: c, image: x}]\n      nodeNmae: n1\n",
			[]string{`test.yaml:13: workloads[0].manifest: Pod "p": unknown field "spec.nodeNmae"`}},
		{"manifest invalid", "workloads:\n- name: web\n  manifest: |\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n    spec:\n      containers: [{name: c, image: x}]\n      restartPolicy: Sometimes\n",
			[]string{`test.yaml:13: workloads[0].manifest: Pod "p": spec.restartPolicy: Unsupported value: "Sometimes"`}},
		{"manifest second document", "workloads:\n- name: web\n  manifest: |\n    apiVersion: v1\n    kind: Namespace\n    metadata: {name: team}\n    ---\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p, colour: red}\n",
			[]string{`test.yaml:14: workloads[0].manifest: Pod "p": unknown field "metadata.colour"`}},
		{"manifest missing", "workloads:\n- name: web\n", []string{"test.yaml:6: workloads[0].manifest: manifest or manifestFile is required"}},
		{"manifest file missing", "workloads:\n- name: web\n  manifestFile: nope.yaml\n",
			[]string{"test.yaml:7: workloads[0].manifestFile: open nope.yaml: a relative name needs the scenario's directory"}},
		{"duplicate workload", "workloads:\n- name: web\n" + deployment[2:] + "- name: web\n" + deployment[2:],
			[]string{`workloads[1].name: workload "web" given twice`}},
		{"scale a pod", "workloads:\n- name: p\n  manifest: 'apiVersion: v1\n\n    kind: Pod\n\n    metadata: {name: p}\n\n    spec: {containers: [{name: c, image: x}]}'\ntimeline:\n- {at: 1m, scale: {workload: p, replicas: 2}}\n",
			[]string{`test.yaml:15: timeline[0].scale.workload: workload "p" has no Deployment, ReplicaSet or Job to scale`}},
		{"roll out a pod", "workloads:\n- name: p\n  manifest: 'apiVersion: v1\n\n    kind: Pod\n\n    metadata: {name: p}\n\n    spec: {containers: [{name: c, image: x}]}'\ntimeline:\n- {at: 1m, rollout: {workload: p, image: y}}\n",
			[]string{`test.yaml:15: timeline[0].rollout.workload: workload "p" has no Deployment or DaemonSet to roll out`}},
		{"bad arrival", "workloads:\n- name: web\n  arrival: {poisson: {rate: 0}}\n" + deployment[2:],
			[]string{"test.yaml:7: workloads[0].arrival.poisson.rate: must be more than 0"}},
		{"burst needs every", "workloads:\n- name: web\n  arrival: {burst: {count: 3, times: 2}}\n" + deployment[2:],
			[]string{"test.yaml:7: workloads[0].arrival.burst.every: must be more than 0 when times is more than 1"}},
		{"bad profile", "scheduler: {profile: nosuch}\n", []string{`test.yaml:5: scheduler.profile: not "default", an embedded profile (binpack, gpu-binpack, gpushare-bestfit, gpushare-fgd)`}},
		{"profile and profiles", "scheduler: {profile: binpack, profiles: []}\n", []string{"test.yaml:5: scheduler: profile, profiles exclude each other"}},
		{"bad inline profile", "scheduler:\n  profiles:\n  - {schedulerName: a, percentageOfNodesToScore: 300}\n",
			[]string{"test.yaml:7: scheduler.profiles: profiles[0]: invalid scheduler profile"}},
		{"bad yaml", "cluster: [\n", []string{"test.yaml:5: bad YAML"}},
		{"two documents", "---\nname: u\n", []string{"test.yaml:5: bad YAML: a scenario file holds one YAML document"}},
		{"bad taint", "cluster:\n  pools: [{name: g, count: 1, capacity: {cpu: 1, memory: 1Gi}, taints: [{key: k, effect: Sometimes}]}]\n",
			[]string{"test.yaml:6: cluster.pools[0].taints[0].effect: must be NoSchedule"}},
		{"no pools", "cluster: {pools: []}\n", []string{"test.yaml:5: cluster.pools: at least one pool is required"}},
		{"rollout nothing", "workloads:\n- name: web\n" + deployment[2:] + "timeline:\n- {at: 1m, rollout: {workload: web}}\n",
			[]string{"timeline[0].rollout: needs an image or annotations to change"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseErrReplacing(tt.extra)
			if tt.want == nil {
				if err != "" {
					t.Fatalf("unexpected error: %s", err)
				}
				return
			}
			wantErr(t, err, tt.want...)
		})
	}
}

// parseErrReplacing parses base+extra, but when extra has its own
// top-level cluster, base's cluster lines become blank lines (so line
// numbers stay put).
func parseErrReplacing(extra string) string {
	b := base
	if strings.HasPrefix(extra, "cluster:") || strings.Contains(extra, "\ncluster:") {
		lines := strings.Split(b, "\n")
		b = strings.Join(append(lines[:2], "", "", ""), "\n")
	}
	_, err := Parse([]byte(b+extra), "test.yaml", nil, nil)
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestProblemsAreCollected(t *testing.T) {
	err := parseErr("duration: x\nseed: -1\ncolour: red\n")
	wantErr(t, err, "test.yaml:5: duration:", "test.yaml:6: seed: must be at least 0", "test.yaml:7: colour:")
}

func TestBadInputNeverPanics(t *testing.T) {
	inputs := []string{"", "[]", "name: [", "- a\n- b\n", "name: x\ncluster: 5\nworkloads: {a: 1}\ntimeline: 3\n",
		"name: x\nworkloads:\n- manifest: 5\n  arrival: [1]\n", "name: x\ntimeline:\n- 5\n- {at: [1]}\nfaults: [1]\n",
		"a: &a [*a]\n", "name: x\nparams: [1]\nseed: ${x\n", "name: x\nlatency: {apiWrite: {empirical: 5}}\n",
		"name: x\npods: {start: [1, 2]}\nthresholds: [{a: 1}]\n"}
	for _, in := range inputs {
		if _, err := Parse([]byte(in), "fuzz.yaml", nil, []string{"a.b.c=1", "timeline.0.at=2"}); err == nil {
			t.Errorf("Parse(%q): no error", in)
		}
	}
}
