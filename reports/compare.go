package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/sim"
)

// ErrDifferentScenarios is returned by BuildComparison for two runs of
// different scenarios, whose figures measure different things.
var ErrDifferentScenarios = errors.New("the runs are of different scenarios")

// ErrOutIsRun is returned by BuildComparison for an output directory
// that is a run directory: the comparison would overwrite that run's
// own report.md and report.html.
var ErrOutIsRun = errors.New("the output directory is a run directory")

// BuildComparison reads the run directories a and b (typically a
// simulator run and an emulated or real run of the same scenario) and
// writes a report putting them side by side into out: report.md,
// report.html (self-contained), plots/ and tables/. It returns the path
// of report.html. A is the baseline: differences are B − A and ratios
// B / A. The same two runs always give the same bytes in report.md, the
// tables and the SVG plots.
func BuildComparison(a, b, out string) (htmlPath string, err error) {
	ra, err := Load(a)
	if err != nil {
		return "", fmt.Errorf("compare: run A: %w", err)
	}
	rb, err := Load(b)
	if err != nil {
		return "", fmt.Errorf("compare: run B: %w", err)
	}
	if ra.Summary.Scenario != rb.Summary.Scenario {
		return "", fmt.Errorf("compare: %w: A (%s) ran %q, B (%s) ran %q", ErrDifferentScenarios,
			a, ra.Summary.Scenario, b, rb.Summary.Scenario)
	}
	if err := checkOut(out, a, b); err != nil {
		return "", fmt.Errorf("compare: %w", err)
	}
	rep, err := newComparison(ra, rb)
	if err != nil {
		return "", fmt.Errorf("compare %s and %s: %w", a, b, err)
	}
	if htmlPath, err = rep.Write(out); err != nil {
		return "", fmt.Errorf("compare: write %s: %w", out, err)
	}
	return htmlPath, nil
}

// checkOut refuses an output directory that holds a run, so that the
// comparison never replaces a run's own report.
func checkOut(out string, runs ...string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("output directory %s: %w", out, err)
	}
	for _, r := range runs {
		if ra, err := filepath.Abs(r); err == nil && ra == abs {
			return fmt.Errorf("%w: %s is one of the runs compared; choose another --out", ErrOutIsRun, out)
		}
	}
	if _, err := os.Stat(filepath.Join(out, sim.SummaryFile)); err == nil {
		return fmt.Errorf("%w: %s holds a %s; choose another --out", ErrOutIsRun, out, sim.SummaryFile)
	}
	return nil
}

// comparison is two loaded runs and what the report found while
// putting them side by side.
type comparison struct {
	a, b     *Run
	la, lb   string // the runs' labels, "sim (a)"
	findings []*finding
	// schedulingDiffers is set by the latency section, for the rule
	// that explains a startup difference by the scheduling wait.
	schedulingDiffers bool
}

// newComparison builds the comparison report of two loaded runs.
func newComparison(a, b *Run) (*Report, error) {
	c := &comparison{a: a, b: b}
	c.la, c.lb = runLabels(a, b)
	rep := &Report{Title: fmt.Sprintf("kubetwin comparison: %s, %s against %s", a.Summary.Scenario, c.lb, c.la)}
	builders := []func() (*Section, error){c.runsSection, c.latencySection, c.convergenceSection, c.placementSection}
	for _, build := range builders {
		sec, err := build()
		if err != nil {
			return nil, err
		}
		rep.Sections = append(rep.Sections, sec)
	}
	rep.Sections = append(rep.Sections, c.differSection())
	rep.Passed = len(c.findings) == 0
	rep.Verdict = c.verdict()
	return rep, rep.check()
}

// verdict says in one line whether the result holds in both runs.
func (c *comparison) verdict() string {
	if len(c.findings) == 0 {
		return fmt.Sprintf("%s agrees with %s: nothing differs beyond the thresholds", c.lb, c.la)
	}
	subjects := make([]string, len(c.findings))
	for i, f := range c.findings {
		subjects[i] = f.subject
	}
	what := "figures differ"
	if len(c.findings) == 1 {
		what = "figure differs"
	}
	return fmt.Sprintf("%d %s beyond the thresholds: %s", len(c.findings), what, strings.Join(subjects, "; "))
}

// runLabels names the runs by mode and directory base name ("sim
// (a)"), or, when both ran in one mode, by directory alone, its base
// name extended by its parents until the two labels differ.
func runLabels(a, b *Run) (string, string) {
	if a.Summary.Mode != b.Summary.Mode {
		return fmt.Sprintf("%s (%s)", a.Summary.Mode, filepath.Base(a.Dir)),
			fmt.Sprintf("%s (%s)", b.Summary.Mode, filepath.Base(b.Dir))
	}
	return distinctNames(a.Dir, b.Dir)
}

