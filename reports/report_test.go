package reports

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/sim"
)

// An older run (no timeseries.csv, no nodes.csv, no work in its
// summary) still gives a report: what needs the missing files is left
// out and the report says why.
func TestReportWithoutOptionalFiles(t *testing.T) {
	dir := copyRun(t, fixtureDir)
	for _, f := range []string{SeriesFile, NodesFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	dropWork(t, filepath.Join(dir, sim.SummaryFile))
	if _, err := Build(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	for _, want := range []string{"timeseries.csv is absent: no scheduling rate over time.",
		"nodes.csv is absent: no per-pool or per-node utilisation.",
		"summary.json records no control-plane work", "![Pod latency distribution](plots/latency_cdf.svg)"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if got := listNames(t, filepath.Join(dir, PlotsDir), ".svg"); !slices.Equal(got, []string{"convergence", "latency_cdf"}) {
		t.Errorf("plots %v", got)
	}
	tables := listNames(t, filepath.Join(dir, TablesDir), ".csv")
	for _, absent := range []string{"series", "pools", "node_utilisation", "work_reconciles", "work_writes"} {
		if slices.Contains(tables, absent) {
			t.Errorf("table %s written without its data", absent)
		}
	}
	if !slices.Contains(tables, "latency") || !slices.Contains(tables, "utilisation") {
		t.Errorf("tables %v", tables)
	}
}

// dropWork removes the "work" object from a summary.json, as runs
// before it was counted wrote it.
func dropWork(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "work")
	b, _ = json.Marshal(doc)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func listNames(t *testing.T, dir, ext string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ext); ok {
			out = append(out, name)
		}
	}
	return out
}

// A time series without the known columns is summarised in the series
// table, and the plots that need those columns are replaced by a note.
func TestReportUnknownSeriesOnly(t *testing.T) {
	dir := copyRun(t, fixtureDir)
	series := "time,\"custom_gauge{zone=\"\"a\"\"}\"\n0.000,1\n5.000,\n10.000,3\n"
	if err := os.WriteFile(filepath.Join(dir, SeriesFile), []byte(series), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	for _, want := range []string{"No plot of pods by state: timeseries.csv has none of the columns",
		"No plot of scheduling rate: timeseries.csv has no pods_scheduled_total",
		"| custom_gauge{zone=\"a\"} | 2 | 1 | 3 | 1 | 3 | 2 |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

// A time series with a header and no sample gives notes, not empty plots.
func TestReportSeriesWithoutSamples(t *testing.T) {
	dir := copyRun(t, fixtureDir)
	if err := os.WriteFile(filepath.Join(dir, SeriesFile), []byte("time,pods_pending,pods_scheduled_total\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, MarkdownFile))
	for _, want := range []string{"No plot of pods by state: timeseries.csv has no samples.",
		"No plot of scheduling rate: timeseries.csv has no pods_scheduled_total over two samples or more.",
		"| pods_pending | 0 | - | - | - | - | - |"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}

func TestValueFormats(t *testing.T) {
	cases := []struct {
		v                Value
		machine, display string
		json             string
	}{
		{Num(0.1+0.2, FormatNumber), "0.3", "0.3", "0.3"},
		{Num(math.Copysign(0, -1), FormatSeconds), "0", "0.000", "0"},
		{Num(-0.0001, FormatSeconds), "-0.0001", "0.000", "-0.0001"},
		{Num(1e-9, FormatNumber), "0", "0.000000001", "0"},
		{Num(1234.56, FormatNumber), "1234.56", "1235", "1234.56"},
		{Num(0.0000123456, FormatNumber), "0.000012", "0.00001235", "0.000012"},
		{Num(0.4844, FormatPercent), "0.4844", "48.4%", "0.4844"},
		{Num(17179869184, FormatBytes), "17179869184", "16.0 GiB", "17179869184"},
		{Num(512, FormatBytes), "512", "512 B", "512"},
		{Num(math.NaN(), FormatSeconds), "", "-", "null"},
		{Num(math.Inf(1), FormatSeconds), "", "-", "null"},
		{Int(42), "42", "42", "42"},
		{Uint(math.MaxUint64), "18446744073709551615", "18446744073709551615", "18446744073709551615"},
		{Bool(true, "pass", "FAIL"), "true", "pass", "true"},
		{Bool(false, "pass", "FAIL"), "false", "FAIL", "false"},
		{Missing("never"), "", "never", "null"},
		{Text(`a "b" <c>`), `a "b" <c>`, `a "b" <c>`, `"a \"b\" \u003cc\u003e"`},
	}
	for _, c := range cases {
		j, err := c.v.MarshalJSON()
		if err != nil || c.v.Machine() != c.machine || c.v.Display() != c.display || string(j) != c.json {
			t.Errorf("%+v: machine %q display %q json %s (%v); want %q %q %s",
				c.v, c.v.Machine(), c.v.Display(), j, err, c.machine, c.display, c.json)
		}
	}
}

// A table's JSON keeps the columns' order and types, and reads back.
func TestTableJSONAndCSV(t *testing.T) {
	tb := &Table{Name: "x", Columns: []Column{{"z_name", "Name"}, {"a_count", "Count"}, {"m_seconds", "Seconds"}},
		Rows: [][]Value{{Text("one"), Int(1), Num(0.5, FormatSeconds)}, {Text("two, \"2\""), Int(2), Missing("never")}}}
	j, err := tb.JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := "[\n  {\"z_name\": \"one\", \"a_count\": 1, \"m_seconds\": 0.5},\n" +
		"  {\"z_name\": \"two, \\\"2\\\"\", \"a_count\": 2, \"m_seconds\": null}\n]\n"
	if string(j) != want {
		t.Fatalf("json:\n%s\nwant:\n%s", j, want)
	}
	var back []map[string]any
	if err := json.Unmarshal(j, &back); err != nil || back[1]["m_seconds"] != nil || back[0]["a_count"] != 1.0 {
		t.Fatalf("read back %v (%v)", back, err)
	}
	c, _ := tb.CSV()
	if want := "z_name,a_count,m_seconds\none,1,0.5\n\"two, \"\"2\"\"\",2,\n"; string(c) != want {
		t.Fatalf("csv:\n%s\nwant:\n%s", c, want)
	}
	empty, _ := (&Table{Name: "e", Columns: tb.Columns}).JSON()
	if string(empty) != "[]\n" {
		t.Fatalf("empty table json %q", empty)
	}
	tb.Rows = append(tb.Rows, []Value{Text("short")})
	if err := tb.check(); err == nil {
		t.Fatal("a short row passed the check")
	}
}

// Report text that looks like Markdown table syntax stays in its cell.
func TestMarkdownEscapes(t *testing.T) {
	rep := &Report{Title: "t", Verdict: "v", Sections: []*Section{{Title: "s", Tables: []*Table{{
		Name: "x", Title: "X", Columns: []Column{{"a", "A"}},
		Rows: [][]Value{{Text("a|b\nc <d>")}}}}}}}
	if got := string(rep.Markdown()); !strings.Contains(got, "| a\\|b c &lt;d> |\n") {
		t.Fatalf("markdown:\n%s", got)
	}
}

func TestNodeHistogramBins(t *testing.T) {
	for _, c := range []struct {
		x   float64
		bin int
	}{{0, 0}, {0.0999, 0}, {0.1, 1}, {0.95, 9}, {1, 9}, {1.0001, 10}} {
		if got := bin(c.x); got != c.bin {
			t.Errorf("bin(%v) = %d, want %d", c.x, got, c.bin)
		}
	}
	h := nodeHistogram([]Node{{CPUAllocatable: 4, CPURequested: 4, MemAllocatable: 10, MemRequested: 1},
		{CPUAllocatable: 4, CPURequested: 5, MemAllocatable: 10, MemRequested: 0}, {CPUAllocatable: 0, MemAllocatable: 10}})
	if h.cpu[9] != 1 || h.cpu[10] != 1 || h.mem[1] != 1 || h.mem[0] != 1 || h.skipped != 1 || h.bins() != 11 {
		t.Fatalf("histogram %+v", h)
	}
}
