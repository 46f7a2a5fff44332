package reports

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// unknownNode groups pods whose node nodes.csv does not list (a node
// deleted before the end of the run).
const unknownNode = "(not in nodes.csv)"

// placementSection compares where pods landed: per pool and zone, pod
// by pod across the runs, and how evenly over the nodes.
func (c *comparison) placementSection() (*Section, error) {
	sec := &Section{Title: "Placements"}
	if c.a.Nodes == nil || c.b.Nodes == nil {
		sec.note("%s is absent from %s: no pods per pool or zone, and no pods per node.", NodesFile, c.missingNodes())
	} else {
		pools := c.shareSection(sec, "pool", func(n Node) string { return n.Pool })
		zones := c.shareSection(sec, "zone", func(n Node) string { return n.Zone })
		if err := sec.addFigure(c.placementPlot(pools, zones)); err != nil {
			return nil, err
		}
	}
	sec.Tables = append(sec.Tables, c.agreementTable(sec))
	if c.a.Nodes != nil && c.b.Nodes != nil {
		sec.Tables = append(sec.Tables, c.perNodeTable())
	}
	return sec, nil
}

func (c *comparison) missingNodes() string {
	switch {
	case c.a.Nodes == nil && c.b.Nodes == nil:
		return "both runs"
	case c.a.Nodes == nil:
		return c.which(true)
	}
	return c.which(false)
}

// shares is the pods placed per category (pool or zone) in each run.
type shares struct {
	dim        string
	names      []string // sorted
	a, b       []int
	totA, totB int
}

func (s *shares) share(n, total int) float64 {
	if total == 0 {
		return math.NaN()
	}
	return float64(n) / float64(total)
}

// landed counts a run's pods that were ever bound, by the category of
// their node.
func landed(r *Run, key func(Node) string) (map[string]int, int) {
	nodes := map[string]Node{}
	for _, n := range r.Nodes {
		nodes[n.Name] = n
	}
	out := map[string]int{}
	total := 0
	for _, p := range r.Pods {
		if p.Node == "" {
			continue
		}
		k := unknownNode
		if n, ok := nodes[p.Node]; ok {
			k = key(n)
		}
		out[k]++
		total++
	}
	return out, total
}

// shareSection adds the table of pods per category and records the
// categories whose share of pods differs.
func (c *comparison) shareSection(sec *Section, dim string, key func(Node) string) *shares {
	ca, ta := landed(c.a, key)
	cb, tb := landed(c.b, key)
	s := &shares{dim: dim, totA: ta, totB: tb, names: sortedKeys(ca)}
	for _, k := range sortedKeys(cb) {
		if _, ok := ca[k]; !ok {
			s.names = append(s.names, k)
		}
	}
	slices.Sort(s.names)
	t := &Table{Name: "placement_" + dim + "s", Title: "Pods placed per " + dim + " over the run", Columns: []Column{
		{dim, capitalise(dim)}, {"pods_a", "Pods in A"}, {"share_a", "Share in A"}, {"pods_b", "Pods in B"},
		{"share_b", "Share in B"}, {"share_difference", "B − A (share)"}}}
	f := &finding{topic: topicPlacement, subject: "pods per " + dim, format: FormatPercent}
	worst := -1.0
	for _, k := range s.names {
		na, nb := ca[k], cb[k]
		s.a, s.b = append(s.a, na), append(s.b, nb)
		sa, sb := s.share(na, ta), s.share(nb, tb)
		t.Rows = append(t.Rows, []Value{Text(k), Int(na), Num(sa, FormatPercent), Int(nb), Num(sb, FormatPercent),
			Num(sb-sa, FormatPercent)})
		if differs(sa, sb, ShareFloor) {
			f.details = append(f.details, versus(k, sa, sb, FormatPercent))
			if d := math.Abs(sb - sa); d > worst {
				worst, f.figure, f.a, f.b = d, "share in "+dim+" "+k, sa, sb
			}
		}
	}
	sec.Tables = append(sec.Tables, t)
	if len(f.details) > 0 {
		c.add(f)
	}
	return s
}

