package scenarios

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

// ResourceGPU is the extended resource a trace's num_gpu column requests.
const ResourceGPU api.ResourceName = "nvidia.com/gpu"

// TraceOptions select and scale the rows of a trace file.
type TraceOptions struct {
	Skip      int     // rows dropped from the start of the file, before sorting
	Limit     int     // at most this many rows after Skip, in file order (0: all)
	TimeScale float64 // arrival offsets are multiplied by it (0 means 1)
}

// maxTraceProblems bounds how many bad cells one file reports.
const maxTraceProblems = 10

// traceColumn names a column the reader understands.
type traceColumn int

// The columns of a trace.
const (
	colName traceColumn = iota
	colArrival
	colRunTime
	colEnd
	colCPU
	colCPUMilli
	colMemory
	colMemoryMiB
	colGPU
	numColumns
)

// columnAliases are the header names each column may go by; the first
// one present wins.
var columnAliases = [numColumns][]string{
	colName:      {"name"},
	colArrival:   {"arrival", "arrival_seconds", "creation_time", "submit_time"},
	colRunTime:   {"duration", "duration_seconds", "runtime_seconds"},
	colEnd:       {"deletion_time", "end_time"},
	colCPU:       {"cpu"},
	colCPUMilli:  {"cpu_milli"},
	colMemory:    {"memory"},
	colMemoryMiB: {"memory_mib"},
	colGPU:       {"num_gpu"},
}

// traceReader reads one trace file's rows, collecting bad cells.
type traceReader struct {
	file   string
	header []string
	cols   [numColumns]int // index of each column in a record, -1 when absent
	csv    *csv.Reader
	errs   []error
}

// timedRow is a row with its raw arrival, before rows are made relative.
type timedRow struct {
	TraceRow
	arrival float64
}

// ReadTrace reads a CSV trace (a header, then one task per row) into rows
// sorted by arrival, so a scenario can replay a real cluster's tasks.
// Columns are found by header name (see scenarios/README.md); others
// are ignored. Problems name FILE:LINE:COLUMN.
func ReadTrace(r io.Reader, file string, opts TraceOptions) ([]TraceRow, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty trace, want a header line", file)
		}
		return nil, fmt.Errorf("%s: read header: %w", file, err)
	}
	t := &traceReader{file: file, header: header, csv: cr, cols: findColumns(header)}
	rows := t.readRows(opts)
	if len(t.errs) > 0 {
		return nil, errors.Join(t.errs...)
	}
	return relativeRows(rows, opts.TimeScale), nil
}

// findColumns finds each column in header.
func findColumns(header []string) [numColumns]int {
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	var cols [numColumns]int
	for c, aliases := range columnAliases {
		cols[c] = -1
		for _, a := range aliases {
			if i := slices.Index(names, a); i >= 0 {
				cols[c] = i
				break
			}
		}
	}
	return cols
}

// readRows reads the selected rows in file order.
func (t *traceReader) readRows(opts TraceOptions) []timedRow {
	var rows []timedRow
	for n := 1; opts.Limit == 0 || len(rows) < opts.Limit; n++ {
		rec, err := t.csv.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.errs = append(t.errs, fmt.Errorf("%s: %w", t.file, err))
			if !errors.As(err, new(*csv.ParseError)) || len(t.errs) >= maxTraceProblems {
				break
			}
			continue
		}
		if n <= opts.Skip {
			continue
		}
		row := t.row(rec, n)
		if len(t.errs) >= maxTraceProblems {
			t.errs = append(t.errs, fmt.Errorf("%s: stopped after %d problems", t.file, len(t.errs)))
			break
		}
		rows = append(rows, row)
	}
	return rows
}

