package sim

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// ConvergenceRecord is how long the cluster took to be fully available
// again after one action; Seconds is nil if it never was within the run.
type ConvergenceRecord struct {
	Action    string   `json:"action"`
	AtSeconds float64  `json:"at_seconds"`
	Seconds   *float64 `json:"seconds"`
	Workloads []string `json:"workloads"`
}

// convergence times each action that changes desired (or actual) state
// until every workload it affects is fully available again, or, for a
// deletion, entirely gone.
type convergence struct {
	eng     *Engine
	current func(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	// down reports whether a fault holds a node crashed or partitioned.
	down func(node string) bool
	sc   *scenarios.Scenario
	live map[string]int // pods not yet deleted, per workload
	// active counts, per node, bound pods that are neither finished nor
	// being deleted: those the control plane still counts on.
	active  map[string]int
	deleted map[string]bool
	open    []*pendingConvergence
	records []*ConvergenceRecord
	queued  bool // a check is scheduled
}

type pendingConvergence struct {
	rec      *ConvergenceRecord
	targets  []*scenarios.Workload
	at       time.Duration
	deletion bool
	// nodes a fault hit: while one is still out, pods the control plane
	// has not yet replaced there keep the workloads from converging.
	nodes []string
}

func newConvergence(eng *Engine, m *Mode, sc *scenarios.Scenario) *convergence {
	return &convergence{eng: eng, current: m.Current, down: func(string) bool { return false }, sc: sc,
		live: map[string]int{}, deleted: map[string]bool{}, active: map[string]int{}}
}

// start begins timing an action on a workload.
func (c *convergence) start(a scenarios.Action, label string) {
	p := &pendingConvergence{deletion: a.Kind == scenarios.ActDelete,
		targets: []*scenarios.Workload{c.workload(a.Workload)}}
	c.deleted[a.Workload] = p.deletion
	c.add(p, label)
}

// startFault begins timing a fault on nodes: every standing workload must
// be fully available again, and none may still count on pods on a node
// that is still out.
func (c *convergence) startFault(label string, nodes []string) {
	c.add(&pendingConvergence{targets: c.standing(), nodes: nodes}, label)
}

func (c *convergence) add(p *pendingConvergence, label string) {
	p.rec = &ConvergenceRecord{Action: label, AtSeconds: c.eng.Elapsed().Seconds()}
	p.at = c.eng.Elapsed()
	for _, t := range p.targets {
		p.rec.Workloads = append(p.rec.Workloads, t.Name)
	}
	c.records = append(c.records, p.rec)
	c.open = append(c.open, p)
	c.schedule()
}

func (c *convergence) workload(name string) *scenarios.Workload {
	for i := range c.sc.Workloads {
		if c.sc.Workloads[i].Name == name {
			return &c.sc.Workloads[i]
		}
	}
	return nil
}

// standing is every workload that is applied once and stays: the ones a
// fault can make unavailable.
func (c *convergence) standing() []*scenarios.Workload {
	var out []*scenarios.Workload
	for i := range c.sc.Workloads {
		wl := &c.sc.Workloads[i]
		k := wl.Arrival.Kind
		if (k == scenarios.ArriveOnce || k == scenarios.ArriveManual || k == "") && !c.deleted[wl.Name] {
			out = append(out, wl)
		}
	}
	return out
}

// observe is the commit observer: a change of a workload or a pod's
// deletion may complete an open convergence.
func (c *convergence) observe(ev store.Event, prev api.Object) {
	if pod, ok := ev.Object.(*api.Pod); ok {
		c.countActive(ev.Type, prev, pod)
		wl := pod.Annotations[scenarios.WorkloadAnnotation]
		switch ev.Type {
		case store.Added:
			c.live[wl]++
		case store.Deleted:
			c.live[wl]--
			c.schedule()
		}
		return
	}
	switch ev.Object.(type) {
	case *api.Deployment, *api.ReplicaSet, *api.DaemonSet, *api.Job:
		c.schedule()
	}
}

func (c *convergence) countActive(typ store.EventType, prev api.Object, cur *api.Pod) {
	if prev != nil && activePod(prev.(*api.Pod)) {
		c.active[prev.(*api.Pod).Spec.NodeName]--
	}
	if typ != store.Deleted && activePod(cur) {
		c.active[cur.Spec.NodeName]++
	}
}

func activePod(p *api.Pod) bool { return holds(p) && p.DeletionTimestamp == nil }

// schedule runs a check at the current instant, once, outside the commit.
func (c *convergence) schedule() {
	if c.queued || len(c.open) == 0 {
		return
	}
	c.queued = true
	c.eng.Schedule(0, c.check)
}

func (c *convergence) check() {
	c.queued = false
	now := c.eng.Elapsed()
	c.open = slices.DeleteFunc(c.open, func(p *pendingConvergence) bool {
		if !c.done(p) {
			return false
		}
		secs := (now - p.at).Seconds()
		p.rec.Seconds = &secs
		return true
	})
}

// settled reports whether no convergence is still open.
func (c *convergence) settled() bool { return len(c.open) == 0 }

func (c *convergence) done(p *pendingConvergence) bool {
	for _, n := range p.nodes {
		if c.down(n) && c.active[n] > 0 {
			return false
		}
	}
	for _, wl := range p.targets {
		if wl == nil {
			continue
		}
		if p.deletion {
			if c.live[wl.Name] > 0 || c.anyExists(wl) {
				return false
			}
			continue
		}
		if !c.available(wl) {
			return false
		}
	}
	return true
}

func (c *convergence) anyExists(wl *scenarios.Workload) bool {
	for _, obj := range wl.Objects {
		if _, err := c.get(obj); err == nil {
			return true
		}
	}
	return false
}

// available reports whether every object of the workload is in its
// desired state; an object not (yet) created is not.
func (c *convergence) available(wl *scenarios.Workload) bool {
	for _, obj := range wl.Objects {
		cur, err := c.get(obj)
		if err != nil || !objectAvailable(cur) {
			return false
		}
	}
	return true
}

func (c *convergence) get(obj api.Object) (api.Object, error) {
	kind, err := api.KindOf(obj)
	if err != nil {
		return nil, err
	}
	m := obj.GetObjectMeta()
	cur, err := c.current(context.Background(), kind, m.Namespace, m.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return cur, err
}

// objectAvailable is the "fully rolled out and available" test of each
// workload kind (kubectl rollout status's), and for a Job: finished.
func objectAvailable(obj api.Object) bool {
	switch o := obj.(type) {
	case *api.Deployment:
		want := replicas(o.Spec.Replicas)
		s := o.Status
		return s.ObservedGeneration >= o.Generation && s.UpdatedReplicas == want &&
			s.Replicas == want && s.AvailableReplicas == want
	case *api.ReplicaSet:
		want := replicas(o.Spec.Replicas)
		s := o.Status
		return s.ObservedGeneration >= o.Generation && s.Replicas == want && s.AvailableReplicas == want
	case *api.DaemonSet:
		s := o.Status
		return s.ObservedGeneration >= o.Generation && s.UpdatedNumberScheduled == s.DesiredNumberScheduled &&
			s.NumberAvailable == s.DesiredNumberScheduled
	case *api.Job:
		return o.Status.CompletionTime != nil || jobFailed(o)
	case *api.Pod:
		return podReady(o) || terminal(o)
	}
	return true
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func jobFailed(j *api.Job) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == "Failed" && c.Status == api.ConditionTrue {
			return true
		}
	}
	return false
}
