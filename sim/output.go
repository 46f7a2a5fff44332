package sim

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Files a run writes into its output directory.
const (
	SummaryFile = "summary.json"
	PodsFile    = "pods.csv"
	TraceFile   = "trace.csv.gz"
)

// WriteFiles writes the summary and the pods table into dir.
func WriteFiles(dir string, res *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	b, err := json.MarshalIndent(res.Summary, "", "  ")
	if err != nil {
		return fmt.Errorf("output: summary: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SummaryFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return writePods(filepath.Join(dir, PodsFile), res.Pods)
}

// writePods writes one row per pod; moments that never came are empty.
func writePods(path string, pods []*PodRecord) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("output: %w", cerr)
		}
	}()
	buf := bufio.NewWriter(f)
	w := csv.NewWriter(buf)
	w.Write([]string{"name", "namespace", "workload", "node", "created", "scheduled", "started", "ready", "terminating", "finished", "phase"})
	for _, p := range pods {
		w.Write([]string{p.Name, p.Namespace, p.Workload, p.Node, secs(p.Created), secs(p.Scheduled),
			secs(p.Started), secs(p.Ready), secs(p.Terminating), secs(p.Finished), p.Phase})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("output: %s: %w", path, err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("output: %s: %w", path, err)
	}
	return nil
}

// secs prints virtual seconds to the millisecond; a moment that never came is empty.
func secs(s float64) string {
	if s < 0 {
		return ""
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}
