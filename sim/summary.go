package sim

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// Summary is a run's figures, written as summary.json; its JSON names are
// the metric names a scenario's thresholds use.
type Summary struct {
	Scenario       string               `json:"scenario"`
	Mode           string               `json:"mode"`
	Seed           uint64               `json:"seed"`
	Params         map[string]any       `json:"params,omitempty"`
	TraceSHA256    string               `json:"trace_sha256"`
	Ended          string               `json:"ended"` // settled, duration or violation
	VirtualSeconds float64              `json:"virtual_seconds"`
	WallSeconds    float64              `json:"wall_seconds"`
	Events         uint64               `json:"events"`
	Scheduling     Scheduling           `json:"scheduling"`
	Startup        Startup              `json:"startup"`
	Convergence    []*ConvergenceRecord `json:"convergence_seconds"`
	Pods           PodCounts            `json:"pods"`
	Nodes          NodeCounts           `json:"nodes"`
	Utilisation    Utilisation          `json:"utilisation"`
	Faults         []*FaultRecord       `json:"faults"`
	Violations     int                  `json:"invariant_violations"`
	ViolationList  []Violation          `json:"violations"`
	Work           Work                 `json:"work"`
	Errors         Errors               `json:"errors"`
	Thresholds     []ThresholdResult    `json:"thresholds"`
}

// Passed reports whether every threshold held and no invariant broke.
func (s *Summary) Passed() bool {
	for _, t := range s.Thresholds {
		if !t.OK {
			return false
		}
	}
	return s.Violations == 0
}

// Scheduling is the scheduler's work and the pods' wait for a node.
type Scheduling struct {
	Attempts   int        `json:"attempts"`
	Scheduled  int        `json:"scheduled"`
	Failed     int        `json:"failed"`
	Throughput Throughput `json:"throughput_pods_per_s"`
	Latency    Quantiles  `json:"latency_seconds"` // creation to binding
}

// Startup is how long pods took from creation to Running and to Ready:
// the Kubernetes pod startup SLI, over the pods that got there.
type Startup struct {
	Running Quantiles `json:"running_seconds"`
	Ready   Quantiles `json:"ready_seconds"`
}

// Throughput is pods bound per second, over the window from the first
// pod's creation to the last binding.
type Throughput struct {
	Virtual float64 `json:"virtual"`
	Wall    float64 `json:"wall"`
}

// Quantiles summarise a sample.
type Quantiles struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// PodCounts are the pods at the end of the run, by phase; Pending counts
// those not yet bound, Starting those bound but not running.
type PodCounts struct {
	Created  int `json:"created"`
	Pending  int `json:"pending"`
	Starting int `json:"starting"`
	Running  int `json:"running"`
	// Terminating pods are marked for deletion and not yet gone (on a
	// node that is down, until it comes back).
	Terminating int `json:"terminating"`
	Succeeded   int `json:"succeeded"`
	Failed      int `json:"failed"`
	Deleted     int `json:"deleted"`
}

// NodeCounts are the nodes at the end of the run by their Ready condition.
type NodeCounts struct {
	Total    int `json:"total"`
	Ready    int `json:"ready"`
	NotReady int `json:"not_ready"`
	Unknown  int `json:"unknown"`
}

// Utilisation is the share of the cluster's allocatable that the pods on
// nodes request at the end of the run.
type Utilisation struct {
	CPU    float64 `json:"cpu"`
	Memory float64 `json:"memory"`
}

// Work is what the control plane did: where a run's time goes, and what
// a change to a controller or a policy costs.
type Work struct {
	Reconciles map[string]int `json:"reconciles"` // per controller
	Writes     map[string]int `json:"writes"`     // store commits per kind
}

