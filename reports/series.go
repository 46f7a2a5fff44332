package reports

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Series is timeseries.csv: the sample times and one column per series,
// in the file's order.
type Series struct {
	Times   []float64
	Columns []SeriesColumn
}

// SeriesColumn is one series; a sample with an empty cell (a metric not
// yet exported then) is NaN.
type SeriesColumn struct {
	Name   string // as in the header, e.g. cpu_requested_ratio{pool="a"}
	Metric string
	Labels []Label
	Values []float64
}

// Label is one label of a flattened Prometheus sample, in the order the
// column name gives them.
type Label struct{ Name, Value string }

// Column is the series of that exact name, or nil.
func (s *Series) Column(name string) *SeriesColumn {
	for i := range s.Columns {
		if s.Columns[i].Name == name {
			return &s.Columns[i]
		}
	}
	return nil
}

// Label is the value of the named label, or "".
func (c *SeriesColumn) Label(name string) string {
	for _, l := range c.Labels {
		if l.Name == name {
			return l.Value
		}
	}
	return ""
}

func readSeries(path string) (*Series, error) {
	c, err := openCSV(path, []string{"time"})
	if err != nil {
		return nil, err
	}
	defer c.close()
	s, err := seriesColumns(c)
	if err != nil {
		return nil, err
	}
	for {
		ok, err := c.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return s, nil
		}
		if err := s.appendRow(c); err != nil {
			return nil, err
		}
	}
}

// seriesColumns names the columns from the header, whose first column
// must be the time.
func seriesColumns(c *csvFile) (*Series, error) {
	if c.header[0] != "time" {
		return nil, c.errorf("the first column is %q, not time", c.header[0])
	}
	s := &Series{}
	for i, name := range c.header[1:] {
		metric, labels, err := ParseSeriesName(name)
		if err != nil {
			return nil, c.errorf("column %d: %w", i+2, err)
		}
		s.Columns = append(s.Columns, SeriesColumn{Name: name, Metric: metric, Labels: labels})
	}
	return s, nil
}

// appendRow adds one sample; times must go strictly forward, or rates
// between samples would divide by zero or run backwards.
func (s *Series) appendRow(c *csvFile) error {
	t, err := c.number("time")
	if err != nil {
		return err
	}
	if n := len(s.Times); n > 0 && t <= s.Times[n-1] {
		return c.errorf("time %v is not after the previous sample's %v", t, s.Times[n-1])
	}
	s.Times = append(s.Times, t)
	for i := range s.Columns {
		col := &s.Columns[i]
		x, err := c.optional(col.Name)
		if err != nil {
			return err
		}
		col.Values = append(col.Values, x)
	}
	return nil
}

// ParseSeriesName splits a flattened Prometheus sample name,
// `metric` or `metric{label="value",...}`, into the metric and its
// labels; label values use Prometheus' escapes (\\, \" and \n).
func ParseSeriesName(s string) (metric string, labels []Label, err error) {
	open := strings.IndexByte(s, '{')
	if open < 0 {
		return s, nil, validMetric(s)
	}
	metric = s[:open]
	if err := validMetric(metric); err != nil {
		return "", nil, err
	}
	if !strings.HasSuffix(s, "}") {
		return "", nil, fmt.Errorf("series %q: labels do not end with }", s)
	}
	labels, err = parseLabels(s[open+1 : len(s)-1])
	if err != nil {
		return "", nil, fmt.Errorf("series %q: %w", s, err)
	}
	return metric, labels, nil
}

func validMetric(name string) error {
	if name == "" {
		return errors.New("a series has no name")
	}
	for i, r := range name {
		ok := r == '_' || r == ':' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || (i > 0 && '0' <= r && r <= '9')
		if !ok {
			return fmt.Errorf("series %q: %q is not allowed in a metric name", name, r)
		}
	}
	return nil
}

// parseLabels reads `a="x",b="y"` (a trailing comma is allowed, as in
// Prometheus' text format).
func parseLabels(s string) ([]Label, error) {
	var out []Label
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return nil, fmt.Errorf("expected name=\"value\" at %q", s)
		}
		value, rest, err := unquoteLabel(s[eq+2:])
		if err != nil {
			return nil, err
		}
		out = append(out, Label{Name: strings.TrimSpace(s[:eq]), Value: value})
		s = strings.TrimPrefix(rest, ",")
		if len(s) == len(rest) && s != "" {
			return nil, fmt.Errorf("expected , at %q", rest)
		}
	}
	return out, nil
}

// unquoteLabel reads a label value up to its closing quote.
func unquoteLabel(s string) (value, rest string, err error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			return b.String(), s[i+1:], nil
		case '\\':
			if i+1 == len(s) {
				return "", "", errors.New("label value ends in a backslash")
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case '\\', '"':
				b.WriteByte(s[i])
			default:
				return "", "", fmt.Errorf("unknown escape \\%c in a label value", s[i])
			}
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", errors.New("label value has no closing quote")
}

// finite drops the NaN samples of a column, keeping the times they belong to.
func finite(times, values []float64) (ts, vs []float64) {
	for i, v := range values {
		if !math.IsNaN(v) {
			ts = append(ts, times[i])
			vs = append(vs, v)
		}
	}
	return ts, vs
}
