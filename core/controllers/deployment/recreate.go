package deployment

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// rolloutRecreate takes one Recreate step: scale every old ReplicaSet to
// 0, wait until none of their pods runs, then create or scale the new
// ReplicaSet to spec.replicas, so old and new pods never run together.
func (c *Controller) rolloutRecreate(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) (time.Duration, error) {
	newRS, old, err := c.getReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return 0, err
	}
	active := activeReplicaSets(old)
	if len(active) > 0 {
		newRS, old, err = c.scaleAll(ctx, d, newRS, old, func(*api.ReplicaSet) int32 { return 0 }, active)
		if err != nil {
			return 0, err
		}
		return c.finishStep(d, withNew(old, newRS), newRS), nil
	}
	if c.oldPodsRunning(old) {
		return c.finishStep(d, withNew(old, newRS), newRS), nil
	}
	if newRS == nil {
		if newRS, err = c.createNewReplicaSet(ctx, d, old, maxRevision(old)+1); err != nil {
			return 0, err
		}
	}
	if _, newRS, err = c.scaleReplicaSet(ctx, d, newRS, replicas(d)); err != nil {
		return 0, err
	}
	if s := c.calculateStatus(d, withNew(old, newRS), newRS); complete(d, &s) {
		if err := c.cleanupOldReplicaSets(ctx, d, old); err != nil {
			return 0, err
		}
	}
	return c.finishStep(d, withNew(old, newRS), newRS), nil
}

// oldPodsRunning reports whether any old ReplicaSet still reports
// replicas or still has a pod that has not finished (including pods
// being deleted, which may still run).
func (c *Controller) oldPodsRunning(old []*api.ReplicaSet) bool {
	for _, rs := range old {
		if rs.Status.Replicas > 0 {
			return true
		}
		for _, o := range c.podCache.ByOwner(rs.UID) {
			if ph := o.(*api.Pod).Status.Phase; ph != api.PodSucceeded && ph != api.PodFailed {
				return true
			}
		}
	}
	return false
}
