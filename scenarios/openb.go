package scenarios

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// This file reads the node and task lists of Alibaba's GPU cluster trace
// v2023 ("openb", the trace of the FGD paper, USENIX ATC '23), so the
// paper's experiment can be rebuilt from the very files it used. The
// experiment's workload is built in openb_workload.go.

// GPUMilliPerGPU is how many GPU milli one whole GPU holds: a node with
// four GPUs has 4000 GPU milli.
const GPUMilliPerGPU = 1000

// MaxTaskGPUs is the most GPUs one task of the trace may ask for.
const MaxTaskGPUs = 8

// NoTime marks a time cell the trace leaves empty (a task never
// scheduled, or never deleted) or a file without that column.
const NoTime int64 = -1

// GPUNode is one machine of an openb node list (openb_node_list_*.csv).
type GPUNode struct {
	Name      string // the sn column, e.g. openb-node-0227
	CPUMilli  int64  // CPU capacity in millicores
	MemoryMiB int64  // memory capacity in MiB
	GPUs      int    // whole GPUs on the node
	Model     string // GPU type, e.g. V100M16; empty for a CPU-only node
}

// GPUMilli is the node's GPU capacity in GPU milli (GPUs × 1000), the
// unit the experiment's allocation ratios are measured in.
func (n GPUNode) GPUMilli() int64 { return int64(n.GPUs) * GPUMilliPerGPU }

// GPUTask is one task (pod) of an openb task list (openb_pod_list_*.csv).
type GPUTask struct {
	Name      string // e.g. openb-pod-0017; "-tuned-N" copies in a built workload
	CPUMilli  int64  // CPU request in millicores
	MemoryMiB int64  // memory request in MiB
	NumGPU    int    // GPUs requested, 0 (CPU-only) to 8
	// GPUMilli is the share of each requested GPU, 0–1000: below 1000 for
	// a GPU-sharing task (NumGPU 1), 1000 for whole GPUs, 0 for CPU-only.
	GPUMilli int64
	GPUSpec  []string // GPU models the task may run on; empty means any
	QoS      string   // e.g. LS, BE, Burstable, Guaranteed; "" when the file has no qos column
	Phase    string   // pod_phase at trace end: Running, Succeeded, Failed, Pending

	// Times in seconds from the trace's origin; NoTime when the cell is
	// empty (the trace leaves scheduled_time empty for Pending tasks) or
	// the file has no such column (openb_pod_list_multigpu50.csv).
	CreationSeconds  int64
	DeletionSeconds  int64
	ScheduledSeconds int64
}

// TotalGPUMilli is the GPU milli the task requests in all, NumGPU ×
// GPUMilli, as the artefact counts it (PodResource.TotalMilliGpu).
func (t GPUTask) TotalGPUMilli() int64 { return int64(t.NumGPU) * t.GPUMilli }

// nodeColumns are the columns of a node list, all required.
var nodeColumns = []string{"sn", "cpu_milli", "memory_mib", "gpu", "model"}

// taskColumns are the columns of a task list; the first
// requiredTaskColumns are required. openb_pod_list_multigpu50.csv has
// only those, and the experiment needs nothing else.
var taskColumns = []string{"name", "cpu_milli", "memory_mib", "num_gpu", "gpu_milli",
	"gpu_spec", "qos", "pod_phase", "creation_time", "deletion_time", "scheduled_time"}

// requiredTaskColumns is how many leading taskColumns a file must have.
const requiredTaskColumns = 5

// maxOpenbProblems bounds how many bad cells one file reports.
const maxOpenbProblems = 10

// OpenbError is one problem in an openb CSV file, located by file and
// line so a user can go straight to it.
type OpenbError struct {
	Source string // the file as given
	Line   int    // 1-based; the header is line 1
	Column string // the column of a bad cell; "" for a whole-line problem
	Value  string // the bad cell's text
	Err    error
}

// Error renders the problem as `SOURCE line N: COLUMN "VALUE": reason`.
func (e *OpenbError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("%s line %d: %v", e.Source, e.Line, e.Err)
	}
	return fmt.Sprintf("%s line %d: %s %q: %v", e.Source, e.Line, e.Column, e.Value, e.Err)
}

// Unwrap gives the underlying reason, e.g. a *strconv.NumError.
func (e *OpenbError) Unwrap() error { return e.Err }

