package reports

import (
	"fmt"
	"math"
)

func podsSection(r *Run) (*Section, error) {
	c := r.Summary.Pods
	t := &Table{Name: "pods_by_phase", Title: "Pods at the end of the run", Columns: []Column{
		{"phase", "Phase"}, {"pods", "Pods"}}}
	for _, row := range []struct {
		name string
		n    int
	}{{"pending", c.Pending}, {"starting", c.Starting}, {"running", c.Running},
		{"terminating", c.Terminating}, {"succeeded", c.Succeeded}, {"failed", c.Failed},
		{"deleted", c.Deleted}, {"created (all)", c.Created}} {
		t.Rows = append(t.Rows, []Value{Text(row.name), Int(row.n)})
	}
	sec := &Section{Title: "Pods", Tables: []*Table{t}}
	sec.note("Pending pods are not yet bound to a node; starting pods are bound but not running.")
	if r.Series == nil {
		sec.note("%s is absent: no pods over time.", SeriesFile)
		return sec, nil
	}
	return sec, sec.addFigure(countsPlot(r.Series, podsByState))
}

func nodesSection(r *Run) (*Section, error) {
	c := r.Summary.Nodes
	t := &Table{Name: "nodes_by_condition", Title: "Nodes at the end of the run, by their Ready condition",
		Columns: []Column{{"condition", "Ready condition"}, {"nodes", "Nodes"}}}
	t.Rows = [][]Value{{Text("ready"), Int(c.Ready)}, {Text("not_ready"), Int(c.NotReady)},
		{Text("unknown"), Int(c.Unknown)}, {Text("total"), Int(c.Total)}}
	sec := &Section{Title: "Nodes", Tables: []*Table{t}}
	if r.Series == nil {
		sec.note("%s is absent: no nodes over time.", SeriesFile)
		return sec, nil
	}
	return sec, sec.addFigure(countsPlot(r.Series, nodesByCondition))
}

func utilisationSection(r *Run) (*Section, error) {
	u := r.Summary.Utilisation
	t := &Table{Name: "utilisation", Title: "Cluster utilisation at the end of the run (requested / allocatable)",
		Columns: []Column{{"resource", "Resource"}, {"requested_ratio", "Requested"}}}
	t.Rows = [][]Value{{Text("cpu"), Num(u.CPU, FormatPercent)}, {Text("memory"), Num(u.Memory, FormatPercent)}}
	sec := &Section{Title: "Utilisation", Tables: []*Table{t}}
	if r.Series == nil {
		sec.note("%s is absent: no requested ratio over time.", SeriesFile)
	} else {
		for _, res := range []string{"cpu", "memory"} {
			if err := sec.addFigure(poolRatioPlot(r.Series, res)); err != nil {
				return nil, err
			}
		}
	}
	if r.Nodes == nil {
		sec.note("%s is absent: no per-pool or per-node utilisation.", NodesFile)
		return sec, nil
	}
	hist := nodeHistogram(r.Nodes)
	sec.Tables = append(sec.Tables, poolsTable(Pools(r.Nodes)), hist.table())
	if hist.skipped > 0 {
		sec.note("%d nodes with nothing allocatable are left out of the per-node histogram.", hist.skipped)
	}
	return sec, sec.addFigure(hist.plot())
}

func poolsTable(pools []Pool) *Table {
	t := &Table{Name: "pools", Title: "Node pools at the end of the run (from nodes.csv)", Columns: []Column{
		{"pool", "Pool"}, {"nodes", "Nodes"}, {"ready", "Ready"}, {"pods", "Pods"},
		{"cpu_allocatable_cores", "CPU allocatable (cores)"}, {"cpu_requested_cores", "CPU requested (cores)"},
		{"cpu_requested_ratio", "CPU requested share"},
		{"memory_allocatable_bytes", "Memory allocatable"}, {"memory_requested_bytes", "Memory requested"},
		{"memory_requested_ratio", "Memory requested share"}}}
	for _, p := range pools {
		t.Rows = append(t.Rows, []Value{Text(p.Name), Int(p.Nodes), Int(p.Ready), Int(p.Pods),
			Num(p.CPUAllocatable, FormatNumber), Num(p.CPURequested, FormatNumber),
			Num(ratio(p.CPURequested, p.CPUAllocatable), FormatPercent),
			Num(p.MemAllocatable, FormatBytes), Num(p.MemRequested, FormatBytes),
			Num(ratio(p.MemRequested, p.MemAllocatable), FormatPercent)})
	}
	return t
}

// histogram counts nodes by the share of their allocatable that pods
// request, in bins of a tenth; a last bin holds nodes over 100%, which
// only a broken invariant can produce.
type histogram struct {
	cpu, mem [11]int
	skipped  int // nodes with nothing allocatable of either resource
}

func nodeHistogram(nodes []Node) histogram {
	var h histogram
	for _, n := range nodes {
		c, m := ratio(n.CPURequested, n.CPUAllocatable), ratio(n.MemRequested, n.MemAllocatable)
		if math.IsNaN(c) || math.IsNaN(m) {
			h.skipped++
			continue
		}
		h.cpu[bin(c)]++
		h.mem[bin(m)]++
	}
	return h
}

// bin is the tenth x falls in; exactly 100% belongs to the last regular
// bin, not to the overcommitted one.
func bin(x float64) int {
	switch {
	case x > 1:
		return 10
	case x >= 1:
		return 9
	}
	return int(math.Floor(x * 10))
}

func binLabel(i int) string {
	if i == 10 {
		return ">100%"
	}
	return fmt.Sprintf("%d-%d%%", 10*i, 10*(i+1))
}

// bins is the number of bins to show: the overcommitted one only when used.
func (h histogram) bins() int {
	if h.cpu[10] > 0 || h.mem[10] > 0 {
		return 11
	}
	return 10
}

func (h histogram) table() *Table {
	t := &Table{Name: "node_utilisation", Title: "Nodes by requested share of allocatable", Columns: []Column{
		{"bin", "Requested"}, {"cpu_nodes", "Nodes (CPU)"}, {"memory_nodes", "Nodes (memory)"}}}
	for i := range h.bins() {
		t.Rows = append(t.Rows, []Value{Text(binLabel(i)), Int(h.cpu[i]), Int(h.mem[i])})
	}
	return t
}
