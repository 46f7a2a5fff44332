package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `kubetwin report DIR` writes the report into a copy of the reports
// package's fixture run and prints the path of report.html.
func TestReportCommandBuildsTheReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "reports", "testdata", "run"))); err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, "", "report", dir)
	if err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	page := filepath.Join(dir, "report.html")
	if strings.TrimSpace(out) != page {
		t.Fatalf("printed %q, want %q", out, page)
	}
	for _, f := range []string{"report.html", "report.md", "tables/latency.csv", "tables/latency.json",
		"plots/latency_cdf.svg", "plots/latency_cdf.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(page)
	if !strings.Contains(string(html), "fixture-two-pools") || !strings.Contains(string(html), "<svg") {
		t.Errorf("report.html lacks the scenario or its plots")
	}
}

// A missing directory, or one that is not a run's, is an error that says so.
func TestReportCommandRejectsABadDirectory(t *testing.T) {
	empty := t.TempDir()
	for dir, want := range map[string]string{
		filepath.Join(empty, "missing"): "no such file or directory",
		empty:                           "not a run directory (no summary.json)",
	} {
		out, err := execute(t, "", "report", dir)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("report %s: err %v, output %q; want an error saying %q", dir, err, out, want)
		}
	}
	if _, err := execute(t, "", "report"); err == nil {
		t.Error("report without a directory succeeded")
	}
}
