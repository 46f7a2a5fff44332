package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/reports"
)

// exactThree is built so that exactly three nodes suffice: ten one-cpu
// replicas on four-cpu nodes (two nodes hold eight).
const exactThree = `name: exact-three
duration: 10m
cluster:
  pools:
  - name: small
    count: 1
    capacity: {cpu: "1", memory: 4Gi, pods: "110"}
  - name: workers
    count: 5
    capacity: {cpu: "4", memory: 16Gi, pods: "110"}
    taints: [{key: dedicated, value: web, effect: NoSchedule}]
workloads:
- name: web
  manifest: |
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: web}
    spec:
      replicas: 10
      selector: {matchLabels: {app: web}}
      template:
        metadata: {labels: {app: web}}
        spec:
          tolerations: [{key: dedicated, operator: Equal, value: web, effect: NoSchedule}]
          nodeSelector: {kubetwin.io/pool: workers}
          containers:
          - name: app
            image: example.com/web:1
            resources:
              requests: {cpu: "1", memory: 1Gi}
thresholds:
- pods.pending == 0
- scheduling.latency_seconds.p99 < 5
`

func TestPlanFindsTheKnownAnswer(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "exact.yaml")
	writeFile(t, scenario, exactThree)
	dir := filepath.Join(t.TempDir(), "plan")
	out, err := execute(t, "", "plan", scenario, "--pool", "workers", "--min", "1", "--max", "8", "--seeds", "1-2", "--out", dir)
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, out)
	}
	if !strings.Contains(out, "plan: 3 nodes of pool workers") || !strings.Contains(out, "report: "+filepath.Join(dir, "report.html")) {
		t.Fatalf("output:\n%s", out)
	}
	var p reports.Plan
	b, err := os.ReadFile(filepath.Join(dir, reports.PlanFile))
	if err != nil || json.Unmarshal(b, &p) != nil {
		t.Fatalf("plan.json: %v", err)
	}
	passed := map[int]bool{}
	for _, pt := range p.Tried {
		passed[pt.Count] = pt.Passed
		if len(pt.Dirs) != 2 {
			t.Errorf("count %d ran %d seeds, want 2", pt.Count, len(pt.Dirs))
		}
	}
	if p.Answer != 3 || !passed[3] || passed[2] || !passed[8] {
		t.Fatalf("answer %d, tried %v", p.Answer, passed)
	}
	if len(p.Margins) != 2 || p.Margins[0].Margin != nil || p.Margins[1].Margin == nil ||
		*p.Margins[1].Margin <= 0 || *p.Margins[1].Margin > 5 {
		t.Fatalf("margins %+v: want none for ==, and 5 - p99 for the latency", p.Margins)
	}
}

func TestPlanRefusesWhatItCannotAnswer(t *testing.T) {
	scenario := filepath.Join(t.TempDir(), "exact.yaml")
	writeFile(t, scenario, exactThree)
	none := filepath.Join(t.TempDir(), "none.yaml")
	writeFile(t, none, strings.Split(exactThree, "thresholds:")[0])
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{scenario, "--pool", "gpu", "--max", "4"}, `no pool "gpu"`},
		{[]string{scenario, "--pool", "workers", "--min", "5", "--max", "4"}, "--min <= --max"},
		{[]string{none, "--pool", "workers", "--max", "4"}, "no thresholds"},
		{[]string{scenario, "--pool", "workers", "--min", "1", "--max", "2"}, "not even 2 nodes"},
	} {
		args := append([]string{"plan"}, c.args...)
		args = append(args, "--out", t.TempDir())
		if _, err := execute(t, "", args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plan %v: %v, want an error with %q", c.args, err, c.want)
		}
	}
}
