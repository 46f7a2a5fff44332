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
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
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
	podKind  = api.MustLookupKind(api.CoreV1, "Pod")
	nodeKind = api.MustLookupKind(api.CoreV1, "Node")
)

// statusRetries bounds retries of a status write after a concurrent
// change to the pod.
const statusRetries = 3

// ReasonPreemptionByScheduler is the DisruptionTarget reason of a victim,
// as Kubernetes names it, so tools that look for it find it.
const ReasonPreemptionByScheduler = "PreemptionByScheduler"

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

// preempt deletes the victims a preemption chose, as kube-scheduler does:
// each is first marked DisruptionTarget (so its owner and the user see why
// it goes), then deleted, then told whom it made room for. A victim
// already gone is fine.
func (w *WriteBack) preempt(ctx context.Context, res scheduler.Result) error {
	var errs []error
	preemptor := res.Pod
	for _, v := range res.Victims {
		mark := disruption(preemptor, w.Clock.Now())
		err := w.updateStatus(ctx, v, func(p *api.Pod) bool { return setCondition(&p.Status, mark) })
		deleted := false
		if err == nil {
			deleted, err = w.deleteVictim(ctx, v)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("preempt %s/%s for %s/%s: %w", v.Namespace, v.Name,
				preemptor.Namespace, preemptor.Name, err))
		}
		if deleted {
			w.event(v, api.EventTypeNormal, "Preempted", "Preempted by pod %s on node %s",
				preemptor.UID, res.NominatedNodeName)
		}
	}
	return errors.Join(errs...)
}

// disruption is the condition a victim carries while it terminates.
func disruption(preemptor *api.Pod, now time.Time) api.PodCondition {
	name := preemptor.Spec.SchedulerName
	if name == "" {
		name = framework.DefaultSchedulerName
	}
	return api.PodCondition{Type: api.DisruptionTarget, Status: api.ConditionTrue,
		Reason: ReasonPreemptionByScheduler, LastTransitionTime: api.NewTime(now),
		Message: name + ": preempting to accommodate a higher priority pod"}
}

// deleteVictim deletes exactly the victim chosen, not a pod that took its
// name, and reports whether it did (false when it was already gone).
func (w *WriteBack) deleteVictim(ctx context.Context, v *api.Pod) (bool, error) {
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: v.UID}}
	_, _, err := w.Client.Delete(ctx, podKind, v.Namespace, v.Name, opts)
	switch {
	case err == nil:
		return true, nil
	case registry.IsNotFound(err) || registry.IsConflict(err):
		return false, nil
	default:
		return false, fmt.Errorf("delete: %w", err)
	}
}

// writeCondition records why the pod is not scheduled and where it was
// nominated, unless it has been bound or is going away meanwhile.
func (w *WriteBack) writeCondition(ctx context.Context, res scheduler.Result) error {
	want := res.Condition(w.Clock.Now())
	return w.updateStatus(ctx, res.Pod, func(p *api.Pod) bool {
		if p.Spec.NodeName != "" || p.DeletionTimestamp != nil {
			return false
		}
		changed := setCondition(&p.Status, want)
		if n := res.NominatedNodeName; n != "" && p.Status.NominatedNodeName != n {
			p.Status.NominatedNodeName, changed = n, true
		}
		return changed
	})
}

// updateStatus rereads pod, applies change to a copy and writes it through
// the status subresource only when change reports a difference, so a pod
// retried every few seconds is not rewritten. A pod deleted or replaced
// meanwhile is left alone; a concurrent write is retried on the new version.
func (w *WriteBack) updateStatus(ctx context.Context, pod *api.Pod, change func(*api.Pod) bool) error {
	for range statusRetries {
		obj, err := w.Client.Get(ctx, podKind, pod.Namespace, pod.Name)
		if registry.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		next := obj.(*api.Pod).DeepCopy()
		if next.UID != pod.UID || !change(next) {
			return nil
		}
		_, err = w.Client.Update(ctx, podKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
		if err == nil || registry.IsNotFound(err) {
			return nil
		}
		if !registry.IsConflict(err) {
			return fmt.Errorf("write status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
	return nil // lost the race repeatedly; the next attempt writes it
}

// setCondition puts c into status and reports whether that changed
// anything. The transition time moves only when the condition's status
// does, as on Kubernetes.
func setCondition(status *api.PodStatus, c api.PodCondition) bool {
	for i := range status.Conditions {
		old := &status.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status && old.Reason == c.Reason && old.Message == c.Message {
			return false
		}
		if old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
		*old = c
		return true
	}
	status.Conditions = append(status.Conditions, c)
	return true
}
