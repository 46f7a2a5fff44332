package driver

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Binder places pods through pods/binding, which refuses a pod already
// bound, so no pod is ever bound twice.
type Binder struct{ Client Client }

var _ framework.AnnotatingBinder = Binder{}

// Bind posts a Binding of pod to node.
func (b Binder) Bind(ctx context.Context, pod *api.Pod, node string) error {
	return b.BindWithAnnotations(ctx, pod, node, nil)
}

// BindWithAnnotations posts a Binding of pod to node that also sets
// annotations on the pod.
func (b Binder) BindWithAnnotations(ctx context.Context, pod *api.Pod, node string, annotations map[string]string) error {
	binding := &registry.Binding{Metadata: api.ObjectMeta{Name: pod.Name, UID: pod.UID, Annotations: annotations},
		Target: registry.ObjectReference{Kind: "Node", Name: node}}
	if err := b.Client.Bind(ctx, pod.Namespace, pod.Name, binding, false); err != nil {
		return fmt.Errorf("bind %s/%s to %s: %w", pod.Namespace, pod.Name, node, err)
	}
	return nil
}

// Driver runs a scheduler on real time: cache handlers feed it Pods and
// Nodes, Run schedules until its context ends, and every result is written
// back.
type Driver struct {
	sched *scheduler.Scheduler
	wb    *WriteBack
	// feed serialises the cache handlers' calls into the scheduler, which
	// come from one goroutine per cache, so each event's several steps
	// (queue, nominator, cache) apply as one. The scheduler's Cache, Queue
	// and nominator lock themselves, so the binding goroutines of Run may
	// touch them meanwhile; its snapshot and rand belong to Run's loop alone.
	feed sync.Mutex

	// OnError, when set, hears of failures to feed the scheduler or to
	// write a result back (for logs); the driver carries on.
	OnError func(error)
}

// New returns a driver for sched writing through wb, and registers its
// handlers on set's Pod and Node caches; whoever runs the caches (the
// controllers' Runner, or the caller) starts them.
func New(sched *scheduler.Scheduler, set *cache.Set, wb *WriteBack) *Driver {
	d := &Driver{sched: sched, wb: wb}
	set.For(nodeKind).AddHandler(d.onNode)
	set.For(podKind).AddHandler(d.onPod)
	return d
}

// Run schedules until ctx ends, writing each result back.
func (d *Driver) Run(ctx context.Context) {
	d.sched.Run(ctx, func(res scheduler.Result) {
		d.report(d.wb.Apply(ctx, res))
	})
}

func (d *Driver) report(err error) {
	if err != nil && d.OnError != nil {
		d.OnError(err)
	}
}

func (d *Driver) onNode(old, cur api.Object) {
	d.feed.Lock()
	defer d.feed.Unlock()
	switch {
	case old == nil:
		d.sched.AddNode(cur.(*api.Node))
	case cur == nil:
		d.report(d.sched.RemoveNode(old.(*api.Node)))
	default:
		d.sched.UpdateNode(old.(*api.Node), cur.(*api.Node))
	}
}

func (d *Driver) onPod(old, cur api.Object) {
	d.feed.Lock()
	defer d.feed.Unlock()
	switch {
	case old == nil:
		d.addPod(cur.(*api.Pod))
	case terminated(old.(*api.Pod)):
		// The scheduler forgot the pod when it ended (or never took it);
		// its later changes and its deletion are nothing to it.
	case cur == nil:
		d.report(d.sched.DeletePod(old.(*api.Pod)))
	default:
		d.updatePod(old.(*api.Pod), cur.(*api.Pod))
	}
}

// addPod routes a pod seen for the first time. A pending pod already being
// deleted is not queued; a bound one still holds its node's room until it
// is gone, as after a restart during its graceful termination.
func (d *Driver) addPod(p *api.Pod) {
	if p.Spec.NodeName == "" && pendingDeletion(p) {
		return
	}
	d.report(d.sched.AddPod(p))
}

// updatePod routes a change. A pending pod being deleted or that ended
// (failed before it was placed) leaves the queue, as kube-scheduler, which
// watches only pods not terminated, sees it deleted; a pending pod whose
// change cannot alter where it fits (its status, such as the condition the
// write-back just set) is not requeued, as kube-scheduler skips such updates.
func (d *Driver) updatePod(old, cur *api.Pod) {
	switch {
	case cur.Spec.NodeName == "" && (pendingDeletion(cur) || terminated(cur)):
		d.report(d.sched.DeletePod(old))
	case cur.Spec.NodeName == "" && old.Spec.NodeName == "" && !schedulingRelevant(old, cur):
	case cur.Spec.NodeName != "" && cur.Spec.NodeName == old.Spec.NodeName && !boundRelevant(old, cur):
		// A running pod's status changes (ready, restarted, its IP) alter
		// nothing the scheduler weighs; skipping them keeps the cache's
		// node generations, and the plugins' memos keyed on them, intact.
	default:
		d.report(d.sched.UpdatePod(old, cur))
	}
}

func pendingDeletion(p *api.Pod) bool { return p.DeletionTimestamp != nil }

// boundRelevant reports whether a change of a pod that stays on its node
// matters to scheduling: what schedulingRelevant looks at, its deletion
// (terminating pods stop counting for spreading), its end, and its start
// time (preemption takes the youngest victims first).
func boundRelevant(old, cur *api.Pod) bool {
	return schedulingRelevant(old, cur) || pendingDeletion(old) != pendingDeletion(cur) ||
		terminated(old) != terminated(cur) || !sameTime(old.Status.StartTime, cur.Status.StartTime)
}

func sameTime(a, b *api.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b.Time)
}

func terminated(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// schedulingRelevant reports whether a change of a pending pod can alter
// its placement: its labels, annotations or spec (whose changes the
// registry counts in metadata.generation).
func schedulingRelevant(old, cur *api.Pod) bool {
	return old.Generation != cur.Generation || !maps.Equal(old.Labels, cur.Labels) ||
		!maps.Equal(old.Annotations, cur.Annotations)
}
