package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Table is one of a report's tables: shown in report.md and report.html,
// and written as tables/NAME.csv and tables/NAME.json so that later work
// (sweeps across seeds and variants) reads numbers, not prose.
type Table struct {
	Name    string // file stem, also the JSON and CSV identity
	Title   string
	Columns []Column
	Rows    [][]Value
}

// Column is a table's column: Key names it in CSV and JSON, Title in
// the Markdown and HTML reports.
type Column struct {
	Key   string
	Title string
}

// Format says how a number is shown to a person; the CSV and JSON files
// always hold the number itself.
type Format int

// The formats of numbers.
const (
	FormatCount   Format = iota // an integer
	FormatSeconds               // seconds, to the millisecond
	FormatPercent               // a ratio 0..1, shown as a percentage
	FormatNumber                // four significant digits
	FormatBytes                 // a byte count in binary units
)

type valueKind int

const (
	kindText valueKind = iota
	kindInteger
	kindNumber
	kindBool
	kindMissing
)

// Value is one cell. A missing value (a moment that never came, a
// figure the run did not record) is empty in CSV and null in JSON.
type Value struct {
	kind   valueKind
	text   string // text; an integer's digits; a bool's or a missing value's display
	num    float64
	format Format
}

// Text is a cell of text.
func Text(s string) Value { return Value{kind: kindText, text: s} }

// Int is a cell holding a count.
func Int(n int) Value { return Value{kind: kindInteger, text: strconv.Itoa(n)} }

// Uint is a cell holding an unsigned integer such as a seed, kept exact
// (a float64 would round seeds above 2^53).
func Uint(n uint64) Value { return Value{kind: kindInteger, text: strconv.FormatUint(n, 10)} }

// Num is a cell holding a number shown with the given format; NaN and
// infinities are missing values.
func Num(x float64, f Format) Value {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return Missing("-")
	}
	return Value{kind: kindNumber, num: x, format: f}
}

// Bool is a cell holding a truth value, shown as yes or no.
func Bool(b bool, yes, no string) Value {
	if b {
		return Value{kind: kindBool, num: 1, text: yes}
	}
	return Value{kind: kindBool, text: no}
}

// Missing is a cell with no value, shown as display.
func Missing(display string) Value { return Value{kind: kindMissing, text: display} }

// Machine is the value as written to CSV: exact integers, floats with
// at most six decimals (so that float noise in the last bits does not
// change the files), and nothing for a missing value.
func (v Value) Machine() string {
	switch v.kind {
	case kindInteger, kindText:
		return v.text
	case kindNumber:
		return machineFloat(v.num)
	case kindBool:
		return strconv.FormatBool(v.num != 0)
	}
	return ""
}

// Display is the value as shown to a person.
func (v Value) Display() string {
	if v.kind != kindNumber {
		return v.text
	}
	return displayNumber(v.num, v.format)
}

// MarshalJSON writes numbers and booleans as such, and a missing value as null.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.kind {
	case kindText:
		return json.Marshal(v.text)
	case kindInteger, kindNumber, kindBool:
		return []byte(v.Machine()), nil
	}
	return []byte("null"), nil
}

// machineFloat prints x with six decimals, trailing zeros trimmed.
func machineFloat(x float64) string {
	s := strconv.FormatFloat(x, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

func displayNumber(x float64, f Format) string {
	switch f {
	case FormatCount:
		return strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	case FormatSeconds:
		return nonNegativeZero(strconv.FormatFloat(x, 'f', 3, 64))
	case FormatPercent:
		return nonNegativeZero(strconv.FormatFloat(100*x, 'f', 1, 64)) + "%"
	case FormatBytes:
		return displayBytes(x)
	}
	return significant(x, 4)
}

// significant prints x to n significant digits without an exponent.
func significant(x float64, n int) string {
	if x == 0 {
		return "0"
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', n, 64), 64)
	return nonNegativeZero(strconv.FormatFloat(r, 'f', -1, 64))
}

func displayBytes(x float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	i := 0
	for math.Abs(x) >= 1024 && i < len(units)-1 {
		x /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(x, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(x, 'f', 1, 64) + " " + units[i]
}

func nonNegativeZero(s string) string {
	if strings.TrimLeft(s, "-0.") == "" && strings.HasPrefix(s, "-") {
		return s[1:]
	}
	return s
}

// CSV is the table with a header row of column keys.
func (t *Table) CSV() ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = c.Key
	}
	w.Write(header)
	for _, row := range t.Rows {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = v.Machine()
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("table %s: csv: %w", t.Name, err)
	}
	return b.Bytes(), nil
}

// JSON is the table as an array of objects whose keys follow the
// columns' order (a map would sort them).
func (t *Table) JSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("[")
	for i, row := range t.Rows {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			key, _ := json.Marshal(t.Columns[j].Key)
			val, err := v.MarshalJSON()
			if err != nil {
				return nil, fmt.Errorf("table %s: json: %w", t.Name, err)
			}
			b.Write(key)
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(t.Rows) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	return b.Bytes(), nil
}

// check reports a row whose width differs from the header's: a bug in
// the code that built the table, caught before anything is written.
func (t *Table) check() error {
	for i, row := range t.Rows {
		if len(row) != len(t.Columns) {
			return fmt.Errorf("table %s: row %d has %d cells for %d columns", t.Name, i+1, len(row), len(t.Columns))
		}
	}
	return nil
}
