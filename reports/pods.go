package reports

import "math"

// Pod is one row of pods.csv: when each moment of the pod's life came,
// in seconds on the run's clock, NaN for a moment that never came.
type Pod struct {
	Name, Namespace, Workload, Node, Phase string

	Created, Scheduled, Started, Ready, Terminating, Finished float64
}

var podColumns = []string{"name", "namespace", "workload", "node", "created", "scheduled",
	"started", "ready", "terminating", "finished", "phase"}

// readPods reads pods.csv; every moment after creation must come no
// earlier than the creation itself, or a latency would be negative.
func readPods(path string) ([]Pod, error) { return readRows(path, podColumns, podRow) }

func podRow(c *csvFile) (Pod, error) {
	p := Pod{Name: c.str("name"), Namespace: c.str("namespace"), Workload: c.str("workload"),
		Node: c.str("node"), Phase: c.str("phase")}
	if p.Name == "" {
		return p, c.errorf("column name is empty")
	}
	var err error
	if p.Created, err = c.number("created"); err != nil {
		return p, err
	}
	if p.Created < 0 {
		return p, c.errorf("column created: %v is negative", p.Created)
	}
	later := []struct {
		col string
		dst *float64
	}{{"scheduled", &p.Scheduled}, {"started", &p.Started}, {"ready", &p.Ready},
		{"terminating", &p.Terminating}, {"finished", &p.Finished}}
	for _, m := range later {
		if *m.dst, err = c.optional(m.col); err != nil {
			return p, err
		}
		if *m.dst < p.Created {
			return p, c.errorf("column %s: %v is before the pod's creation at %v", m.col, *m.dst, p.Created)
		}
	}
	return p, nil
}

// Latency is one of the waits a pod goes through from its creation.
type Latency struct {
	Key   string // names the wait in tables and plots
	Title string
	to    func(Pod) float64
}

// Latencies are the waits the report measures, in the order of a pod's life.
var Latencies = []Latency{
	{Key: "scheduled", Title: "creation to scheduled", to: func(p Pod) float64 { return p.Scheduled }},
	{Key: "started", Title: "creation to started", to: func(p Pod) float64 { return p.Started }},
	{Key: "ready", Title: "creation to ready", to: func(p Pod) float64 { return p.Ready }},
}

// Sample is the wait of every pod that got there, in pods.csv's order,
// and how many never did.
func (l Latency) Sample(pods []Pod) (xs []float64, never int) {
	for _, p := range pods {
		t := l.to(p)
		if math.IsNaN(t) {
			never++
			continue
		}
		xs = append(xs, t-p.Created)
	}
	return xs, never
}
