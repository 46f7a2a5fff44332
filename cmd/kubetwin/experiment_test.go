package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/reports"
)

var openbTraces = filepath.Join("..", "..", "..", "shared", "traces", "alibaba-gpu-v2023")

// smallOpenb writes, into a directory of its own, every eighth GPU node of
// the openb node list beside the whole default task list: the study's
// shape at a tenth of its size, under the names the study uses.
func smallOpenb(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	nodes, err := os.ReadFile(filepath.Join(openbTraces, "openb_node_list_gpu_node.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var kept bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(nodes))
	for i := 0; sc.Scan(); i++ {
		if i == 0 || (i-1)%8 == 0 {
			kept.WriteString(sc.Text() + "\n")
		}
	}
	tasks, err := os.ReadFile(filepath.Join(openbTraces, "openb_pod_list_default.csv"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "openb_node_list_gpu_node.csv"), kept.String())
	writeFile(t, filepath.Join(dir, "openb_pod_list_default.csv"), string(tasks))
	return dir
}

func TestExperimentFGDWritesTheStudysCurvesAndReport(t *testing.T) {
	trace := filepath.Join(smallOpenb(t), "openb_pod_list_default.csv")
	paper := filepath.Join(openbTraces, "paper-expected", "analysis_allo_discrete.csv")
	dir := filepath.Join(t.TempDir(), "fgd")
	out, err := execute(t, "", "experiment", "fgd", "--trace", trace, "--policy", "FGD,BestFit", "--seeds", "42-43",
		"--paper", paper, "--parallel", "2", "--out", dir)
	if err != nil {
		t.Fatalf("experiment fgd: %v\n%s", err, out)
	}
	for _, want := range []string{"4 experiments", "openb_pod_list_default", "06-FGD", "policies ranked", "report: " + filepath.Join(dir, "gpu-study.html")} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	curves := readCurves(t, filepath.Join(dir, fgdAllocFile))
	if len(curves) != 4 {
		t.Fatalf("%d curves, want 4", len(curves))
	}
	for _, c := range curves {
		if c.Workload != "openb_pod_list_default" || c.Tune != "1.3" || !c.Has[0] || !c.Has[100] || c.Values[100] < 50 {
			t.Errorf("curve %s %s seed %d: tune %s, at 100 %% %v", c.Workload, c.Policy, c.Seed, c.Tune, c.Values[100])
		}
	}
	if frag := readCurves(t, filepath.Join(dir, fgdFragFile)); len(frag) != 4 {
		t.Errorf("%d fragmentation curves, want 4", len(frag))
	}
	if rows := readCSV(t, filepath.Join(dir, fgdRunsFile)); len(rows) != 5 || rows[1][1] != "06-FGD" {
		t.Errorf("experiments.csv: %v", rows)
	}
	for _, f := range []string{"gpu-study.html", "gpu-study.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	// Workers change nothing: one at a time gives the same curves.
	again := filepath.Join(t.TempDir(), "again")
	if out, err := execute(t, "", "experiment", "fgd", "--trace", trace, "--policy", "FGD,BestFit", "--seeds", "42-43",
		"--paper", paper, "--parallel", "1", "--out", again); err != nil {
		t.Fatalf("experiment fgd: %v\n%s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dir, fgdAllocFile))
	b, _ := os.ReadFile(filepath.Join(again, fgdAllocFile))
	if !bytes.Equal(a, b) {
		t.Error("one worker and two wrote different curves")
	}
}

func readCurves(t *testing.T, path string) []reports.GPUCurve {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := reports.ReadGPUCurves(f, path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestExperimentFGDRejectsBadInputBeforeRunning(t *testing.T) {
	trace := filepath.Join(smallOpenb(t), "openb_pod_list_default.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--policy", "Tetris"}, `unknown policy "Tetris"`},
		{[]string{"--tune", "0"}, "--tune"},
		{[]string{"--seeds", "9-1"}, "--seeds"},
		{[]string{"--nodes", filepath.Join(t.TempDir(), "none.csv")}, "none.csv"},
		{[]string{"--paper", trace}, "--paper"},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		args := append([]string{"experiment", "fgd", "--trace", trace, "--out", dir}, tc.args...)
		out, err := execute(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one saying %q\n%s", tc.args, err, tc.want, out)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: the output directory was made for a run that could not start", tc.args)
		}
	}
}
