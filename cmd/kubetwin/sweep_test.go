package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/reports"
	"github.com/kubetwin/kubetwin/sim"
)

// A sweep over two profiles and three seeds runs the six runs in
// parallel, each as `sim run` would alone, and compares the profiles.
func TestSimSweepComparesProfiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sweep")
	out, err := execute(t, "", "sim", "sweep", "quickstart", "--seeds", "1-3", "--set", "nodes=8",
		"--set", "scheduler.profile=default,binpack", "--parallel", "2", "--out", dir)
	if err != nil {
		t.Fatalf("sweep: %v\n%s", err, out)
	}
	if !strings.Contains(out, "report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("output lacks the report's path:\n%s", out)
	}
	var sw reports.Sweep
	b, err := os.ReadFile(filepath.Join(dir, reports.SweepFile))
	if err != nil || json.Unmarshal(b, &sw) != nil {
		t.Fatalf("sweep.json: %v", err)
	}
	if !reflect.DeepEqual(sw.Variants, []string{"scheduler.profile=default", "scheduler.profile=binpack"}) || len(sw.Runs) != 6 {
		t.Fatalf("variants %v, %d runs", sw.Variants, len(sw.Runs))
	}
	// Parallel runs are the runs: a run of the sweep has the trace of
	// `sim run` with the same scenario, settings and seed.
	alone := filepath.Join(t.TempDir(), "alone")
	if out, err := execute(t, "", "sim", "run", "quickstart", "--set", "nodes=8", "--set", "scheduler.profile=binpack",
		"--seed", "2", "--no-progress", "--out", alone); err != nil {
		t.Fatalf("sim run: %v\n%s", err, out)
	}
	if got, want := traceOf(t, dir, "runs/v2-seed2"), traceOf(t, alone, "."); got != want {
		t.Errorf("v2 seed 2 has trace %s, sim run alone %s", got, want)
	}
	if traceOf(t, dir, "runs/v1-seed2") == traceOf(t, dir, "runs/v2-seed2") {
		t.Error("the two profiles placed the same pods the same way: the profile was not applied")
	}
	rows := readCSV(t, filepath.Join(dir, "tables", "comparison.csv"))
	if len(rows) < 1+2*5 || rows[0][0] != "metric" {
		t.Fatalf("comparison table: %d rows, header %v", len(rows), rows[0])
	}
	for _, f := range []string{"report.html", "report.md", "plots/sweep_latency_p99_seconds.svg", "runs/v1-seed1/report.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func traceOf(t *testing.T, dir, run string) string {
	t.Helper()
	var s sim.Summary
	b, err := os.ReadFile(filepath.Join(dir, run, sim.SummaryFile))
	if err != nil || json.Unmarshal(b, &s) != nil {
		t.Fatalf("%s: %v", run, err)
	}
	return s.TraceSHA256
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestSweepFlags(t *testing.T) {
	seeds, err := parseSeeds("1-3,7,2,9-10")
	if err != nil || !reflect.DeepEqual(seeds, []uint64{1, 2, 3, 7, 9, 10}) {
		t.Errorf("seeds %v, %v", seeds, err)
	}
	for _, bad := range []string{"", "x", "3-1", "1-", "-2", "1-20000"} {
		if _, err := parseSeeds(bad); err == nil {
			t.Errorf("--seeds %q accepted", bad)
		}
	}
	variants, labels, err := expandSets([]string{"a=1,2", "n=5", "b=x,y"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(labels, []string{"a=1 b=x", "a=1 b=y", "a=2 b=x", "a=2 b=y"}) ||
		!reflect.DeepEqual(variants[3], []string{"a=2", "n=5", "b=y"}) {
		t.Errorf("variants %v labels %v", variants, labels)
	}
	if _, labels, _ := expandSets([]string{"n=5"}); !reflect.DeepEqual(labels, []string{"as given"}) {
		t.Errorf("one variant: labels %v", labels)
	}
	if _, _, err := expandSets([]string{"novalue"}); err == nil {
		t.Error("--set without = accepted")
	}
	if _, err := execute(t, "", "sim", "sweep", "quickstart", "--set", "scheduler.profile=default,nosuch",
		"--out", t.TempDir()); err == nil || !strings.Contains(err.Error(), "variant 2") {
		t.Errorf("an unknown profile in variant 2: %v", err)
	}
}
