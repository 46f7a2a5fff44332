package reports

import (
	"math"
	"slices"
	"strings"
)

// Node is one row of nodes.csv: a node's state at the end of the run;
// CPU in cores, memory in bytes.
type Node struct {
	Name, Pool, Zone string
	Ready            string // True, False or Unknown, as the node's Ready condition
	CPUAllocatable   float64
	CPURequested     float64
	MemAllocatable   float64
	MemRequested     float64
	Pods             int
}

var nodeColumns = []string{"node", "pool", "zone", "ready", "cpu_allocatable", "cpu_requested",
	"memory_allocatable", "memory_requested", "pods"}

// The values of a node's Ready condition.
const (
	ReadyTrue    = "True"
	ReadyFalse   = "False"
	ReadyUnknown = "Unknown"
)

func readNodes(path string) ([]Node, error) { return readRows(path, nodeColumns, nodeRow) }

func nodeRow(c *csvFile) (Node, error) {
	n := Node{Name: c.str("node"), Pool: c.str("pool"), Zone: c.str("zone"), Ready: c.str("ready")}
	if n.Name == "" {
		return n, c.errorf("column node is empty")
	}
	if !slices.Contains([]string{ReadyTrue, ReadyFalse, ReadyUnknown}, n.Ready) {
		return n, c.errorf("column ready: %q is not True, False or Unknown", n.Ready)
	}
	fields := []struct {
		col string
		dst *float64
	}{{"cpu_allocatable", &n.CPUAllocatable}, {"cpu_requested", &n.CPURequested},
		{"memory_allocatable", &n.MemAllocatable}, {"memory_requested", &n.MemRequested}}
	for _, f := range fields {
		x, err := c.number(f.col)
		if err != nil {
			return n, err
		}
		if x < 0 {
			return n, c.errorf("column %s: %v is negative", f.col, x)
		}
		*f.dst = x
	}
	pods, err := c.number("pods")
	if err != nil {
		return n, err
	}
	if pods < 0 || pods != math.Trunc(pods) {
		return n, c.errorf("column pods: %v is not a count", pods)
	}
	n.Pods = int(pods)
	return n, nil
}

// Pool is the nodes of one pool added up.
type Pool struct {
	Name           string
	Nodes, Ready   int
	Pods           int
	CPUAllocatable float64
	CPURequested   float64
	MemAllocatable float64
	MemRequested   float64
}

// Pools adds nodes up per pool, in the order of the pools' names.
func Pools(nodes []Node) []Pool {
	var out []Pool
	index := map[string]int{}
	for _, n := range nodes {
		i, ok := index[n.Pool]
		if !ok {
			i = len(out)
			index[n.Pool] = i
			out = append(out, Pool{Name: n.Pool})
		}
		p := &out[i]
		p.Nodes++
		if n.Ready == ReadyTrue {
			p.Ready++
		}
		p.Pods += n.Pods
		p.CPUAllocatable += n.CPUAllocatable
		p.CPURequested += n.CPURequested
		p.MemAllocatable += n.MemAllocatable
		p.MemRequested += n.MemRequested
	}
	slices.SortFunc(out, func(a, b Pool) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ratio is requested over allocatable, NaN when nothing is allocatable
// (a ratio of nothing is not 0%).
func ratio(requested, allocatable float64) float64 {
	if allocatable <= 0 {
		return math.NaN()
	}
	return requested / allocatable
}