// Errors count what went wrong without stopping the run.
type Errors struct {
	Apply        int            `json:"apply"` // scenario objects the API refused
	FirstApply   string         `json:"first_apply,omitempty"`
	Reconcile    map[string]int `json:"reconcile"` // failed reconciles per controller
	Scheduler    int            `json:"scheduler"`
	NodeWrites   int            `json:"node_writes"`
	Metrics      int            `json:"metrics"` // failed gathers of the metrics
	Faults       int            `json:"faults"`  // faults the nodes could not make or undo
	FirstFault   string         `json:"first_fault,omitempty"`
	TraceWriting string         `json:"trace_writing,omitempty"`
}

func (r *run) summarize(ctx context.Context) (Summary, error) {
	s := Summary{Scenario: r.sc.Name, Mode: r.mode.Name, Seed: r.opts.Seed, Params: r.sc.Params,
		TraceSHA256: r.track.sum(), Ended: r.endReason(), VirtualSeconds: r.eng.Elapsed().Seconds(),
		Events: r.eng.Events(), Convergence: r.conv.records, Faults: r.player.faults,
		Violations: len(r.inv.violations), ViolationList: r.inv.violations}
	s.Scheduling = r.scheduling()
	s.Startup = r.startup()
	s.Pods = r.podCounts()
	var err error
	if s.Nodes, err = r.nodeCounts(ctx); err != nil {
		return s, err
	}
	s.Utilisation = r.utilisation()
	n := r.mode.Counters()
	s.Work = Work{Reconciles: orEmpty(n.Reconciles), Writes: orEmpty(n.Writes)}
	s.Errors = Errors{Apply: r.player.applyErrors + n.ApplyErrors, Reconcile: orEmpty(n.ReconcileErrors),
		Scheduler: n.SchedulerErrors, NodeWrites: n.NodeWrites, Metrics: n.MetricErrors,
		Faults: r.player.faultErrors}
	if first := cmp.Or(r.player.firstErr, n.FirstApplyError); first != nil {
		s.Errors.FirstApply = first.Error()
	}
	if r.player.firstFaultErr != nil {
		s.Errors.FirstFault = r.player.firstFaultErr.Error()
	}
	if r.track.writeErr != nil {
		s.Errors.TraceWriting = r.track.writeErr.Error()
	}
	if s.Convergence == nil {
		s.Convergence = []*ConvergenceRecord{}
	}
	if s.ViolationList == nil {
		s.ViolationList = []Violation{}
	}
	if s.Faults == nil {
		s.Faults = []*FaultRecord{}
	}
	return s, nil
}

func (r *run) endReason() string {
	switch {
	case len(r.inv.violations) > 0 && !r.opts.KeepGoing:
		return "violation"
	case r.eng.Stopped():
		return "settled"
	}
	return "duration"
}

func (r *run) scheduling() Scheduling {
	n := r.mode.Counters()
	s := Scheduling{Attempts: n.Attempts, Scheduled: n.Scheduled, Failed: n.Failed}
	var waits []float64
	var busy []interval
	for _, p := range r.track.pods {
		if p.Scheduled >= 0 {
			waits = append(waits, p.Scheduled-p.Created)
			busy = append(busy, interval{p.Created, p.Scheduled})
		}
	}
	s.Latency = quantiles(waits)
	if span := unionLength(busy); span > 0 {
		s.Throughput.Virtual = float64(len(waits)) / span
	}
	return s
}

func (r *run) startup() Startup {
	var running, ready []float64
	for _, p := range r.track.pods {
		if p.Started >= 0 {
			running = append(running, p.Started-p.Created)
		}
		if p.Ready >= 0 {
			ready = append(ready, p.Ready-p.Created)
		}
	}
	return Startup{Running: quantiles(running), Ready: quantiles(ready)}
}

// interval is a span of virtual seconds.
type interval struct{ from, to float64 }

