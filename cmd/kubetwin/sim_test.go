package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario file with a threshold it cannot meet fails with the reason,
// after writing its results.
func TestSimRunMissedThreshold(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "tight.yaml")
	writeFile(t, scenario, `name: tight
duration: 2m
cluster:
  pools:
  - {name: n, count: 1, capacity: {cpu: "1", memory: 1Gi}}
workloads:
- name: big
  manifest: |
    apiVersion: v1
    kind: Pod
    metadata: {name: big}
    spec:
      containers:
      - {name: c, image: x, resources: {requests: {cpu: "2"}}}
thresholds:
- pods.pending == 0
`)
	out, err := execute(t, "", "sim", "run", scenario, "--out", filepath.Join(dir, "out"), "--no-progress", "--seed", "9")
	if !errors.Is(err, errRunFailed) || !strings.Contains(out, "threshold missed: pods.pending == 0 (pods.pending is 1)") {
		t.Fatalf("err %v, output:\n%s", err, out)
	}
	var s struct {
		Seed uint64 `json:"seed"`
		Pods struct {
			Pending int `json:"pending"`
		} `json:"pods"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "out", "summary.json"))
	if err != nil || json.Unmarshal(b, &s) != nil || s.Seed != 9 || s.Pods.Pending != 1 {
		t.Fatalf("summary %s (%v)", b, err)
	}
}

func TestSimRunBadScenarioSaysWhere(t *testing.T) {
	dir := t.TempDir()
	scenario := filepath.Join(dir, "bad.yaml")
	writeFile(t, scenario, "name: bad\ncluster:\n  pools:\n  - {name: n, count: -1, capacity: {cpu: \"1\", memory: 1Gi}}\n")
	_, err := execute(t, "", "sim", "run", scenario, "--out", filepath.Join(dir, "out"))
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:4") || !strings.Contains(err.Error(), "count") {
		t.Fatalf("err = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
		t.Fatalf("a scenario that does not load left an output directory (%v)", err)
	}
}

func TestSimScenariosListsTheEmbeddedOnes(t *testing.T) {
	out, err := execute(t, "", "sim", "scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"quickstart", "scheduler-basic-5000", "rolling-update-1000", "zone-outage", "batch-poisson"} {
		if !strings.Contains(out, name) {
			t.Errorf("list lacks %s:\n%s", name, out)
		}
	}
}

func TestReproduceCommandQuotes(t *testing.T) {
	got := reproduceCommand(simOptions{scenario: "my scenario.yaml", seed: 3, sets: []string{"nodes=5", "x=a b"}, out: "out"})
	want := `kubetwin sim run 'my scenario.yaml' --seed 3 --set nodes=5 --set 'x=a b' --out out`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