// distinctNames are the shortest trailing paths of a and b that differ;
// the same directory twice is told apart as "A" and "B".
func distinctNames(a, b string) (string, string) {
	pa := strings.Split(filepath.ToSlash(filepath.Clean(a)), "/")
	pb := strings.Split(filepath.ToSlash(filepath.Clean(b)), "/")
	for n := 1; n <= max(len(pa), len(pb)); n++ {
		ta := strings.Join(pa[max(0, len(pa)-n):], "/")
		tb := strings.Join(pb[max(0, len(pb)-n):], "/")
		if ta != tb {
			return ta, tb
		}
	}
	return filepath.Base(a) + " A", filepath.Base(b) + " B"
}

// columnA and columnB title the runs' columns in every table.
func (c *comparison) columnA() Column { return Column{Key: "a", Title: "A: " + c.la} }
func (c *comparison) columnB() Column { return Column{Key: "b", Title: "B: " + c.lb} }

// runsSection says what ran: the facts a reader checks first, since a
// comparison of different setups explains nothing.
func (c *comparison) runsSection() (*Section, error) {
	t := &Table{Name: "runs", Title: "The two runs", Columns: []Column{{"field", "Field"}, c.columnA(), c.columnB()}}
	sa, sb := &c.a.Summary, &c.b.Summary
	add := func(k string, a, b Value) { t.Rows = append(t.Rows, []Value{Text(k), a, b}) }
	add("directory", Text(c.a.Dir), Text(c.b.Dir))
	add("scenario", Text(sa.Scenario), Text(sb.Scenario))
	add("mode", Text(sa.Mode), Text(sb.Mode))
	add("seed", Uint(sa.Seed), Uint(sb.Seed))
	add("ended", Text(sa.Ended), Text(sb.Ended))
	add("virtual_seconds", seconds(sa.VirtualSeconds), seconds(sb.VirtualSeconds))
	add("wall_seconds", seconds(sa.WallSeconds), seconds(sb.WallSeconds))
	add("pods_created", Int(sa.Pods.Created), Int(sb.Pods.Created))
	add("nodes", Int(sa.Nodes.Total), Int(sb.Nodes.Total))
	add("nodes_ready", Int(sa.Nodes.Ready), Int(sb.Nodes.Ready))
	params, err := c.paramRows()
	if err != nil {
		return nil, err
	}
	t.Rows = append(t.Rows, params...)
	sec := &Section{Title: "Runs", Tables: []*Table{t}}
	sec.note("A is %s, B is %s. Differences are B − A and ratios B / A. Run time is the scenario's clock "+
		"(virtual in sim, the wall clock in emulate and real); wall time is expected to differ and is not compared.", c.la, c.lb)
	c.setupFindings()
	return sec, nil
}

// paramRows are the scenario parameters of either run, by name, as JSON.
func (c *comparison) paramRows() ([][]Value, error) {
	pa, pb := c.a.Summary.Params, c.b.Summary.Params
	keys := sortedKeys(pa)
	for _, k := range sortedKeys(pb) {
		if _, ok := pa[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var rows [][]Value
	for _, k := range keys {
		va, err := paramValue(pa, k)
		if err != nil {
			return nil, err
		}
		vb, err := paramValue(pb, k)
		if err != nil {
			return nil, err
		}
		rows = append(rows, []Value{Text("param." + k), va, vb})
	}
	return rows, nil
}

func paramValue(params map[string]any, k string) (Value, error) {
	v, ok := params[k]
	if !ok {
		return Missing("-"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return Value{}, fmt.Errorf("summary param %s: %w", k, err)
	}
	return Text(string(b)), nil
}

// setupFindings note parameters, node counts and pod counts that
// differ: the first things to rule out before reading anything else.
func (c *comparison) setupFindings() {
	sa, sb := &c.a.Summary, &c.b.Summary
	f := &finding{topic: topicSetup, subject: "parameters and cluster", figure: "nodes",
		a: float64(sa.Nodes.Total), b: float64(sb.Nodes.Total), format: FormatCount}
	rows, _ := c.paramRows() // the runs section has already reported an error here
	for _, r := range rows {
		if r[1] != r[2] {
			f.details = append(f.details, fmt.Sprintf("%s is %s in A and %s in B", r[0].Display(), r[1].Display(), r[2].Display()))
		}
	}
	if sa.Nodes.Total != sb.Nodes.Total {
		f.details = append(f.details, fmt.Sprintf("A has %d nodes, B %d", sa.Nodes.Total, sb.Nodes.Total))
	}
	if len(f.details) > 0 {
		c.add(f)
	}
	if differs(float64(sa.Pods.Created), float64(sb.Pods.Created), PodsFloor) {
		c.add(&finding{topic: topicPods, subject: "pods created", figure: "pods created",
			a: float64(sa.Pods.Created), b: float64(sb.Pods.Created), format: FormatCount,
			details: []string{fmt.Sprintf("%d in A, %d in B", sa.Pods.Created, sb.Pods.Created)}})
	}
}
