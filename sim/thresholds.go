package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/scenarios"
)

// ThresholdResult is one threshold checked against a run's summary.
type ThresholdResult struct {
	Threshold string  `json:"threshold"`
	Value     float64 `json:"value"`
	OK        bool    `json:"ok"`
	Reason    string  `json:"reason,omitempty"`
}

// CheckThresholds evaluates the scenario's thresholds on a summary; a
// metric the summary lacks fails its threshold with the reason.
func CheckThresholds(s Summary, ts []scenarios.Threshold) []ThresholdResult {
	var doc any
	b, err := json.Marshal(s)
	if err == nil {
		err = json.Unmarshal(b, &doc)
	}
	out := make([]ThresholdResult, 0, len(ts))
	for _, t := range ts {
		expr := fmt.Sprintf("%s %s %g", t.Metric, t.Op, t.Value)
		r := ThresholdResult{Threshold: expr}
		v, lerr := lookup(doc, t.Metric)
		switch {
		case err != nil:
			r.Reason = err.Error()
		case lerr != nil:
			r.Reason = lerr.Error()
		default:
			r.Value, r.OK = v, compare(v, t.Op, t.Value)
			if !r.OK {
				r.Reason = fmt.Sprintf("%s is %g", t.Metric, v)
			}
		}
		out = append(out, r)
	}
	return out
}

// lookup follows a dotted path into the summary's JSON: names for
// fields, numbers for list items, and "max" over a list of records with
// "seconds" (a record that never converged counts as +Inf).
func lookup(doc any, path string) (float64, error) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[part]
			if !ok {
				return 0, fmt.Errorf("summary has no %q", path)
			}
			cur = next
		case []any:
			if part == "max" {
				return maxSeconds(v), nil
			}
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return 0, fmt.Errorf("summary's %q has no item %q", path, part)
			}
			cur = v[i]
		default:
			return 0, fmt.Errorf("summary's %q ends before %q", path, part)
		}
	}
	switch v := cur.(type) {
	case float64:
		return v, nil
	case nil:
		return math.Inf(1), nil // a convergence never reached
	}
	return 0, fmt.Errorf("summary's %q is not a number", path)
}

func maxSeconds(items []any) float64 {
	m := 0.0
	for _, it := range items {
		rec, _ := it.(map[string]any)
		s, ok := rec["seconds"].(float64)
		if !ok {
			return math.Inf(1)
		}
		m = max(m, s)
	}
	return m
}

func compare(v float64, op string, bound float64) bool {
	switch op {
	case "<":
		return v < bound
	case "<=":
		return v <= bound
	case ">":
		return v > bound
	case ">=":
		return v >= bound
	case "==":
		return v == bound
	case "!=":
		return v != bound
	}
	return false
}
