package daemonset

import (
	"context"
	"reflect"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
)

// calculateStatus counts ds's nodes and pods into a status and returns how
// long until the next ready pod becomes available (0: none pending).
func (c *Controller) calculateStatus(ds *api.DaemonSet, v view) (api.DaemonSetStatus, time.Duration) {
	s := api.DaemonSetStatus{ObservedGeneration: ds.Generation,
		CollisionCount: ds.Status.CollisionCount, Conditions: ds.Status.Conditions}
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	now := c.clock.Now()
	var wait time.Duration
	for _, ns := range v.nodes {
		scheduled := len(ns.pods) > 0
		switch {
		case scheduled && !ns.should:
			s.NumberMisscheduled++
		case scheduled:
			s.CurrentNumberScheduled++
		}
		if !ns.should {
			continue
		}
		s.DesiredNumberScheduled++
		if !scheduled {
			continue
		}
		if slices.ContainsFunc(ns.pods, func(p *api.Pod) bool { return p.Labels[RevisionHashLabel] == v.hash }) {
			s.UpdatedNumberScheduled++
		}
		p := ns.pods[0]
		if controllers.IsPodReady(p) {
			s.NumberReady++
		}
		if ok, left := available(p, minReady, now); ok {
			s.NumberAvailable++
		} else if left > 0 && (wait == 0 || left < wait) {
			wait = left
		}
	}
	s.NumberUnavailable = s.DesiredNumberScheduled - s.NumberAvailable
	return s, wait
}

// updateStatus writes status through the status subresource when it
// differs from what ds shows.
func (c *Controller) updateStatus(ctx context.Context, ds *api.DaemonSet, status api.DaemonSetStatus) error {
	if reflect.DeepEqual(ds.Status, status) {
		return nil
	}
	next := ds.DeepCopy()
	next.Status = status
	_, err := c.client.Update(ctx, DaemonSetKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if registry.IsNotFound(err) {
		return nil
	}
	return err
}
