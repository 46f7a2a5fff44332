package reports

import (
	"fmt"
	"strings"

	"gonum.org/v1/plot"
)

// Report is a run's report before it is written: a title, a verdict and
// sections of tables and plots, in reading order.
type Report struct {
	Title    string
	Verdict  string
	Passed   bool
	Sections []*Section
}

// Section is one topic of the report. Notes say what could not be
// shown and why (a file the run did not write), so that an absent plot
// is never mistaken for an empty one.
type Section struct {
	Title   string
	Notes   []string
	Tables  []*Table
	Figures []*Figure
}

// Figure is one plot, drawn at write time as plots/NAME.svg and
// plots/NAME.png.
type Figure struct {
	Name    string
	Title   string
	Caption string
	Missing string // why the plot could not be drawn; then it is not
	plot    *plot.Plot
}

// New builds the report of a loaded run.
func New(r *Run) (*Report, error) {
	s := &r.Summary
	rep := &Report{Title: fmt.Sprintf("kubetwin report: %s", s.Scenario), Passed: s.Passed()}
	rep.Verdict = verdict(s)
	builders := []func(*Run) (*Section, error){
		runSection, thresholdsSection, schedulingSection, latencySection, convergenceSection,
		podsSection, nodesSection, utilisationSection, workSection, errorsSection, seriesSection,
	}
	for _, b := range builders {
		sec, err := b(r)
		if err != nil {
			return nil, err
		}
		rep.Sections = append(rep.Sections, sec)
	}
	return rep, rep.check()
}

// Tables are every table of the report, in reading order.
func (rep *Report) Tables() []*Table {
	var out []*Table
	for _, s := range rep.Sections {
		out = append(out, s.Tables...)
	}
	return out
}

// Figures are every plot of the report, in reading order.
func (rep *Report) Figures() []*Figure {
	var out []*Figure
	for _, s := range rep.Sections {
		out = append(out, s.Figures...)
	}
	return out
}

// check rejects two tables or two plots of one name, which would
// overwrite each other's files.
func (rep *Report) check() error {
	seen := map[string]bool{}
	for _, t := range rep.Tables() {
		if seen["t/"+t.Name] {
			return fmt.Errorf("report: two tables named %s", t.Name)
		}
		seen["t/"+t.Name] = true
		if err := t.check(); err != nil {
			return err
		}
	}
	for _, f := range rep.Figures() {
		if seen["f/"+f.Name] {
			return fmt.Errorf("report: two plots named %s", f.Name)
		}
		seen["f/"+f.Name] = true
	}
	return nil
}

func (sec *Section) note(format string, args ...any) {
	sec.Notes = append(sec.Notes, fmt.Sprintf(format, args...))
}

// addFigure adds a plot, or a note of the reason there is none.
func (sec *Section) addFigure(f *Figure, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("plot: %w", err)
	case f.Missing != "":
		sec.note("No plot of %s: %s.", strings.ToLower(f.Title), f.Missing)
	default:
		sec.Figures = append(sec.Figures, f)
	}
	return nil
}