// LoadGPUNodes reads an openb node list (sn,cpu_milli,memory_mib,gpu,model),
// keeping file order.
func LoadGPUNodes(path string) ([]GPUNode, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load openb nodes: %w", err)
	}
	defer f.Close()
	return ReadGPUNodes(f, path)
}

// LoadGPUTasks reads an openb task list, keeping file order.
func LoadGPUTasks(path string) ([]GPUTask, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load openb tasks: %w", err)
	}
	defer f.Close()
	return ReadGPUTasks(f, path)
}

// ReadGPUNodes reads an openb node list from r; source names it in errors.
func ReadGPUNodes(r io.Reader, source string) ([]GPUNode, error) {
	t, err := newOpenbTable(r, source, nodeColumns, len(nodeColumns))
	if err != nil {
		return nil, err
	}
	var nodes []GPUNode
	for t.next() {
		n := GPUNode{
			Name:      t.name("sn"),
			CPUMilli:  t.integer("cpu_milli", 0, -1),
			MemoryMiB: t.integer("memory_mib", 0, -1),
			GPUs:      int(t.integer("gpu", 0, -1)),
			Model:     t.text("model"),
		}
		nodes = append(nodes, n)
	}
	return nodes, t.err()
}

// ReadGPUTasks reads an openb task list from r; source names it in errors.
func ReadGPUTasks(r io.Reader, source string) ([]GPUTask, error) {
	t, err := newOpenbTable(r, source, taskColumns, requiredTaskColumns)
	if err != nil {
		return nil, err
	}
	var tasks []GPUTask
	for t.next() {
		tasks = append(tasks, t.task())
	}
	return tasks, t.err()
}

// task decodes the current row of a task list.
func (t *openbTable) task() GPUTask {
	problems := len(t.errs)
	task := GPUTask{
		Name:      t.name("name"),
		CPUMilli:  t.integer("cpu_milli", 0, -1),
		MemoryMiB: t.integer("memory_mib", 0, -1),
		NumGPU:    int(t.integer("num_gpu", 0, MaxTaskGPUs)),
		GPUMilli:  t.integer("gpu_milli", 0, GPUMilliPerGPU),
		GPUSpec:   t.spec("gpu_spec"),
		QoS:       t.text("qos"),
		Phase:     t.text("pod_phase"),
	}
	task.CreationSeconds = t.seconds("creation_time", false)
	task.DeletionSeconds = t.seconds("deletion_time", true)
	task.ScheduledSeconds = t.seconds("scheduled_time", true)
	if len(t.errs) > problems {
		return task // cross-checks of cells already reported would only echo them
	}
	t.checkGPUShare(task)
	if task.DeletionSeconds != NoTime && task.CreationSeconds != NoTime && task.DeletionSeconds < task.CreationSeconds {
		t.bad("deletion_time", fmt.Errorf("before creation_time %d", task.CreationSeconds))
	}
	return task
}

// checkGPUShare rejects GPU demands the artefact cannot represent (it
// panics on a multi-GPU task with less than 1000 milli per GPU): a
// CPU-only task asks 0 milli, a single-GPU task 1–1000, a multi-GPU task
// exactly 1000.
func (t *openbTable) checkGPUShare(task GPUTask) {
	var want string
	switch {
	case task.NumGPU == 0 && task.GPUMilli != 0:
		want = "want 0 when num_gpu is 0"
	case task.NumGPU == 1 && task.GPUMilli == 0:
		want = "want 1..1000 when num_gpu is 1"
	case task.NumGPU > 1 && task.GPUMilli != GPUMilliPerGPU:
		want = "want 1000 (whole GPUs) when num_gpu is above 1"
	default:
		return
	}
	t.bad("gpu_milli", errors.New(want))
}

// openbTable reads one openb CSV file: a header naming the columns, then
// one record a line. Bad cells are collected, not fatal, so a user sees
// up to maxOpenbProblems of them at once.
type openbTable struct {
	source string
	csv    *csv.Reader
	cols   map[string]int // column name → index; looked up, never ranged over
	rec    []string       // the record just read
	line   int            // its line
	seen   map[string]int // names → the line they first appeared on
	errs   []error
}