// row decodes one record; n counts data rows from 1.
func (t *traceReader) row(rec []string, n int) timedRow {
	r := timedRow{TraceRow: TraceRow{Name: t.cell(rec, colName), Requests: api.ResourceList{}}}
	if r.Name == "" {
		r.Name = "row-" + strconv.Itoa(n)
	}
	r.arrival = t.number(rec, colArrival)
	if c := t.cols[colRunTime]; c >= 0 {
		r.RunTime = seconds(max(t.number(rec, colRunTime), 0))
	} else if c := t.cols[colEnd]; c >= 0 && t.cell(rec, colEnd) != "" {
		if end := t.number(rec, colEnd); end > r.arrival {
			r.RunTime = seconds(end - r.arrival)
		}
	}
	t.request(r.Requests, api.ResourceCPU, t.cpu(rec))
	t.request(r.Requests, api.ResourceMemory, t.memory(rec))
	if c := t.cols[colGPU]; c >= 0 && t.cell(rec, colGPU) != "" {
		t.request(r.Requests, ResourceGPU, resource.NewQuantity(int64(t.number(rec, colGPU)), resource.DecimalSI))
	}
	return r
}

// request records a non-zero request.
func (t *traceReader) request(l api.ResourceList, name api.ResourceName, q resource.Quantity) {
	if !q.IsZero() {
		l[name] = q
	}
}

// cpu is the row's cpu request, from cpu (a quantity) or cpu_milli.
func (t *traceReader) cpu(rec []string) resource.Quantity {
	if t.cols[colCPU] >= 0 {
		return t.quantity(rec, colCPU)
	}
	return resource.NewMilliQuantity(int64(math.Round(t.number(rec, colCPUMilli))), resource.DecimalSI)
}

// memory is the row's memory request, from memory (a quantity) or memory_mib.
func (t *traceReader) memory(rec []string) resource.Quantity {
	if t.cols[colMemory] >= 0 {
		return t.quantity(rec, colMemory)
	}
	return resource.NewQuantity(int64(math.Round(t.number(rec, colMemoryMiB)*(1<<20))), resource.BinarySI)
}

// cell is a column's trimmed text; "" when the column is absent.
func (t *traceReader) cell(rec []string, col traceColumn) string {
	if c := t.cols[col]; c >= 0 && c < len(rec) {
		return strings.TrimSpace(rec[c])
	}
	return ""
}

// number is a column's value as a non-negative finite number; an
// absent column or an empty cell is 0.
func (t *traceReader) number(rec []string, col traceColumn) float64 {
	s := t.cell(rec, col)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || math.IsNaN(v) || v > 1e15 {
		t.bad(col, "want a non-negative number, have %q", s)
		return 0
	}
	return v
}

// quantity is a column's value as a non-negative resource quantity.
func (t *traceReader) quantity(rec []string, col traceColumn) resource.Quantity {
	s := t.cell(rec, col)
	if s == "" {
		return resource.Quantity{}
	}
	q, err := resource.ParseQuantity(s)
	if err != nil || q.Sign() < 0 {
		t.bad(col, "want a non-negative quantity such as 500m or 2Gi, have %q", s)
		return resource.Quantity{}
	}
	return q
}

// bad records a problem with a cell of the record just read.
func (t *traceReader) bad(col traceColumn, format string, args ...any) {
	c := t.cols[col]
	line, _ := t.csv.FieldPos(c)
	t.errs = append(t.errs, fmt.Errorf("%s:%d:%s: %s", t.file, line, t.header[c], fmt.Sprintf(format, args...)))
}

// relativeRows sorts rows by arrival (stably) and makes arrivals offsets
// from the first, scaled.
func relativeRows(rows []timedRow, scale float64) []TraceRow {
	if scale == 0 {
		scale = 1
	}
	slices.SortStableFunc(rows, func(a, b timedRow) int {
		switch {
		case a.arrival < b.arrival:
			return -1
		case a.arrival > b.arrival:
			return 1
		}
		return 0
	})
	out := make([]TraceRow, len(rows))
	for i, r := range rows {
		r.Arrival = seconds((r.arrival - rows[0].arrival) * scale)
		out[i] = r.TraceRow
	}
	return out
}
