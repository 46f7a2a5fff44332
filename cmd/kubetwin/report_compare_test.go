package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// compareFixtures are the reports package's hand-made runs of one
// scenario: A in sim, B in emulate with 3× its scheduling latency.
var compareFixtures = filepath.Join("..", "..", "reports", "testdata", "compare")

// `kubetwin report compare A B --out DIR` writes the comparison into
// DIR and prints the path of report.html.
func TestReportCompareCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cmp")
	a, b := filepath.Join(compareFixtures, "a"), filepath.Join(compareFixtures, "b")
	stdout, err := execute(t, "", "report", "compare", a, b, "--out", out)
	if err != nil {
		t.Fatalf("report compare: %v\n%s", err, stdout)
	}
	page := filepath.Join(out, "report.html")
	if strings.TrimSpace(stdout) != page {
		t.Fatalf("printed %q, want %q", stdout, page)
	}
	for _, f := range []string{"report.md", "tables/differences.csv", "tables/latency_ks.json",
		"plots/latency_scheduled_cdf.svg", "plots/latency_scheduled_cdf.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(page)
	for _, want := range []string{"compare-fixture", "sim (a)", "emulate (b)", "Where they differ and why", "<svg"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// A missing run directory, one that is not a run's, runs of different
// scenarios and a missing --out are errors that say what is wrong.
func TestReportCompareCommandErrors(t *testing.T) {
	root := t.TempDir()
	a := filepath.Join(compareFixtures, "a")
	other := filepath.Join(root, "other")
	if err := os.CopyFS(other, os.DirFS(filepath.Join(compareFixtures, "b"))); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(other, "summary.json")
	b, _ := os.ReadFile(summary)
	os.WriteFile(summary, []byte(strings.Replace(string(b), `"compare-fixture"`, `"quickstart"`, 1)), 0o644)
	out := filepath.Join(root, "out")
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{a, filepath.Join(root, "missing"), "--out", out}, []string{"run B", filepath.Join(root, "missing"), "no such file or directory"}},
		{[]string{root, a, "--out", out}, []string{"run A", root, "not a run directory (no summary.json)"}},
		{[]string{a, other, "--out", out}, []string{"different scenarios", `"compare-fixture"`, `"quickstart"`, other}},
		{[]string{a, a}, []string{`"out" not set`}},
		{[]string{a, "--out", out}, []string{"accepts 2 arg(s)"}},
	}
	for _, c := range cases {
		stdout, err := execute(t, "", append([]string{"report", "compare"}, c.args...)...)
		if err == nil {
			t.Errorf("report compare %v succeeded:\n%s", c.args, stdout)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("report compare %v: error %q lacks %q", c.args, err, w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed comparison wrote its output directory")
	}
}
