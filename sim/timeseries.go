package sim

import (
	"cmp"
	"math"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// TimeSeries is the run's state sampled on its clock every SampleEvery:
// the rows of timeseries.csv. Series that appear during the run (a
// metric's new label value) are empty (NaN) before their first sample.
type TimeSeries struct {
	Names []string    // the columns after time, in order
	Times []float64   // seconds of virtual time
	Rows  [][]float64 // Rows[i][j] is Names[j] at Times[i]
}

// The series every run has, before the per-pool and metric ones.
var baseSeries = []string{"pods_pending", "pods_starting", "pods_running", "pods_terminating",
	"pods_succeeded", "pods_failed", "nodes_ready", "nodes_not_ready", "nodes_unknown", "pods_scheduled_total"}

// sampler takes the samples; columns are added as series appear.
type sampler struct {
	r      *run
	series TimeSeries
	column map[string]int
}

func newSampler(r *run) *sampler {
	s := &sampler{r: r, column: map[string]int{}}
	for _, name := range baseSeries {
		s.add(name)
	}
	for _, p := range r.sc.Cluster.Pools {
		s.add(poolSeries("cpu", p.Name))
		s.add(poolSeries("memory", p.Name))
	}
	return s
}

func poolSeries(resource, pool string) string {
	return resource + `_requested_ratio{pool="` + pool + `"}`
}

func (s *sampler) add(name string) int {
	s.column[name] = len(s.series.Names)
	s.series.Names = append(s.series.Names, name)
	for i := range s.series.Rows {
		s.series.Rows[i] = append(s.series.Rows[i], math.NaN())
	}
	return s.column[name]
}

// every samples now and again after each SampleEvery.
func (s *sampler) every() {
	s.sample()
	s.r.eng.Schedule(s.r.sc.SampleEvery, s.every)
}

// sample appends one row at the current virtual time (once per instant).
func (s *sampler) sample() {
	now := s.r.eng.Elapsed().Seconds()
	if n := len(s.series.Times); n > 0 && s.series.Times[n-1] == now {
		return
	}
	row := make([]float64, len(s.series.Names))
	for i := range row {
		row[i] = math.NaN()
	}
	set := func(name string, v float64) {
		j, ok := s.column[name]
		if !ok {
			j = s.add(name)
			row = append(row, math.NaN())
		}
		row[j] = v
	}
	s.podsAndNodes(set)
	s.pools(set)
	s.metrics(set)
	s.series.Times = append(s.series.Times, now)
	s.series.Rows = append(s.series.Rows, row)
}

func (s *sampler) podsAndNodes(set func(string, float64)) {
	c := s.r.podCounts()
	for i, v := range []int{c.Pending, c.Starting, c.Running, c.Terminating, c.Succeeded, c.Failed} {
		set(baseSeries[i], float64(v))
	}
	n := s.r.cachedNodeCounts()
	set("nodes_ready", float64(n.Ready))
	set("nodes_not_ready", float64(n.NotReady))
	set("nodes_unknown", float64(n.Unknown))
	set("pods_scheduled_total", float64(s.r.mode.Counters().Scheduled))
}

// pools sets the requested share of each pool's allocatable cpu and memory.
func (s *sampler) pools(set func(string, float64)) {
	for _, p := range s.r.sc.Cluster.Pools {
		var used, alloc [2]float64
		for _, n := range s.r.player.refs {
			if n.Pool != p.Name {
				continue
			}
			u := s.r.inv.usage[n.Name]
			if u == nil {
				continue
			}
			for i, res := range [2]api.ResourceName{api.ResourceCPU, api.ResourceMemory} {
				used[i] += float64(u.used[string(res)])
				if q, ok := u.alloc[res]; ok {
					alloc[i] += float64(q.MilliValue())
				}
			}
		}
		set(poolSeries("cpu", p.Name), ratio(used[0], alloc[0]))
		set(poolSeries("memory", p.Name), ratio(used[1], alloc[1]))
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// metrics sets the control plane's Prometheus metrics as they stand, by
// the names the real and emulated modes serve at /metrics.
func (s *sampler) metrics(set func(string, float64)) {
	for _, m := range s.r.mode.Metrics() {
		set(m.Name, m.Value)
	}
}

// finish takes a last sample at the end of the run and orders the metric
// columns by name after the fixed ones, so the file does not depend on
// when each series first appeared.
func (s *sampler) finish() *TimeSeries {
	s.sample()
	fixed := len(baseSeries) + 2*len(s.r.sc.Cluster.Pools)
	order := make([]int, len(s.series.Names))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order[fixed:], func(a, b int) int {
		return cmp.Compare(s.series.Names[a], s.series.Names[b])
	})
	out := &TimeSeries{Times: s.series.Times}
	for _, j := range order {
		out.Names = append(out.Names, s.series.Names[j])
	}
	for _, row := range s.series.Rows {
		sorted := make([]float64, len(order))
		for k, j := range order {
			sorted[k] = row[j]
		}
		out.Rows = append(out.Rows, sorted)
	}
	return out
}
