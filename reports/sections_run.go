package reports

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/sim"
)

// verdict is the report's one-line answer: did the run pass its checks.
func verdict(s *sim.Summary) string {
	met := 0
	for _, t := range s.Thresholds {
		if t.OK {
			met++
		}
	}
	word := "PASSED"
	if !s.Passed() {
		word = "FAILED"
	}
	return fmt.Sprintf("%s: %d of %d thresholds met, %d invariant violations", word, met, len(s.Thresholds), s.Violations)
}

func runSection(r *Run) (*Section, error) {
	s := &r.Summary
	t := &Table{Name: "run", Title: "What ran and how it ended", Columns: []Column{{"field", "Field"}, {"value", "Value"}}}
	add := func(k string, v Value) { t.Rows = append(t.Rows, []Value{Text(k), v}) }
	add("scenario", Text(s.Scenario))
	add("mode", Text(s.Mode))
	add("seed", Uint(s.Seed))
	add("trace_sha256", Text(s.TraceSHA256))
	add("ended", Text(s.Ended))
	add("virtual_seconds", Num(s.VirtualSeconds, FormatSeconds))
	add("wall_seconds", Num(s.WallSeconds, FormatSeconds))
	add("events", Uint(s.Events))
	add("passed", Bool(s.Passed(), "yes", "no"))
	for _, k := range sortedKeys(s.Params) {
		b, err := json.Marshal(s.Params[k])
		if err != nil {
			return nil, fmt.Errorf("summary param %s: %w", k, err)
		}
		add("param."+k, Text(string(b)))
	}
	return &Section{Title: "Run", Tables: []*Table{t}}, nil
}

func thresholdsSection(r *Run) (*Section, error) {
	sec := &Section{Title: "Thresholds"}
	t := &Table{Name: "thresholds", Title: "Thresholds", Columns: []Column{
		{"threshold", "Threshold"}, {"value", "Value"}, {"ok", "Result"}, {"reason", "Reason"}}}
	for _, th := range r.Summary.Thresholds {
		t.Rows = append(t.Rows, []Value{Text(th.Threshold), Num(th.Value, FormatNumber),
			Bool(th.OK, "pass", "FAIL"), Text(th.Reason)})
	}
	if len(t.Rows) == 0 {
		sec.note("The scenario sets no thresholds.")
	}
	sec.Tables = append(sec.Tables, t)
	return sec, nil
}

func schedulingSection(r *Run) (*Section, error) {
	s := r.Summary.Scheduling
	t := &Table{Name: "scheduling", Title: "Scheduling", Columns: []Column{
		{"attempts", "Attempts"}, {"scheduled", "Scheduled"}, {"failed", "Failed"},
		{"throughput_virtual_pods_per_s", "Throughput, virtual (pods/s)"},
		{"throughput_wall_pods_per_s", "Throughput, wall (pods/s)"}}}
	t.Rows = [][]Value{{Int(s.Attempts), Int(s.Scheduled), Int(s.Failed),
		Num(s.Throughput.Virtual, FormatNumber), Num(s.Throughput.Wall, FormatNumber)}}
	sec := &Section{Title: "Scheduling", Tables: []*Table{t}}
	sec.note("Virtual throughput counts the time the scheduler had pods waiting; wall throughput the run's wall time.")
	if r.Series == nil {
		sec.note("%s is absent: no scheduling rate over time.", SeriesFile)
		return sec, nil
	}
	return sec, sec.addFigure(schedulingRatePlot(r.Series))
}

func latencySection(r *Run) (*Section, error) {
	t := &Table{Name: "latency", Title: "Pod latency (seconds, from pods.csv)", Columns: []Column{
		{"latency", "From creation to"}, {"count", "Pods"}, {"never", "Never"}, {"mean_s", "Mean"},
		{"stddev_s", "Std dev"}, {"p50_s", "p50"}, {"p90_s", "p90"}, {"p99_s", "p99"}, {"max_s", "Max"}}}
	samples := map[string][]float64{}
	for _, l := range Latencies {
		xs, never := l.Sample(r.Pods)
		samples[l.Key] = xs
		st := Describe(xs)
		t.Rows = append(t.Rows, []Value{Text(l.Key), Int(st.Count), Int(never),
			seconds(st.Mean), seconds(st.StdDev), seconds(st.P50), seconds(st.P90), seconds(st.P99), seconds(st.Max)})
	}
	sec := &Section{Title: "Latency", Tables: []*Table{t}}
	sec.note("\"Never\" counts pods that did not get there within the run; quantiles are nearest-rank.")
	return sec, sec.addFigure(latencyCDFPlot(samples))
}

func seconds(x float64) Value { return Num(x, FormatSeconds) }

func convergenceSection(r *Run) (*Section, error) {
	s := &r.Summary
	t := &Table{Name: "convergence", Title: "Convergence after each action and fault", Columns: []Column{
		{"action", "Action"}, {"at_s", "At (s)"}, {"seconds", "Converged in (s)"},
		{"converged", "Converged"}, {"workloads", "Workloads"}}}
	for _, c := range s.Convergence {
		took := Missing("never")
		if c.Seconds != nil {
			took = seconds(*c.Seconds)
		}
		t.Rows = append(t.Rows, []Value{Text(c.Action), seconds(c.AtSeconds), took,
			Bool(c.Seconds != nil, "yes", "NO"), Text(strings.Join(c.Workloads, " "))})
	}
	sec := &Section{Title: "Convergence", Tables: []*Table{t, faultsTable(s.Faults)}}
	if len(s.Convergence) == 0 {
		sec.note("The run's timeline had no action or fault to time.")
		return sec, nil
	}
	return sec, sec.addFigure(convergencePlot(s.Convergence, s.VirtualSeconds))
}

func faultsTable(faults []*sim.FaultRecord) *Table {
	t := &Table{Name: "faults", Title: "Faults injected", Columns: []Column{
		{"label", "Fault"}, {"kind", "Kind"}, {"at_s", "At (s)"}, {"end_s", "Healed at (s)"},
		{"nodes", "Nodes"}}}
	for _, f := range faults {
		end := Missing("not healed")
		if f.EndSeconds > 0 {
			end = seconds(f.EndSeconds)
		}
		t.Rows = append(t.Rows, []Value{Text(f.Label), Text(f.Kind), seconds(f.AtSeconds), end, Int(len(f.Nodes))})
	}
	return t
}

// sortedKeys are a map's keys in order: reports never depend on map order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
