package scenarios

import (
	"strings"
	"testing"
)

// base is a valid scenario of four lines; tests append sections to it,
// so their first line is line 5.
const base = `name: t
params: {n: 5, label: foo, ratio: 0.5, enabled: true}
cluster:
  pools: [{name: general, count: 5, capacity: {cpu: "4", memory: 16Gi}, zones: [zone-a, zone-b]}]
`

// deployment is an inline manifest for a workload, indented for a
// `manifest: |` block under a workload list item.
const deployment = `    manifest: |
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: c, image: nginx:1.27}]
`

// parse parses base+extra from test.yaml, failing the test on error.
func parse(t *testing.T, extra string, sets ...string) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(base+extra), "test.yaml", nil, sets)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return sc
}

// parseErr parses base+extra and returns the error text ("" for none).
func parseErr(extra string, sets ...string) string {
	_, err := Parse([]byte(base+extra), "test.yaml", nil, sets)
	if err == nil {
		return ""
	}
	return err.Error()
}

// wantErr checks that err holds every one of want.
func wantErr(t *testing.T, err string, want ...string) {
	t.Helper()
	if err == "" {
		t.Fatalf("no error, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err, w) {
			t.Errorf("error does not hold %q:\n%s", w, err)
		}
	}
}
