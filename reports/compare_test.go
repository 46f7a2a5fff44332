package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// The comparison fixtures: two hand-made runs of one scenario, A in sim
// and B in emulate. B's scheduling latencies are 3× A's while the wait
// from scheduled to started is the same; B's scale-up converges in
// 11.8 s against 5.2 s, its rollout never; two pairs of pods swap nodes
// (4 of 18 elsewhere); pools, zones and per-node counts are equal.
const (
	compareA      = "testdata/compare/a"
	compareB      = "testdata/compare/b"
	compareGolden = "testdata/compare/golden"
)

// buildComparison compares a and b into a fresh directory and returns it.
func buildComparison(t *testing.T, a, b string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "compare")
	path, err := BuildComparison(a, b, out)
	if err != nil {
		t.Fatalf("compare: %v", err)
	}
	if path != filepath.Join(out, HTMLFile) {
		t.Fatalf("BuildComparison returned %s", path)
	}
	return out
}

// readTable reads tables/NAME.csv of a report.
func readTable(t *testing.T, dir, name string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, TablesDir, name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s.csv: %v", name, err)
	}
	return rows
}

// The fixtures' tables (CSV and JSON) and report.md match the golden
// files; -update rewrites them.
func TestComparisonGolden(t *testing.T) {
	out := buildComparison(t, compareA, compareB)
	got := reportFiles(t, out, false)
	if *update {
		os.RemoveAll(compareGolden)
		for _, rel := range got {
			b, _ := os.ReadFile(filepath.Join(out, rel))
			os.MkdirAll(filepath.Dir(filepath.Join(compareGolden, rel)), 0o755)
			if err := os.WriteFile(filepath.Join(compareGolden, rel), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := reportFiles(t, compareGolden, false)
	if !slices.Equal(got, want) {
		t.Fatalf("files differ from the golden ones:\ngot  %v\nwant %v", got, want)
	}
	for _, rel := range want {
		g, _ := os.ReadFile(filepath.Join(out, rel))
		w, _ := os.ReadFile(filepath.Join(compareGolden, rel))
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from the golden file (go test ./reports/ -run ComparisonGolden -update):\n%s", rel, firstDiff(g, w))
		}
	}
}

// The differences planted in fixture B are each named, with the cause
// the rules give, and nothing else is.
func TestComparisonNamesPlantedDifferences(t *testing.T) {
	out := buildComparison(t, compareA, compareB)
	rows := readTable(t, out, "differences")
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[1]+" → "+r[8])
	}
	want := []string{
		"creation to scheduled → api-round-trips",
		"creation to started → carried-over",
		"creation to ready → carried-over",
		"convergence after scale web to 12 at 1m0s → wall-clock-controllers",
		"convergence after rollout api at 3m0s → not-converged",
		"placement of matched pods → tie-breaking",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("differences:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The scheduling row's headline is the mean, three times A's.
	if r := rows[1]; r[3] != "0.386111" || r[4] != "1.158333" || r[6] != "3" {
		t.Errorf("scheduling row %v, want mean 0.386111 against 1.158333, ratio 3", r)
	}
	md, _ := os.ReadFile(filepath.Join(out, MarkdownFile))
	for _, want := range []string{
		"**6 figures differ beyond the thresholds: creation to scheduled;",
		"Creation to scheduled is higher in B, emulate (b): mean A 0.386 s, B 1.158 s (B/A 3);",
		"API round trips, etcd writes and watch delivery",
		"of 18 pods matched by namespace/name and bound in both runs, 77.8% are on the same node",
		"converged after 20.500 s in A, never in B, which ran for 300.000 s",
	} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if bytes.Contains(md, []byte("fault node-crash general-2 at 2m0s / fault node-crash general-1 at 2m0s →")) ||
		bytes.Contains(md, []byte("Nothing differs")) {
		t.Error("report.md reports a difference within the thresholds, or none at all")
	}
}

// Two copies of one run differ in nothing, and the report says so.
func TestComparisonOfIdenticalRunsFindsNothing(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "x", "run"), filepath.Join(root, "y", "run")
	for _, d := range []string{a, b} {
		if err := os.CopyFS(d, os.DirFS(compareA)); err != nil {
			t.Fatal(err)
		}
	}
	out := buildComparison(t, a, b)
	if rows := readTable(t, out, "differences"); len(rows) != 1 {
		t.Errorf("differences of identical runs: %v", rows[1:])
	}
	md, _ := os.ReadFile(filepath.Join(out, MarkdownFile))
	for _, want := range []string{
		"**y/run agrees with x/run: nothing differs beyond the thresholds**",
		"Nothing differs beyond the thresholds: y/run reproduces x/run's latencies",
		"| directory | " + a + " | " + b + " |",
	} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	page, _ := os.ReadFile(filepath.Join(out, HTMLFile))
	if !bytes.Contains(page, []byte(`class="verdict pass"`)) {
		t.Error("report.html does not show the verdict as passing")
	}
}

// Runs of different scenarios are refused, naming both runs and scenarios.
func TestComparisonRejectsDifferentScenarios(t *testing.T) {
	other := filepath.Join(t.TempDir(), "other")
	if err := os.CopyFS(other, os.DirFS(compareB)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(other, sim.SummaryFile)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, bytes.Replace(b, []byte(`"compare-fixture"`), []byte(`"quickstart"`), 1), 0o644)
	_, err := BuildComparison(compareA, other, filepath.Join(t.TempDir(), "out"))
	if !errors.Is(err, ErrDifferentScenarios) {
		t.Fatalf("err = %v, want ErrDifferentScenarios", err)
	}
	for _, want := range []string{compareA, other, `"compare-fixture"`, `"quickstart"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %s", err, want)
		}
	}
}

// A missing or broken run directory is an error naming the run, the
// file and what is wrong with it.
func TestComparisonRejectsBadRunDirectories(t *testing.T) {
	root := t.TempDir()
	broken := filepath.Join(root, "broken")
	if err := os.CopyFS(broken, os.DirFS(compareB)); err != nil {
		t.Fatal(err)
	}
	pods := filepath.Join(broken, sim.PodsFile)
	os.WriteFile(pods, []byte("name,namespace,workload,node,created,scheduled,started,ready,terminating,finished,phase\n"+
		"web-01,default,web,general-0,1.000,x,,,,,Pending\n"), 0o644)
	cases := []struct {
		a, b string
		want []string
	}{
		{filepath.Join(root, "missing"), compareB, []string{"run A", "missing", "no such file or directory"}},
		{compareA, root, []string{"run B", root, "not a run directory (no summary.json)"}},
		{compareA, broken, []string{"run B", pods + ":2", `column scheduled: "x" is not a number`}},
	}
	for _, c := range cases {
		_, err := BuildComparison(c.a, c.b, filepath.Join(root, "out"))
		if err == nil {
			t.Errorf("compare %s %s succeeded", c.a, c.b)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("compare %s %s: error %q lacks %q", c.a, c.b, err, w)
			}
		}
	}
}

// The comparison never writes into a run directory, whose own report
// it would replace.
func TestComparisonRefusesToOverwriteARun(t *testing.T) {
	run := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(run, os.DirFS(compareA)); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{run, compareB} {
		if _, err := BuildComparison(run, compareB, out); !errors.Is(err, ErrOutIsRun) {
			t.Errorf("--out %s: err = %v, want ErrOutIsRun", out, err)
		}
	}
	if _, err := os.Stat(filepath.Join(run, MarkdownFile)); err == nil {
		t.Error("a report was written into the run")
	}
}

// Two builds of one comparison give the same bytes, SVG and HTML included.
func TestComparisonDeterministic(t *testing.T) {
	x, y := buildComparison(t, compareA, compareB), buildComparison(t, compareA, compareB)
	files := reportFiles(t, x, true)
	if !slices.Equal(files, reportFiles(t, y, true)) || !slices.Contains(files, HTMLFile) {
		t.Fatalf("the two builds wrote different files: %v", files)
	}
	for _, rel := range files {
		a, _ := os.ReadFile(filepath.Join(x, rel))
		b, _ := os.ReadFile(filepath.Join(y, rel))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds:\n%s", rel, firstDiff(a, b))
		}
	}
}

func TestComparisonRunLabels(t *testing.T) {
	run := func(dir, mode string) *Run { return &Run{Dir: dir, Summary: sim.Summary{Mode: mode}} }
	cases := []struct {
		a, b         *Run
		wantA, wantB string
	}{
		{run("out/a", "sim"), run("out/b", "emulate"), "sim (a)", "emulate (b)"},
		{run("out/sim/run", "sim"), run("out/real/run", "real"), "sim (run)", "real (run)"},
		{run("out/seed-1", "sim"), run("out/seed-2", "sim"), "seed-1", "seed-2"},
		{run("x/run", "sim"), run("y/run/", "sim"), "x/run", "y/run"},
		{run("out/run", "sim"), run("out/run", "sim"), "run A", "run B"},
	}
	for _, c := range cases {
		if a, b := runLabels(c.a, c.b); a != c.wantA || b != c.wantB {
			t.Errorf("labels of %s, %s = %q, %q; want %q, %q", c.a.Dir, c.b.Dir, a, b, c.wantA, c.wantB)
		}
	}
}

// Convergence records pair by label, then a fault by its kind and time
// (its label names the node it hit); the rest stay unpaired.
func TestComparisonPairsConvergence(t *testing.T) {
	rec := func(action string, at float64) *sim.ConvergenceRecord {
		return &sim.ConvergenceRecord{Action: action, AtSeconds: at}
	}
	a := []*sim.ConvergenceRecord{rec("scale api to 40 at 8m0s", 480), rec("fault node-crash general-3 at 10m0s", 600),
		rec("rollout web at 5m0s", 300)}
	b := []*sim.ConvergenceRecord{rec("rollout web at 5m0s", 300), rec("fault node-crash general-7 at 10m0s", 600),
		rec("fault zone-outage zone-a at 12m0s", 720)}
	var got []string
	for _, p := range pairConvergence(a, b) {
		got = append(got, p.label())
	}
	want := []string{"scale api to 40 at 8m0s", "fault node-crash general-3 at 10m0s / fault node-crash general-7 at 10m0s",
		"rollout web at 5m0s", "fault zone-outage zone-a at 12m0s"}
	if !slices.Equal(got, want) {
		t.Errorf("pairs %q, want %q", got, want)
	}
}

// Every rule's cause is a sentence fragment the prose can end with, the
// ids are unique, and the last rule catches everything.
func TestComparisonCauseRules(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range causeRules {
		if seen[r.id] || r.cause == "" || strings.HasSuffix(r.cause, ".") {
			t.Errorf("rule %q: duplicate id, empty cause or a cause ending in a full stop", r.id)
		}
		seen[r.id] = true
	}
	last := causeRules[len(causeRules)-1]
	for tp := range topicNames {
		if !last.applies(scene{f: &finding{topic: topic(tp)}}) {
			t.Errorf("the last rule does not apply to topic %s", topic(tp))
		}
	}
}

// End to end on the simulator: quickstart on 10 nodes with two seeds
// gives a full report whose differences are put down to the seeds.
func TestComparisonOfTwoSimulatorSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the simulator twice")
	}
	root := t.TempDir()
	var dirs []string
	for _, seed := range []uint64{1, 2} {
		sc, err := scenarios.Open("quickstart", []string{"nodes=10"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := sim.Run(context.Background(), sc, sim.Options{Seed: seed})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		dir := filepath.Join(root, "seed-"+strconv.FormatUint(seed, 10))
		if err := sim.WriteFiles(dir, res); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	out := buildComparison(t, dirs[0], dirs[1])
	for _, name := range []string{"latency_scheduled_cdf", "latency_started_cdf", "latency_ready_cdf", "convergence", "placement"} {
		f, err := os.Open(filepath.Join(out, PlotsDir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Errorf("%s.png: %v", name, err)
		}
	}
	if rows := readTable(t, out, "latency_ks"); len(rows) != 4 || rows[1][1] == "0" {
		t.Errorf("latency_ks: %v", rows)
	}
	if rows := readTable(t, out, "convergence"); len(rows) != 4 {
		t.Errorf("quickstart's three actions, matched: %v", rows)
	}
	for _, r := range readTable(t, out, "differences")[1:] {
		if r[8] != "seeds" {
			t.Errorf("%s is put down to rule %s, want seeds", r[1], r[8])
		}
	}
	checkSelfContained(t, filepath.Join(out, HTMLFile))
}

// checkSelfContained: the page has its plots inline and nothing to fetch or run.
func checkSelfContained(t *testing.T, path string) {
	t.Helper()
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(page, []byte("<svg")); n < 5 {
		t.Errorf("report.html inlines %d plots", n)
	}
	if m := regexp.MustCompile(`(?i)<script|https?://|src=`).Find(page); m != nil {
		t.Errorf("report.html is not self-contained: it has %q", m)
	}
}