// placementPlot draws the runs' shares of pods per pool and per zone.
func (c *comparison) placementPlot(pools, zones *shares) (*Figure, error) {
	f := &Figure{Name: "placement", Title: "Share of pods placed per pool and zone",
		Caption: "Every pod bound to a node during the run, by the node's pool and zone (from nodes.csv)."}
	var names []string
	var a, b []float64
	for _, s := range []*shares{pools, zones} {
		for i, k := range s.names {
			names = append(names, s.dim+" "+k)
			a = append(a, s.share(s.a[i], s.totA))
			b = append(b, s.share(s.b[i], s.totB))
		}
	}
	if pools.totA+pools.totB == 0 {
		return f.absent("no pod was bound to a node in either run"), nil
	}
	f, err := c.pairBars(f, "share of pods", names, a, b)
	if err != nil {
		return nil, err
	}
	f.plot.Y.Tick.Marker = percentTicks
	return f, nil
}

// samePools reports whether two clusters have pools of the same names
// and sizes: then a placement difference is the scheduler's choice,
// not the nodes on offer.
func samePools(a, b []Node) bool {
	pa, pb := Pools(a), Pools(b)
	return slices.EqualFunc(pa, pb, func(x, y Pool) bool { return x.Name == y.Name && x.Nodes == y.Nodes })
}

// perNodeTable summarises the pods on each node at the end of each run
// (nodes.csv): how evenly the scheduler spread them.
func (c *comparison) perNodeTable() *Table {
	t := &Table{Name: "pods_per_node", Title: "Pods per node at the end of the run (from nodes.csv)", Columns: []Column{
		{"statistic", "Statistic"}, c.columnA(), c.columnB(), {"difference", "B − A"}}}
	sa, sb := Describe(podsPerNode(c.a.Nodes)), Describe(podsPerNode(c.b.Nodes))
	f := &finding{topic: topicPlacement, subject: "pods per node", format: FormatNumber}
	for _, st := range []struct {
		name   string
		a, b   float64
		format Format
	}{{"nodes", float64(sa.Count), float64(sb.Count), FormatCount}, {"mean", sa.Mean, sb.Mean, FormatNumber},
		{"sd", sa.StdDev, sb.StdDev, FormatNumber}, {"max", sa.Max, sb.Max, FormatCount}} {
		t.Rows = append(t.Rows, []Value{Text(st.name), Num(st.a, st.format), Num(st.b, st.format), Num(st.b-st.a, FormatNumber)})
		if st.name != "nodes" && differs(st.a, st.b, PodsFloor) {
			f.details = append(f.details, versus(st.name, st.a, st.b, FormatNumber))
			if f.figure == "" {
				f.figure, f.a, f.b = st.name, st.a, st.b
			}
		}
	}
	if len(f.details) > 0 {
		c.add(f)
	}
	return t
}

func podsPerNode(nodes []Node) []float64 {
	out := make([]float64, len(nodes))
	for i, n := range nodes {
		out[i] = float64(n.Pods)
	}
	return out
}

// agreement is how many pods matched across the runs landed alike.
type agreement struct {
	method                          string
	matched, placed                 int // pairs; pairs with a node in both runs
	sameNode, sameZone, samePool    int
	zoneKnown                       bool // both runs have nodes.csv
	nodeShare, zoneShare, poolShare float64
}

// agreementTable compares placements pod by pod, matching pods by
// namespace and name and, since a pod's generated name depends on the
// run's random stream, also by workload and creation order; it records
// a finding when fewer than AgreementThreshold of the pods matched by
// the better method share a node.
func (c *comparison) agreementTable(sec *Section) *Table {
	t := &Table{Name: "placement_agreement", Title: "Pods matched across the runs and where they landed", Columns: []Column{
		{"matched_by", "Matched by"}, {"matched", "Pods matched"}, {"placed_in_both", "Bound in both"},
		{"same_node", "Same node"}, {"same_zone", "Same zone"}, {"same_pool", "Same pool"}}}
	ags := []agreement{
		c.agree("namespace/name", matchByName(c.a.Pods, c.b.Pods)),
		c.agree("workload and creation order", matchByOrder(c.a.Pods, c.b.Pods)),
	}
	for _, ag := range ags {
		t.Rows = append(t.Rows, []Value{Text(ag.method), Int(ag.matched), Int(ag.placed),
			Num(ag.nodeShare, FormatPercent), Num(ag.zoneShare, FormatPercent), Num(ag.poolShare, FormatPercent)})
	}
	// Names are the better match when most pods have one in the other
	// run (the same seed in sim, or pods the scenario names itself).
	best := ags[1]
	if 2*ags[0].matched >= min(len(c.a.Pods), len(c.b.Pods)) && ags[0].placed > 0 {
		best = ags[0]
	}
	sec.note("Pods are matched by namespace and name, and, since generated names depend on each run's random stream, "+
		"also as the k-th pod created of each workload in either run; the findings use the match by %s.", best.method)
	if best.placed > 0 && best.nodeShare < AgreementThreshold {
		c.add(&finding{topic: topicPlacement, subject: "placement of matched pods", figure: "share on the same node",
			a: math.NaN(), b: math.NaN(), format: FormatPercent, details: []string{best.words()}})
	}
	return t
}

