// Package driver connects the scheduler to the API: it feeds the
// scheduler's queue and cache from watched Pods and Nodes, binds through
// pods/binding, and writes each outcome back the way kube-scheduler does
// (events, the PodScheduled condition, the nominated node, preemption
// victims). WriteBack is usable without goroutines, so the simulator
// applies the same outcomes at virtual times; Driver is the real-time loop.
package driver

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/store"
)

// Component is the scheduler's name in events, as Kubernetes reports it.
const Component = "default-scheduler"

// Client is the part of the registry the driver writes through;
// *registry.Registry satisfies it.
type Client interface {
	Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error)
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error)
	Bind(ctx context.Context, namespace, name string, b *registry.Binding, dryRun bool) error
}

var _ Client = (*registry.Registry)(nil)

var (
	podKind  = mustKind("Pod")
	nodeKind = mustKind("Node")
)

func mustKind(kind string) *api.Kind {
	k, err := api.LookupKind(api.CoreV1, kind)
	if err != nil {
		panic(fmt.Sprintf("scheduler driver: %v", err))
	}
	return k
}

// statusRetries bounds retries of the condition write after a concurrent
// change to the pod.
const statusRetries = 3

// WriteBack applies scheduling results to the cluster.
type WriteBack struct {
	Client Client
	Clock  clock.Clock
	// Events receives Scheduled, FailedScheduling and Preempted; nil records none.
	Events events.Recorder
}

// Apply writes one result: a Scheduled event for a placement; for a pod
// that did not fit, the victims of its preemption deleted, its
// PodScheduled=False condition and nominated node, and a FailedScheduling
// event. The pod's own errors (it was deleted meanwhile) are not errors.
func (w *WriteBack) Apply(ctx context.Context, res scheduler.Result) error {
	if res.Pod == nil {
		return nil
	}
	if res.Node != "" {
		w.event(res.Pod, api.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s",
			res.Pod.Namespace, res.Pod.Name, res.Node)
		if res.Err != nil {
			return fmt.Errorf("after binding %s/%s: %w", res.Pod.Namespace, res.Pod.Name, res.Err)
		}
		return nil
	}
	if res.Err == nil {
		return nil
	}
	err := w.preempt(ctx, res)
	err = errors.Join(err, w.writeCondition(ctx, res))
	w.event(res.Pod, api.EventTypeWarning, "FailedScheduling", "%s", res.Err.Error())
	return err
}

func (w *WriteBack) event(obj api.Object, typ, reason, format string, args ...any) {
	if w.Events != nil {
		w.Events.Eventf(obj, typ, reason, format, args...)
	}
}

// preempt deletes the victims a preemption chose, each with an event
// naming its preemptor; a victim already gone is fine.
func (w *WriteBack) preempt(ctx context.Context, res scheduler.Result) error {
	var errs []error
	for _, v := range res.Victims {
		w.event(v, api.EventTypeNormal, "Preempted", "Preempted by pod %s/%s on node %s",
			res.Pod.Namespace, res.Pod.Name, res.NominatedNodeName)
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: v.UID}}
		if _, _, err := w.Client.Delete(ctx, podKind, v.Namespace, v.Name, opts); err != nil &&
			!registry.IsNotFound(err) && !registry.IsConflict(err) {
			errs = append(errs, fmt.Errorf("preempt %s/%s for %s/%s: %w", v.Namespace, v.Name,
				res.Pod.Namespace, res.Pod.Name, err))
		}
	}
	return errors.Join(errs...)
}

// writeCondition records why the pod is not scheduled, rereading it so
// that a concurrent write is not undone, and writing only when something
// changed: a pod retried every few seconds does not rewrite its status.
func (w *WriteBack) writeCondition(ctx context.Context, res scheduler.Result) error {
	want := res.Condition(w.Clock.Now())
	for range statusRetries {
		obj, err := w.Client.Get(ctx, podKind, res.Pod.Namespace, res.Pod.Name)
		if registry.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pod %s/%s: %w", res.Pod.Namespace, res.Pod.Name, err)
		}
		cur := obj.(*api.Pod)
		if cur.UID != res.Pod.UID || cur.Spec.NodeName != "" || cur.DeletionTimestamp != nil {
			return nil // replaced, bound by someone else, or going away
		}
		next, changed := withCondition(cur, want, res.NominatedNodeName)
		if !changed {
			return nil
		}
		_, err = w.Client.Update(ctx, podKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
		if err == nil || registry.IsNotFound(err) {
			return nil
		}
		if !registry.IsConflict(err) {
			return fmt.Errorf("write PodScheduled of %s/%s: %w", res.Pod.Namespace, res.Pod.Name, err)
		}
	}
	return nil // lost the race repeatedly; the next attempt writes it
}

// withCondition returns a copy of pod with the condition and nomination
// applied, and whether that changes anything. The transition time moves
// only when the condition's status does, as on Kubernetes.
func withCondition(pod *api.Pod, c api.PodCondition, nominated string) (*api.Pod, bool) {
	next := pod.DeepCopy()
	changed := false
	if nominated != "" && next.Status.NominatedNodeName != nominated {
		next.Status.NominatedNodeName, changed = nominated, true
	}
	for i := range next.Status.Conditions {
		old := &next.Status.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
			return next, changed
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return next, true
	}
	next.Status.Conditions = append(next.Status.Conditions, c)
	return next, true
}
