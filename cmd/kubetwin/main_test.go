package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// execute runs the root command with args and returns its output and error.
func execute(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetIn(strings.NewReader(stdin))
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// The main job runs the embedded quickstart and says where its results are.
func TestRunDefaultJob(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "qs")
	out, err := execute(t, "", "run", "--out", dir, "--no-progress")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"quickstart (sim, seed 1): settled",
		"rollout web at 5m0s",
		"invariant violations: 0; thresholds met: 3 of 3",
		"results: " + filepath.Join(dir, "summary.json"),
		"report: " + filepath.Join(dir, "report.html"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"summary.json", "pods.csv", "nodes.csv", "timeseries.csv", "trace.csv.gz",
		"report.html", "report.md", "plots/pods_by_state.svg", "tables/latency.csv"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestValidateReportsEveryProblemWithPaths(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, good, "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a}\n")
	writeFile(t, bad, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: Web}\nspec:\n"+
		"  replicas: -1\n  selector: {matchLabels: {app: web}}\n"+
		"  template:\n    metadata: {labels: {app: other}}\n    spec: {containers: [{name: c, image: x}]}\n")
	out, err := execute(t, "", "validate", "-f", good, "-f", bad)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files are invalid") {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"Namespace team-a valid", "metadata.name", "spec.replicas", "spec.template.metadata.labels"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestValidateFromStdinAndMissingFile(t *testing.T) {
	out, err := execute(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: x, cpu: 1}]}\n",
		"validate", "-f", "-")
	if err == nil || !strings.Contains(out, `unknown field "spec.containers[0].cpu"`) {
		t.Fatalf("err = %v, out = %s", err, out)
	}
	if _, err := execute(t, "", "validate", "-f", filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Fatal("a missing file must be an error")
	}
	if _, err := execute(t, "", "validate"); err == nil {
		t.Fatal("validate without -f must be an error")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