// newOpenbTable reads and checks the header: every column must be one of
// known, at most once, and the first required of known must be present.
func newOpenbTable(r io.Reader, source string, known []string, required int) (*openbTable, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &OpenbError{Source: source, Line: 1, Err: errors.New("empty file, want a header line")}
	}
	if err != nil {
		return nil, &OpenbError{Source: source, Line: 1, Err: fmt.Errorf("read header: %w", err)}
	}
	cols, errs := headerColumns(header, source, known)
	for _, name := range known[:required] {
		if _, ok := cols[name]; !ok {
			errs = append(errs, &OpenbError{Source: source, Line: 1, Err: fmt.Errorf("missing column %q", name)})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &openbTable{source: source, csv: cr, cols: cols, seen: map[string]int{}}, nil
}

// headerColumns indexes the header's columns, reporting unknown and
// repeated ones.
func headerColumns(header []string, source string, known []string) (map[string]int, []error) {
	cols := map[string]int{}
	var errs []error
	for i, h := range header {
		name := strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		switch _, dup := cols[name]; {
		case !slices.Contains(known, name):
			errs = append(errs, &OpenbError{Source: source, Line: 1,
				Err: fmt.Errorf("unknown column %q, want %s", name, strings.Join(known, ","))})
		case dup:
			errs = append(errs, &OpenbError{Source: source, Line: 1, Err: fmt.Errorf("column %q twice", name)})
		default:
			cols[name] = i
		}
	}
	return cols, errs
}

// next reads the next record, reporting whether there is one to decode.
// It stops at the end, after an unreadable line, or when too many
// problems have piled up.
func (t *openbTable) next() bool {
	for len(t.errs) < maxOpenbProblems {
		rec, err := t.csv.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			t.errs = append(t.errs, &OpenbError{Source: t.source, Line: pe.Line, Err: pe.Err})
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				continue // the next line may still be good
			}
			return false
		}
		if err != nil {
			t.errs = append(t.errs, &OpenbError{Source: t.source, Err: err})
			return false
		}
		t.rec = rec
		t.line, _ = t.csv.FieldPos(0)
		return true
	}
	t.errs = append(t.errs, fmt.Errorf("%s: stopped after %d problems", t.source, len(t.errs)))
	return false
}

// err is the problems found, joined; nil when there were none.
func (t *openbTable) err() error { return errors.Join(t.errs...) }

// bad records a problem with a column of the current record.
func (t *openbTable) bad(col string, err error) {
	t.errs = append(t.errs, &OpenbError{Source: t.source, Line: t.line, Column: col, Value: t.text(col), Err: err})
}

// text is a column's trimmed cell; "" when the file lacks the column.
func (t *openbTable) text(col string) string {
	i, ok := t.cols[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(t.rec[i])
}

// name is a column's cell that must be non-empty and unique in the file:
// the workload is sorted by name, so a repeated name would make its
// order depend on the sort algorithm.
func (t *openbTable) name(col string) string {
	s := t.text(col)
	if s == "" {
		t.bad(col, errors.New("empty"))
		return s
	}
	if first, dup := t.seen[s]; dup {
		t.bad(col, fmt.Errorf("repeats line %d", first))
		return s
	}
	t.seen[s] = t.line
	return s
}

// integer is a column's cell as an integer in lo..hi (no upper bound
// when hi < 0); a bad cell is recorded and read as lo.
func (t *openbTable) integer(col string, lo, hi int64) int64 {
	s := t.text(col)
	if s == "" {
		t.bad(col, errors.New("empty, want an integer"))
		return lo
	}
	v, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		t.bad(col, err)
	case v < 0 && lo == 0:
		t.bad(col, errors.New("negative"))
	case v < lo || (hi >= 0 && v > hi):
		t.bad(col, fmt.Errorf("out of range %d..%d", lo, hi))
	default:
		return v
	}
	return lo
}

// seconds is a time column in seconds: NoTime when the file lacks the
// column, or when the cell is empty and emptyOK.
func (t *openbTable) seconds(col string, emptyOK bool) int64 {
	if _, ok := t.cols[col]; !ok || (emptyOK && t.text(col) == "") {
		return NoTime
	}
	return t.integer(col, 0, -1)
}

// spec is a '|'-separated list of GPU models; an empty cell is nil
// (any model), an empty model in a list is an error.
func (t *openbTable) spec(col string) []string {
	s := t.text(col)
	if s == "" {
		return nil
	}
	models := strings.Split(s, "|")
	for i, m := range models {
		models[i] = strings.TrimSpace(m)
		if models[i] == "" {
			t.bad(col, errors.New("empty GPU model in the list"))
			return nil
		}
	}
	return models
}