// unionLength is the time covered by at least one interval: for pod
// waits, the time the scheduler had work, over which its throughput is
// measured (so idle stretches of a long run do not dilute it).
func unionLength(xs []interval) float64 {
	slices.SortFunc(xs, func(a, b interval) int { return cmpFloat(a.from, b.from) })
	var total, end float64
	end = math.Inf(-1)
	for _, x := range xs {
		if x.from > end {
			total += x.to - x.from
			end = x.to
		} else if x.to > end {
			total += x.to - end
			end = x.to
		}
	}
	return total
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quantiles summarises xs with nearest-rank percentiles.
func quantiles(xs []float64) Quantiles {
	if len(xs) == 0 {
		return Quantiles{}
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	var sum float64
	for _, x := range xs {
		sum += x
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(xs)))) - 1
		return xs[min(max(i, 0), len(xs)-1)]
	}
	return Quantiles{Count: len(xs), Mean: micro(sum / float64(len(xs))), P50: micro(rank(0.50)),
		P90: micro(rank(0.90)), P99: micro(rank(0.99)), Max: micro(xs[len(xs)-1])}
}

// micro rounds seconds to the microsecond, below which differences of
// virtual times are only floating-point noise.
func micro(s float64) float64 { return math.Round(s*1e6) / 1e6 }

func (r *run) podCounts() PodCounts {
	c := PodCounts{Created: len(r.track.pods)}
	for _, p := range r.track.pods {
		switch {
		case p.Finished >= 0 && p.Phase != string(api.PodSucceeded) && p.Phase != string(api.PodFailed):
			c.Deleted++
		case p.Phase == string(api.PodSucceeded):
			c.Succeeded++
		case p.Phase == string(api.PodFailed):
			c.Failed++
		case p.Terminating >= 0:
			c.Terminating++
		case p.Scheduled < 0:
			c.Pending++
		case p.Phase == string(api.PodRunning):
			c.Running++
		default:
			c.Starting++
		}
	}
	return c
}

func (r *run) nodeCounts(ctx context.Context) (NodeCounts, error) {
	if r.w == nil {
		return r.cachedNodeCounts(), nil // a live run sees the nodes through its caches
	}
	res, err := r.w.reg.Store().List(ctx, nodeKind, store.ListOptions{})
	if err != nil {
		return NodeCounts{}, fmt.Errorf("sim: list nodes: %w", err)
	}
	var c NodeCounts
	for _, o := range res.Items {
		c.add(o.(*api.Node))
	}
	return c, nil
}

// add counts a node by its Ready condition.
func (c *NodeCounts) add(n *api.Node) {
	c.Total++
	switch nodeReady(n) {
	case api.ConditionTrue:
		c.Ready++
	case api.ConditionFalse:
		c.NotReady++
	default:
		c.Unknown++
	}
}

// cachedNodeCounts counts the nodes as the controllers' cache holds them,
// without copying them out of the store: for samples taken all run long.
func (r *run) cachedNodeCounts() NodeCounts {
	var c NodeCounts
	// Select's filter sees every node and keeps none: a count, not a list.
	r.mode.Caches.For(nodeKind).Select("", func(o api.Object) bool {
		c.add(o.(*api.Node))
		return false
	})
	return c
}

func nodeReady(n *api.Node) api.ConditionStatus {
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c.Status
		}
	}
	return api.ConditionUnknown
}

// utilisation sums the pods' requests on every node against the nodes' allocatable.
func (r *run) utilisation() Utilisation {
	var used, alloc [2]float64
	for _, name := range sortedKeys(r.inv.usage) {
		u := r.inv.usage[name]
		for i, res := range [2]api.ResourceName{api.ResourceCPU, api.ResourceMemory} {
			used[i] += float64(u.used[string(res)])
			if q, ok := u.alloc[res]; ok {
				alloc[i] += float64(q.MilliValue())
			}
		}
	}
	var out Utilisation
	if alloc[0] > 0 {
		out.CPU = used[0] / alloc[0]
	}
	if alloc[1] > 0 {
		out.Memory = used[1] / alloc[1]
	}
	return out
}

// setWall records the run's wall time and the throughput it implies.
func (s *Summary) setWall(secs float64) {
	s.WallSeconds = secs
	if secs > 0 {
		s.Scheduling.Throughput.Wall = float64(s.Scheduling.Scheduled) / secs
	}
}

// orEmpty makes a nil map an empty one, so summary.json always has the object.
func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
