package replicaset

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
)

// calculateStatus counts rs's active pods into a status and returns how
// long until the next ready pod becomes available (0: none pending).
func (c *Controller) calculateStatus(rs *api.ReplicaSet, active []*api.Pod, failure string, manageErr error) (api.ReplicaSetStatus, time.Duration) {
	s := api.ReplicaSetStatus{ObservedGeneration: rs.Generation}
	templateSel := labels.SelectorFromSet(labels.Set(rs.Spec.Template.Labels))
	// active were claimed through the selector; when it asks for exactly
	// the template's labels (a Deployment's ReplicaSets do) they carry them all.
	sel := rs.Spec.Selector
	fully := sel != nil && len(sel.MatchExpressions) == 0 && maps.Equal(sel.MatchLabels, rs.Spec.Template.Labels)
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	now := c.clock.Now()
	var wait time.Duration
	for _, p := range active {
		s.Replicas++
		if fully || templateSel.Matches(labels.Set(p.Labels)) {
			s.FullyLabeledReplicas++
		}
		if !controllers.IsPodReady(p) {
			continue
		}
		s.ReadyReplicas++
		if left, ok := untilAvailable(p, minReady, now); ok {
			s.AvailableReplicas++
		} else if left > 0 && (wait == 0 || left < wait) {
			wait = left
		}
	}
	s.Conditions = c.conditions(rs.Status.Conditions, failure, manageErr)
	return s, wait
}

// untilAvailable reports whether a ready pod has been ready for minReady,
// and if not, how long remains (0 when unknowable).
func untilAvailable(p *api.Pod, minReady time.Duration, now time.Time) (time.Duration, bool) {
	if minReady == 0 {
		return 0, true
	}
	cond := controllers.PodReadyCondition(p)
	if cond.LastTransitionTime.IsZero() {
		return 0, false
	}
	at := cond.LastTransitionTime.Add(minReady)
	if !now.Before(at) {
		return 0, true
	}
	return at.Sub(now), false
}

// conditions sets ReplicaFailure while creates or deletes fail and removes
// it once they succeed, keeping the other conditions.
func (c *Controller) conditions(cur []api.ReplicaSetCondition, failure string, manageErr error) []api.ReplicaSetCondition {
	i := slices.IndexFunc(cur, func(x api.ReplicaSetCondition) bool { return x.Type == ReplicaFailure })
	switch {
	case manageErr != nil && i < 0:
		out := slices.Clone(cur)
		return append(out, api.ReplicaSetCondition{Type: ReplicaFailure, Status: api.ConditionTrue,
			LastTransitionTime: api.NewTime(c.clock.Now()), Reason: failure, Message: manageErr.Error()})
	case manageErr == nil && i >= 0:
		out := slices.Delete(slices.Clone(cur), i, i+1)
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return slices.Clone(cur)
}

// updateStatus writes status through the status subresource when it
// differs from what rs shows.
func (c *Controller) updateStatus(ctx context.Context, rs *api.ReplicaSet, status api.ReplicaSetStatus) error {
	if reflect.DeepEqual(rs.Status, status) {
		return nil
	}
	next := rs.DeepCopy()
	next.Status = status
	_, err := c.client.Update(ctx, controllers.ReplicaSetKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if registry.IsNotFound(err) {
		return nil
	}
	return err
}
