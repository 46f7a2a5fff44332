package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// player plays the scenario onto the cluster: the workloads' arrivals and
// the timeline's actions, each at its virtual time.
type player struct {
	eng   *Engine
	api   API
	nodes Nodes
	// refs are the scenario's nodes in pool order; known holds their names.
	refs  []NodeRef
	known map[string]bool
	// faulted holds the nodes a fault holds (a second one skips them);
	// down those crashed or partitioned, which convergence waits on;
	// recovering those back from one until the control plane sees them
	// Ready, which the end of the run waits on.
	faulted, down, recovering map[string]bool
	sc                        *scenarios.Scenario
	conv                      *convergence
	r                         *rand.Rand
	byName                    map[string]*scenarios.Workload
	copies                    map[string]int // copies made so far, per workload, for their names
	// lastPlanned is when the last planned arrival or action happens; the
	// run may end once it has passed and everything has settled.
	lastPlanned time.Duration
	// applyErrors counts objects the API refused, with the first error kept.
	applyErrors int
	firstErr    error
	// faults are the faults injected so far; activeFaults those not healed.
	faults       []*FaultRecord
	activeFaults int
	faultRand    *rand.Rand
	// faultErrors counts faults the nodes could not make or undo.
	faultErrors   int
	firstFaultErr error
}

func newPlayer(eng *Engine, m *Mode, sc *scenarios.Scenario, conv *convergence) *player {
	d := &player{eng: eng, api: m.API, nodes: m.Nodes, sc: sc, conv: conv, r: eng.Rand("arrivals"),
		faultRand: eng.Rand("faults"), byName: map[string]*scenarios.Workload{}, copies: map[string]int{},
		refs: PoolNodes(sc.Cluster.Pools), known: map[string]bool{}, faulted: map[string]bool{},
		down: map[string]bool{}, recovering: map[string]bool{}}
	for _, n := range d.refs {
		d.known[n.Name] = true
	}
	for i := range sc.Workloads {
		d.byName[sc.Workloads[i].Name] = &sc.Workloads[i]
	}
	return d
}

// plan schedules every arrival and timeline action.
func (d *player) plan() {
	for i := range d.sc.Workloads {
		d.planArrival(&d.sc.Workloads[i])
	}
	for i := range d.sc.Timeline {
		a := d.sc.Timeline[i]
		d.at(a.At, func() { d.act(a) })
	}
	d.planRandomFaults()
}

// at schedules fn at virtual offset t and keeps lastPlanned up to date.
func (d *player) at(t time.Duration, fn func()) {
	d.lastPlanned = max(d.lastPlanned, t)
	d.eng.ScheduleAt(t, fn)
}

func (d *player) planArrival(wl *scenarios.Workload) {
	a := wl.Arrival
	switch a.Kind {
	case scenarios.ArriveOnce, "":
		d.at(a.At, func() { d.apply(wl, "arrival of "+wl.Name) })
	case scenarios.ArriveBurst:
		for b := range max(a.Times, 1) {
			d.at(a.At+time.Duration(b)*a.Every, func() {
				for range a.Count {
					d.createCopy(wl)
				}
			})
		}
	case scenarios.ArrivePoisson:
		d.lastPlanned = max(d.lastPlanned, d.poissonEnd(a))
		d.nextPoisson(wl, a.At, 0)
	case scenarios.ArriveTrace:
		for i := range a.Trace {
			row := &a.Trace[i]
			d.at(a.At+row.Arrival, func() { d.createTracePod(wl, row) })
		}
	}
}

func (d *player) poissonEnd(a scenarios.Arrival) time.Duration {
	if a.Until > 0 {
		return a.Until
	}
	return d.sc.Duration
}

