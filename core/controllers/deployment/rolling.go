package deployment

import (
	"context"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// rolloutRolling takes one RollingUpdate step: scale the new ReplicaSet
// up within maxSurge, or else scale old ones down within maxUnavailable,
// pruning history once the rollout is complete.
func (c *Controller) rolloutRolling(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) (time.Duration, error) {
	newRS, old, err := c.getReplicaSets(ctx, d, rsList, true)
	if err != nil {
		return 0, err
	}
	scaledUp, newRS, err := c.reconcileNewReplicaSet(ctx, d, withNew(old, newRS), newRS)
	if err != nil {
		return 0, err
	}
	if scaledUp {
		return c.finishStep(d, withNew(old, newRS), newRS), nil
	}
	scaledDown, old, err := c.reconcileOldReplicaSets(ctx, d, old, newRS)
	if err != nil {
		return 0, err
	}
	if !scaledDown {
		if s := c.calculateStatus(d, withNew(old, newRS), newRS); complete(d, &s) {
			if err := c.cleanupOldReplicaSets(ctx, d, old); err != nil {
				return 0, err
			}
		}
	}
	return c.finishStep(d, withNew(old, newRS), newRS), nil
}

// finishStep sets d's status after a rollout step and returns when the
// progress deadline needs checking.
func (c *Controller) finishStep(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) time.Duration {
	s, wait := c.rolloutStatus(d, all, newRS)
	d.Status = s
	return wait
}

// newRSReplicas is the size the new ReplicaSet may have now: all of
// spec.replicas for Recreate; for RollingUpdate as many as keep the total
// within replicas+maxSurge.
func newRSReplicas(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) int32 {
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
		return replicas(d)
	}
	surge, _ := fenceposts(d)
	maxTotal := replicas(d) + surge
	current := specReplicas(all)
	if current >= maxTotal {
		return rsReplicas(newRS)
	}
	up := max(min(maxTotal-current, replicas(d)-rsReplicas(newRS)), 0)
	return rsReplicas(newRS) + up
}

// reconcileNewReplicaSet scales the new ReplicaSet towards spec.replicas
// as far as maxSurge allows, reporting whether it changed size.
func (c *Controller) reconcileNewReplicaSet(ctx context.Context, d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) (bool, *api.ReplicaSet, error) {
	if newRS == nil || rsReplicas(newRS) == replicas(d) {
		return false, newRS, nil
	}
	size := replicas(d)
	if rsReplicas(newRS) < replicas(d) {
		size = newRSReplicas(d, all, newRS)
	}
	return c.scaleReplicaSet(ctx, d, newRS, size)
}

// reconcileOldReplicaSets scales old ReplicaSets down as far as
// maxUnavailable allows, unhealthy replicas first, reporting whether any
// were scaled down.
func (c *Controller) reconcileOldReplicaSets(ctx context.Context, d *api.Deployment, old []*api.ReplicaSet, newRS *api.ReplicaSet) (bool, []*api.ReplicaSet, error) {
	if newRS == nil || specReplicas(old) == 0 {
		return false, old, nil
	}
	_, maxUnavailable := fenceposts(d)
	minAvailable := replicas(d) - maxUnavailable
	newUnavailable := rsReplicas(newRS) - newRS.Status.AvailableReplicas
	maxScaledDown := specReplicas(withNew(old, newRS)) - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return false, old, nil
	}
	cleaned, old, err := c.scaleDownOldest(ctx, d, old, maxScaledDown, unavailableOf)
	if err != nil {
		return false, nil, err
	}
	available := availableOf(withNew(old, newRS))
	scaled, old, err := c.scaleDownOldest(ctx, d, old, available-minAvailable, rsReplicas)
	if err != nil {
		return false, nil, err
	}
	return cleaned+scaled > 0, old, nil
}

// unavailableOf is how many of rs's wanted replicas are not available.
func unavailableOf(rs *api.ReplicaSet) int32 {
	return max(rsReplicas(rs)-rs.Status.AvailableReplicas, 0)
}

// availableOf sums the available replicas of rss.
func availableOf(rss []*api.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rs.Status.AvailableReplicas
	}
	return n
}

// scaleDownOldest removes up to limit replicas from old ReplicaSets,
// oldest first, taking at most removable(rs) from each; it returns how
// many it removed and the ReplicaSets as stored afterwards.
func (c *Controller) scaleDownOldest(ctx context.Context, d *api.Deployment, old []*api.ReplicaSet, limit int32,
	removable func(*api.ReplicaSet) int32) (int32, []*api.ReplicaSet, error) {
	sorted := slices.Clone(old)
	slices.SortFunc(sorted, byCreation)
	var total int32
	for _, rs := range sorted {
		if total >= limit {
			break
		}
		n := min(removable(rs), limit-total)
		if rsReplicas(rs) == 0 || n <= 0 {
			continue
		}
		_, out, err := c.scaleReplicaSet(ctx, d, rs, rsReplicas(rs)-n)
		if err != nil {
			return 0, nil, err
		}
		old = replaceByUID(old, out)
		total += n
	}
	return total, old, nil
}
