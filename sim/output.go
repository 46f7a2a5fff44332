package sim

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
)

// Files a run writes into its output directory.
const (
	SummaryFile    = "summary.json"
	PodsFile       = "pods.csv"
	TraceFile      = "trace.csv.gz"
	TimeSeriesFile = "timeseries.csv"
	NodesFile      = "nodes.csv"
)

// WriteFiles writes the summary, the pods and nodes tables and the time
// series into dir.
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
	if err := writePods(filepath.Join(dir, PodsFile), res.Pods); err != nil {
		return err
	}
	if err := writeNodes(filepath.Join(dir, NodesFile), res.Nodes); err != nil {
		return err
	}
	if res.Series == nil {
		return nil
	}
	return writeSeries(filepath.Join(dir, TimeSeriesFile), res.Series)
}

// writePods writes one row per pod; moments that never came are empty.
func writePods(path string, pods []*PodRecord) error {
	return writeCSV(path, []string{"name", "namespace", "workload", "node", "created", "scheduled", "started",
		"ready", "terminating", "finished", "phase"}, func(row func(...string)) {
		for _, p := range pods {
			row(p.Name, p.Namespace, p.Workload, p.Node, secs(p.Created), secs(p.Scheduled),
				secs(p.Started), secs(p.Ready), secs(p.Terminating), secs(p.Finished), p.Phase)
		}
	})
}

// writeNodes writes one row per node: cpu in cores, memory in bytes.
func writeNodes(path string, nodes []NodeRecord) error {
	return writeCSV(path, []string{"node", "pool", "zone", "ready", "cpu_allocatable", "cpu_requested",
		"memory_allocatable", "memory_requested", "pods"}, func(row func(...string)) {
		for _, n := range nodes {
			row(n.Name, n.Pool, n.Zone, string(n.Ready), num(n.CPUAllocatable), num(n.CPURequested),
				num(n.MemoryAllocatable), num(n.MemoryRequested), strconv.FormatInt(n.Pods, 10))
		}
	})
}

// writeSeries writes one row per sample; a series not yet seen is empty.
func writeSeries(path string, s *TimeSeries) error {
	return writeCSV(path, append([]string{"time"}, s.Names...), func(row func(...string)) {
		cells := make([]string, len(s.Names)+1)
		for i, t := range s.Times {
			cells[0] = secs(t)
			for j, v := range s.Rows[i] {
				cells[j+1] = ""
				if !math.IsNaN(v) {
					cells[j+1] = num(v)
				}
			}
			row(cells...)
		}
	})
}

// writeCSV writes a header and the rows that fill gives through a buffer.
func writeCSV(path string, header []string, fill func(row func(...string))) (err error) {
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
	w.Write(header)
	fill(func(cells ...string) { w.Write(cells) })
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("output: %s: %w", path, err)
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("output: %s: %w", path, err)
	}
	return nil
}

// num prints a value in the fewest digits that read back the same.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// secs prints virtual seconds to the millisecond; a moment that never came is empty.
func secs(s float64) string {
	if s < 0 {
		return ""
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}
