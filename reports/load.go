package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubetwin/kubetwin/sim"
)

// Files of a run directory that the report reads besides the
// simulator's summary.json and pods.csv.
const (
	SeriesFile = "timeseries.csv"
	NodesFile  = "nodes.csv"
)

// ErrNotRunDir is returned for a directory without a summary.json: not
// the output of a run.
var ErrNotRunDir = errors.New("not a run directory (no " + sim.SummaryFile + ")")

// Run is one run directory, read and checked.
type Run struct {
	Dir     string
	Summary sim.Summary
	Pods    []Pod
	Series  *Series // nil when timeseries.csv is absent (older runs)
	Nodes   []Node  // nil when nodes.csv is absent
	HasWork bool    // summary.json records the control plane's work
}

// Load reads the run directory dir. summary.json and pods.csv are
// required; timeseries.csv and nodes.csv are optional, and the report
// leaves out what needs them.
func Load(dir string) (*Run, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("run directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("run directory %s: not a directory", dir)
	}
	r := &Run{Dir: dir}
	if err := r.readSummary(); err != nil {
		return nil, err
	}
	if r.Pods, err = readPods(filepath.Join(dir, sim.PodsFile)); err != nil {
		return nil, fmt.Errorf("pods: %w", err)
	}
	if err := r.readOptional(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Run) readSummary() error {
	path := filepath.Join(r.Dir, sim.SummaryFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", r.Dir, ErrNotRunDir)
	}
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	if err := json.Unmarshal(b, &r.Summary); err != nil {
		return jsonError(path, b, err)
	}
	var probe struct {
		Work *json.RawMessage `json:"work"`
	}
	if err := json.Unmarshal(b, &probe); err == nil && probe.Work != nil && string(*probe.Work) != "null" {
		r.HasWork = true
	}
	return nil
}

// readOptional reads the files that older runs do not have.
func (r *Run) readOptional() error {
	var err error
	path := filepath.Join(r.Dir, SeriesFile)
	if r.Series, err = readSeries(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("time series: %w", err)
	}
	path = filepath.Join(r.Dir, NodesFile)
	if r.Nodes, err = readNodes(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("nodes: %w", err)
	}
	return nil
}

// jsonError places a JSON decoding error at its line, which the
// decoder only gives as a byte offset.
func jsonError(path string, b []byte, err error) error {
	var offset int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		offset = se.Offset
	case errors.As(err, &te):
		offset = te.Offset
	}
	if offset < 0 {
		return &ParseError{File: path, Err: err}
	}
	offset = min(offset, int64(len(b)))
	line := 1 + bytes.Count(b[:offset], []byte("\n"))
	return &ParseError{File: path, Line: line, Err: err}
}
