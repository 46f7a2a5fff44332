package reports

import (
	"fmt"
	"os"
	"path/filepath"
)

// What a report writes into the run directory.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	PlotsDir     = "plots"
	TablesDir    = "tables"
)

// Build reads the run directory dir and writes its report into it:
// report.md, report.html (self-contained), plots/ and tables/. It
// returns the path of report.html. The same directory always gives the
// same bytes in report.md, the tables and the SVG plots.
func Build(dir string) (htmlPath string, err error) {
	run, err := Load(dir)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	rep, err := New(run)
	if err != nil {
		return "", fmt.Errorf("report %s: %w", dir, err)
	}
	if htmlPath, err = rep.Write(dir); err != nil {
		return "", fmt.Errorf("report %s: %w", dir, err)
	}
	return htmlPath, nil
}

// Write writes the report's files into dir and returns the path of
// report.html. Files of an earlier report that this one no longer has
// (a plot whose data went missing) are left as they are.
func (rep *Report) Write(dir string) (string, error) {
	for _, sub := range []string{PlotsDir, TablesDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return "", err
		}
	}
	if err := rep.writeTables(dir); err != nil {
		return "", err
	}
	if err := rep.writePlots(dir); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), rep.Markdown(), 0o644); err != nil {
		return "", err
	}
	page, err := rep.HTML()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, HTMLFile)
	return path, os.WriteFile(path, page, 0o644)
}

func (rep *Report) writeTables(dir string) error {
	for _, t := range rep.Tables() {
		c, err := t.CSV()
		if err != nil {
			return err
		}
		j, err := t.JSON()
		if err != nil {
			return err
		}
		base := filepath.Join(dir, TablesDir, t.Name)
		if err := os.WriteFile(base+".csv", c, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(base+".json", j, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writePlots draws every figure into plots/ as SVG and PNG.
func (rep *Report) writePlots(dir string) error {
	for _, f := range rep.Figures() {
		svg, err := f.SVG()
		if err != nil {
			return err
		}
		png, err := f.PNG()
		if err != nil {
			return err
		}
		base := filepath.Join(dir, PlotsDir, f.Name)
		if err := os.WriteFile(base+".svg", svg, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(base+".png", png, 0o644); err != nil {
			return err
		}
	}
	return nil
}
