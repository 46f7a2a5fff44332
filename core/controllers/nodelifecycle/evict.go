package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// podsByNode gives a node's live (not terminating) pods, in key order.
type podsByNode func(node string) []*api.Pod

// evictPods deletes the node's pods that its NoExecute taints no longer
// allow and returns how long until the next toleration runs out (0: none).
func (c *Controller) evictPods(ctx context.Context, n *api.Node, now time.Time, pods podsByNode) (time.Duration, error) {
	taints := noExecuteTaints(n)
	if len(taints) == 0 {
		return 0, nil
	}
	var wait time.Duration
	var errs []error
	for _, p := range pods(n.Name) {
		deadline, ok := evictionDeadline(p, taints, n.CreationTimestamp.Time)
		if !ok {
			continue
		}
		if d := deadline.Sub(now); d > 0 {
			if wait == 0 || d < wait {
				wait = d
			}
			continue
		}
		errs = append(errs, c.deletePod(ctx, p))
	}
	return wait, errors.Join(errs...)
}

// deletePod deletes p, guarded by its UID; a pod already gone is no error.
func (c *Controller) deletePod(ctx context.Context, p *api.Pod) error {
	c.Events.Eventf(p, api.EventTypeNormal, "TaintManagerEviction", "Marking for deletion Pod %s", p.Key())
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: p.UID}}
	_, _, err := c.client.Delete(ctx, controllers.PodKind, p.Namespace, p.Name, opts)
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("evict pod %s: %w", p.Key(), err)
	}
	return nil
}

// markPodsNotReady sets Ready=False on the pods of a node that is not
// ready, as Kubernetes does, so Services and ReplicaSets stop counting on
// them before they are evicted; the node agent sets them Ready again when
// it is back.
func (c *Controller) markPodsNotReady(ctx context.Context, n *api.Node, now time.Time, pods podsByNode) error {
	var errs []error
	for _, p := range pods(n.Name) {
		cond := controllers.PodReadyCondition(p)
		if cond == nil || cond.Status != api.ConditionTrue {
			continue
		}
		next := p.DeepCopy()
		cond = controllers.PodReadyCondition(next)
		cond.Status, cond.LastTransitionTime = api.ConditionFalse, api.NewTime(now)
		cond.Reason, cond.Message = "NodeNotReady", "Node "+n.Name+" is not ready"
		_, err := c.client.Update(ctx, controllers.PodKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
		if err != nil && !registry.IsNotFound(err) && !registry.IsConflict(err) {
			errs = append(errs, fmt.Errorf("mark pod %s not ready: %w", p.Key(), err))
		}
	}
	return errors.Join(errs...)
}

// noExecuteTaints are the node's NoExecute taints.
func noExecuteTaints(n *api.Node) []api.Taint {
	var out []api.Taint
	for _, t := range n.Spec.Taints {
		if t.Effect == api.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// evictionDeadline is when the pod must go: at once for a taint it doesn't
// tolerate, else the earliest time a matching toleration's seconds run out
// counted from its taint's timeAdded (the node's creation when unset); ok
// is false when every taint is tolerated for ever.
func evictionDeadline(p *api.Pod, taints []api.Taint, fallback time.Time) (deadline time.Time, ok bool) {
	for _, t := range taints {
		secs, tolerated := minTolerationSeconds(p.Spec.Tolerations, t)
		if !tolerated {
			return time.Time{}, true
		}
		if secs == nil {
			continue
		}
		added := fallback
		if t.TimeAdded != nil {
			added = t.TimeAdded.Time
		}
		d := added.Add(time.Duration(*secs) * time.Second)
		if !ok || d.Before(deadline) {
			deadline, ok = d, true
		}
	}
	return deadline, ok
}

// minTolerationSeconds reports whether any toleration matches the taint
// and the smallest tolerationSeconds among those that match (nil: for ever),
// as Kubernetes' getMinTolerationTime.
func minTolerationSeconds(ts []api.Toleration, taint api.Taint) (*int64, bool) {
	var secs *int64
	tolerated := false
	for _, tol := range ts {
		if !tolerates(tol, taint) {
			continue
		}
		tolerated = true
		if s := tol.TolerationSeconds; s != nil {
			v := max(*s, 0)
			if secs == nil || v < *secs {
				secs = &v
			}
		}
	}
	return secs, tolerated
}

// tolerates reports whether one toleration matches a taint.
func tolerates(tol api.Toleration, taint api.Taint) bool {
	if tol.Effect != "" && tol.Effect != taint.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != taint.Key {
		return false
	}
	switch tol.Operator {
	case api.TolerationOpExists:
		return true
	case "", api.TolerationOpEqual:
		return tol.Key != "" && tol.Value == taint.Value
	}
	return false
}