func (ag agreement) words() string {
	s := fmt.Sprintf("of %d pods matched by %s and bound in both runs, %s are on the same node", ag.placed, ag.method,
		displayNumber(ag.nodeShare, FormatPercent))
	if ag.zoneKnown {
		s += fmt.Sprintf(", %s in the same zone and %s in the same pool", displayNumber(ag.zoneShare, FormatPercent),
			displayNumber(ag.poolShare, FormatPercent))
	}
	return s
}

// agree counts where the pods of each pair landed.
func (c *comparison) agree(method string, pairs [][2]Pod) agreement {
	ag := agreement{method: method, matched: len(pairs), zoneKnown: c.a.Nodes != nil && c.b.Nodes != nil}
	na, nb := nodesByName(c.a.Nodes), nodesByName(c.b.Nodes)
	for _, p := range pairs {
		if p[0].Node == "" || p[1].Node == "" {
			continue
		}
		ag.placed++
		if p[0].Node == p[1].Node {
			ag.sameNode++
		}
		x, okA := na[p[0].Node]
		y, okB := nb[p[1].Node]
		if okA && okB && x.Zone == y.Zone {
			ag.sameZone++
		}
		if okA && okB && x.Pool == y.Pool {
			ag.samePool++
		}
	}
	ag.nodeShare, ag.zoneShare, ag.poolShare = math.NaN(), math.NaN(), math.NaN()
	if ag.placed > 0 {
		n := float64(ag.placed)
		ag.nodeShare = float64(ag.sameNode) / n
		if ag.zoneKnown {
			ag.zoneShare, ag.poolShare = float64(ag.sameZone)/n, float64(ag.samePool)/n
		}
	}
	return ag
}

func nodesByName(nodes []Node) map[string]Node {
	out := make(map[string]Node, len(nodes))
	for _, n := range nodes {
		out[n.Name] = n
	}
	return out
}

// matchByName pairs the pods of one namespace and name, in A's order.
func matchByName(a, b []Pod) [][2]Pod {
	byName := make(map[string]Pod, len(b))
	for _, p := range b {
		byName[p.Namespace+"/"+p.Name] = p
	}
	var out [][2]Pod
	for _, p := range a {
		if q, ok := byName[p.Namespace+"/"+p.Name]; ok {
			out = append(out, [2]Pod{p, q})
		}
	}
	return out
}

// matchByOrder pairs the k-th pod created of each namespace and
// workload in A with the k-th in B, workloads in name order.
func matchByOrder(a, b []Pod) [][2]Pod {
	ga, gb := byWorkload(a), byWorkload(b)
	var out [][2]Pod
	for _, k := range sortedKeys(ga) {
		xs, ys := ga[k], gb[k]
		for i := range min(len(xs), len(ys)) {
			out = append(out, [2]Pod{xs[i], ys[i]})
		}
	}
	return out
}

// byWorkload groups pods by namespace and workload, each group in
// creation order (names break ties, so the order never depends on the
// file's).
func byWorkload(pods []Pod) map[string][]Pod {
	out := map[string][]Pod{}
	for _, p := range pods {
		k := p.Namespace + "/" + p.Workload
		out[k] = append(out[k], p)
	}
	for _, ps := range out {
		slices.SortFunc(ps, func(x, y Pod) int {
			return cmp.Or(cmp.Compare(x.Created, y.Created), strings.Compare(x.Name, y.Name))
		})
	}
	return out
}
