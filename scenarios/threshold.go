package scenarios

import (
	"math"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// thresholdRE reads "METRIC OP NUMBER"; METRIC is a dotted path into the
// run's summary (numeric segments index lists).
var thresholdRE = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*$`)

// thresholds decodes the conditions a run must meet.
func (d *decoder) thresholds(n *yaml.Node, path string) []Threshold {
	var out []Threshold
	for i, item := range d.sequence(n, path) {
		at := index(path, i)
		s := d.str(item, at)
		m := thresholdRE.FindStringSubmatch(s)
		if m == nil {
			d.add(item, at, "bad threshold %q: want METRIC OP NUMBER, such as \"scheduling.latency_seconds.p99 < 5\" (OP one of < <= > >= == !=)", s)
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			d.add(item, at, "bad threshold %q: %q is not a number", s, m[3])
			continue
		}
		out = append(out, Threshold{Metric: m[1], Op: m[2], Value: v, Line: deref(item).Line})
	}
	return out
}