// nextPoisson schedules the next arrival of a Poisson process after from,
// drawing the gap only when the previous one has happened, so the stream
// of draws does not depend on how far ahead the run looks.
func (d *player) nextPoisson(wl *scenarios.Workload, from time.Duration, made int) {
	a := wl.Arrival
	if a.Rate <= 0 || (a.Count > 0 && made >= a.Count) {
		return
	}
	gap := time.Duration(d.r.ExpFloat64() / a.Rate * float64(time.Second))
	next := from + gap
	if next > d.poissonEnd(a) {
		return
	}
	d.eng.ScheduleAt(next, func() {
		d.createCopy(wl)
		d.nextPoisson(wl, next, made+1)
	})
}

// apply creates a workload's objects, or replaces them when they exist.
func (d *player) apply(wl *scenarios.Workload, label string) {
	ctx := context.Background()
	for _, obj := range wl.Objects {
		if err := d.applyObject(ctx, obj.DeepCopyObject()); err != nil {
			d.fail(fmt.Errorf("%s: %w", label, err))
		}
	}
}

func (d *player) applyObject(ctx context.Context, obj api.Object) error {
	kind, err := api.KindOf(obj)
	if err != nil {
		return err
	}
	m := obj.GetObjectMeta()
	if err := d.ensureNamespace(ctx, m.Namespace); err != nil {
		return err
	}
	_, err = d.api.Create(ctx, kind, m.Namespace, obj, registry.CreateOptions{})
	if !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	cur, err := d.api.Get(ctx, kind, m.Namespace, m.Name)
	if err != nil {
		return err
	}
	m.ResourceVersion = cur.GetObjectMeta().ResourceVersion
	_, err = d.api.Update(ctx, kind, obj, registry.UpdateOptions{})
	return err
}

// ensureNamespace creates a namespace a manifest uses without declaring it.
func (d *player) ensureNamespace(ctx context.Context, ns string) error {
	if ns == "" {
		return nil
	}
	_, err := d.api.Get(ctx, namespaceKind, "", ns)
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	obj := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: api.CoreV1, Kind: "Namespace"},
		ObjectMeta: api.ObjectMeta{Name: ns}}
	_, err = d.api.Create(ctx, namespaceKind, "", obj, registry.CreateOptions{})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil
	}
	return err
}

// createCopy creates one more copy of a workload's objects, each named
// after the original with the copy's number.
func (d *player) createCopy(wl *scenarios.Workload) {
	n := d.copies[wl.Name]
	d.copies[wl.Name] = n + 1
	ctx := context.Background()
	for _, obj := range wl.Objects {
		c := obj.DeepCopyObject()
		m := c.GetObjectMeta()
		m.Name = m.Name + "-" + strconv.Itoa(n)
		markCopy(c, m.Name)
		if err := d.applyObject(ctx, c); err != nil {
			d.fail(fmt.Errorf("arrival %d of %s: %w", n, wl.Name, err))
		}
	}
}

// CopyLabel marks each copy of a workload made by an arrival process
// (and its selector and pods), so copies are separate applications:
// they neither select each other's pods nor spread as one.
const CopyLabel = "kubetwin.io/copy"

// markCopy labels a copy, its pod template and its selector.
func markCopy(obj api.Object, name string) {
	m := obj.GetObjectMeta()
	m.Labels = withLabel(m.Labels, name)
	var sel *api.LabelSelector
	switch o := obj.(type) { // the registry gives each Job its own selector
	case *api.Deployment:
		sel = o.Spec.Selector
	case *api.ReplicaSet:
		sel = o.Spec.Selector
	case *api.DaemonSet:
		sel = o.Spec.Selector
	}
	if tmpl := scenarios.PodTemplate(obj); tmpl != nil {
		tmpl.Labels = withLabel(tmpl.Labels, name)
	}
	if sel != nil {
		sel.MatchLabels = withLabel(sel.MatchLabels, name)
	}
}

func withLabel(ls map[string]string, value string) map[string]string {
	if ls == nil {
		ls = map[string]string{}
	}
	ls[CopyLabel] = value
	return ls
}

// fail counts an object the API refused; the run goes on, and the summary
// reports it.
func (d *player) fail(err error) {
	d.applyErrors++
	if d.firstErr == nil {
		d.firstErr = err
	}
}
