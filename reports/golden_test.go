package reports

import (
	"bytes"
	"flag"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the fixture run and the golden files in testdata/")

const goldenDir = "testdata/golden"

// copyRun copies the fixture run into a fresh directory, where a report
// can be built without touching testdata.
func copyRun(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "run")
	err := os.CopyFS(dst, os.DirFS(src))
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// shared is one report of the fixture for the tests that only read it:
// a build takes seconds under the race detector on a small CI machine.
var shared struct {
	once sync.Once
	dir  string
	err  error
}

// sharedFixture is the directory of the shared report; tests must not
// change anything in it.
func sharedFixture(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "reports-fixture-"); shared.err != nil {
			return
		}
		run := filepath.Join(shared.dir, "run")
		if shared.err = os.CopyFS(run, os.DirFS(fixtureDir)); shared.err == nil {
			_, shared.err = Build(run)
		}
	})
	if shared.err != nil {
		t.Fatalf("shared fixture report: %v", shared.err)
	}
	return filepath.Join(shared.dir, "run")
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// buildFixture builds the report of a fresh copy of the fixture.
func buildFixture(t *testing.T) string {
	t.Helper()
	dir := copyRun(t, fixtureDir)
	path, err := Build(dir)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	if path != filepath.Join(dir, HTMLFile) {
		t.Fatalf("build returned %s", path)
	}
	return dir
}

// reportFiles are the report's deterministic outputs, relative to the
// run directory, sorted: the tables, report.md and optionally the SVGs.
func reportFiles(t *testing.T, dir string, withSVG bool) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		switch {
		case strings.HasPrefix(rel, TablesDir+string(filepath.Separator)), rel == MarkdownFile:
			out = append(out, rel)
		case withSVG && (strings.HasSuffix(rel, ".svg") || rel == HTMLFile):
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// The fixture's tables (CSV and JSON) and report.md match the golden
// files; -update rewrites them.
func TestReportGolden(t *testing.T) {
	dir := sharedFixture(t)
	if *update {
		dir = buildFixture(t) // from the fixture as TestFixtureIsCurrent may just have rewritten it
	}
	got := reportFiles(t, dir, false)
	if *update {
		os.RemoveAll(goldenDir)
		for _, rel := range got {
			b, _ := os.ReadFile(filepath.Join(dir, rel))
			os.MkdirAll(filepath.Dir(filepath.Join(goldenDir, rel)), 0o755)
			if err := os.WriteFile(filepath.Join(goldenDir, rel), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := reportFiles(t, goldenDir, false)
	if !slices.Equal(got, want) {
		t.Fatalf("files differ from the golden ones:\ngot  %v\nwant %v", got, want)
	}
	for _, rel := range want {
		g, _ := os.ReadFile(filepath.Join(dir, rel))
		w, _ := os.ReadFile(filepath.Join(goldenDir, rel))
		if !bytes.Equal(g, w) {
			t.Errorf("%s differs from the golden file (go test ./reports/ -run Golden -update):\n%s", rel, firstDiff(g, w))
		}
	}
}

// firstDiff shows the first line where got and want part.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n got  " + gl + "\n want " + wl
		}
	}
	return "(same lines)"
}

// Two builds of the same run give the same bytes: tables, report.md,
// every SVG and the HTML page.
func TestReportDeterministic(t *testing.T) {
	a, b := sharedFixture(t), buildFixture(t)
	files := reportFiles(t, a, true)
	if !slices.Equal(files, reportFiles(t, b, true)) {
		t.Fatal("the two builds wrote different files")
	}
	for _, rel := range files {
		x, _ := os.ReadFile(filepath.Join(a, rel))
		y, _ := os.ReadFile(filepath.Join(b, rel))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds:\n%s", rel, firstDiff(x, y))
		}
	}
}

// Every plot is written as SVG and as a PNG that decodes, and the set
// of plots is the one the fixture has data for.
func TestReportPlots(t *testing.T) {
	dir := sharedFixture(t)
	want := fixturePlots
	var got []string
	entries, err := os.ReadDir(filepath.Join(dir, PlotsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), ".svg"); ok {
			got = append(got, name)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("plots %v, want %v", got, want)
	}
	for _, name := range want {
		svg, _ := os.ReadFile(filepath.Join(dir, PlotsDir, name+".svg"))
		if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("<path")) {
			t.Errorf("%s.svg draws nothing", name)
		}
		f, err := os.Open(filepath.Join(dir, PlotsDir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 768 || cfg.Height != 384 {
			t.Errorf("%s.png: %v, %dx%d", name, err, cfg.Width, cfg.Height)
		}
	}
}
