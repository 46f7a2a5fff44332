package reports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
)

// ParseError is bad input in one of a run's files, at a line (0 when
// the problem is the file as a whole), so that a person can open the
// file at that line.
type ParseError struct {
	File string
	Line int
	Err  error
}

// Error reads FILE:LINE: problem, as compilers do, so editors can jump there.
func (e *ParseError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %v", e.File, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap gives the underlying error, such as strconv's or encoding/json's.
func (e *ParseError) Unwrap() error { return e.Err }

// csvFile reads a CSV file whose header row names its columns. Columns
// are found by name, so a later writer may add columns without breaking
// older readers.
type csvFile struct {
	path   string
	f      *os.File
	r      *csv.Reader
	header []string
	cols   map[string]int
	rec    []string
	line   int
}

// openCSV opens path and reads its header, which must hold every name
// in required.
func openCSV(path string, required []string) (*csvFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	c := &csvFile{path: path, f: f, r: csv.NewReader(f), cols: map[string]int{}}
	c.r.ReuseRecord = true
	if err := c.readHeader(required); err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

func (c *csvFile) readHeader(required []string) error {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return &ParseError{File: c.path, Err: errors.New("empty file: no header row")}
	}
	if err != nil {
		return c.csvError(err)
	}
	c.header = append([]string(nil), rec...)
	c.line, _ = c.r.FieldPos(0)
	for i, name := range c.header {
		if _, dup := c.cols[name]; dup {
			return c.errorf("column %q appears twice in the header", name)
		}
		c.cols[name] = i
	}
	for _, name := range required {
		if _, ok := c.cols[name]; !ok {
			return c.errorf("header lacks column %q", name)
		}
	}
	return nil
}

// next reads the next row; it returns false at the end of the file.
func (c *csvFile) next() (bool, error) {
	rec, err := c.r.Read()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, c.csvError(err)
	}
	c.rec = rec
	c.line, _ = c.r.FieldPos(0)
	return true, nil
}

func (c *csvFile) close() error { return c.f.Close() }

// csvError turns the CSV reader's own error (wrong field count, bad
// quoting) into a ParseError at its line.
func (c *csvFile) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{File: c.path, Line: pe.Line, Err: pe.Err}
	}
	return &ParseError{File: c.path, Line: c.line, Err: err}
}

// errorf is an error at the current row.
func (c *csvFile) errorf(format string, args ...any) error {
	return &ParseError{File: c.path, Line: c.line, Err: fmt.Errorf(format, args...)}
}

// str is the named cell of the current row.
func (c *csvFile) str(col string) string { return c.rec[c.cols[col]] }

// number parses the named cell; empty is an error.
func (c *csvFile) number(col string) (float64, error) {
	s := c.str(col)
	if s == "" {
		return 0, c.errorf("column %s is empty", col)
	}
	return c.parse(col, s)
}

// optional parses the named cell; empty is NaN, a value that never came.
func (c *csvFile) optional(col string) (float64, error) {
	s := c.str(col)
	if s == "" {
		return math.NaN(), nil
	}
	return c.parse(col, s)
}

func (c *csvFile) parse(col, s string) (float64, error) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, c.errorf("column %s: %q is not a number", col, s)
	}
	return x, nil
}

// readRows reads every data row of the CSV file at path, which must have
// the columns, through row.
func readRows[T any](path string, columns []string, row func(*csvFile) (T, error)) ([]T, error) {
	c, err := openCSV(path, columns)
	if err != nil {
		return nil, err
	}
	defer c.close()
	var out []T
	for {
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		r, err := row(c)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
}
