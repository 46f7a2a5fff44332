package deployment

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// isScalingEvent reports whether d's spec.replicas differs from the
// desired replicas recorded on any of its active ReplicaSets, i.e. d was
// resized since they were last scaled.
func isScalingEvent(d *api.Deployment, rsList []*api.ReplicaSet) bool {
	newRS, old := splitReplicaSets(d, rsList)
	if newRS == nil {
		return false
	}
	for _, rs := range activeReplicaSets(withNew(old, newRS)) {
		if desired, ok := intAnnotation(rs, DesiredReplicasAnnotation); ok && desired != replicas(d) {
			return true
		}
	}
	return false
}

// syncScale resizes d's ReplicaSets without rolling out (the path of a
// paused or resized Deployment), prunes history while paused, and
// recomputes the status.
func (c *Controller) syncScale(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) error {
	newRS, old, err := c.getReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if newRS, old, err = c.scale(ctx, d, newRS, old); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanupOldReplicaSets(ctx, d, old); err != nil {
			return err
		}
	}
	d.Status = c.calculateStatus(d, withNew(old, newRS), newRS)
	return nil
}

// scale sizes d's ReplicaSets to spec.replicas: the one active ReplicaSet
// directly, the old ones to 0 once the new one is saturated, and during a
// rolling update all active ones in proportion to their size.
func (c *Controller) scale(ctx context.Context, d *api.Deployment, newRS *api.ReplicaSet, old []*api.ReplicaSet) (*api.ReplicaSet, []*api.ReplicaSet, error) {
	if one := activeOrLatest(newRS, old); one != nil {
		if rsReplicas(one) == replicas(d) {
			return newRS, old, nil
		}
		_, out, err := c.scaleReplicaSet(ctx, d, one, replicas(d))
		if err != nil {
			return nil, nil, err
		}
		return splitUpdated(newRS, old, out)
	}
	if saturated(d, newRS) {
		return c.scaleAll(ctx, d, newRS, old, func(rs *api.ReplicaSet) int32 { return 0 }, activeReplicaSets(old))
	}
	if d.Spec.Strategy.Type != api.RollingUpdateDeploymentStrategyType {
		return newRS, old, nil
	}
	all := activeReplicaSets(withNew(old, newRS))
	sizes := proportionalSizes(d, all)
	return c.scaleAll(ctx, d, newRS, old, func(rs *api.ReplicaSet) int32 { return sizes[rs.UID] }, all)
}

// scaleAll scales each of targets to size(target), returning d's
// ReplicaSets as stored afterwards.
func (c *Controller) scaleAll(ctx context.Context, d *api.Deployment, newRS *api.ReplicaSet, old []*api.ReplicaSet,
	size func(*api.ReplicaSet) int32, targets []*api.ReplicaSet) (*api.ReplicaSet, []*api.ReplicaSet, error) {
	for _, rs := range targets {
		_, out, err := c.scaleReplicaSet(ctx, d, rs, size(rs))
		if err != nil {
			return nil, nil, err
		}
		if newRS, old, err = splitUpdated(newRS, old, out); err != nil {
			return nil, nil, err
		}
	}
	return newRS, old, nil
}

// splitUpdated puts the stored version of one ReplicaSet back in its place.
func splitUpdated(newRS *api.ReplicaSet, old []*api.ReplicaSet, out *api.ReplicaSet) (*api.ReplicaSet, []*api.ReplicaSet, error) {
	if newRS != nil && newRS.UID == out.UID {
		return out, old, nil
	}
	return newRS, replaceByUID(old, out), nil
}

// replaceByUID returns a copy of rss with the element of out's UID replaced by out.
func replaceByUID(rss []*api.ReplicaSet, out *api.ReplicaSet) []*api.ReplicaSet {
	res := slices.Clone(rss)
	for i := range res {
		if res[i].UID == out.UID {
			res[i] = out
		}
	}
	return res
}

// activeOrLatest is the only active ReplicaSet, or when none is active the
// new one (else the newest old one); nil when several are active.
func activeOrLatest(newRS *api.ReplicaSet, old []*api.ReplicaSet) *api.ReplicaSet {
	active := activeReplicaSets(withNew(old, newRS))
	switch {
	case len(active) == 1:
		return active[0]
	case len(active) > 1:
		return nil
	case newRS != nil:
		return newRS
	case len(old) > 0:
		return slices.MaxFunc(old, byCreation)
	}
	return nil
}

// saturated reports whether the new ReplicaSet runs all of d's replicas, available.
func saturated(d *api.Deployment, newRS *api.ReplicaSet) bool {
	if newRS == nil {
		return false
	}
	desired, ok := intAnnotation(newRS, DesiredReplicasAnnotation)
	return ok && desired == replicas(d) && rsReplicas(newRS) == replicas(d) &&
		newRS.Status.AvailableReplicas == replicas(d)
}

// proportionalSizes spreads a resize of d over its active ReplicaSets in
// proportion to their size relative to the max replicas they were last
// scaled for; the rounding leftover goes to the largest one.
func proportionalSizes(d *api.Deployment, active []*api.ReplicaSet) map[string]int32 {
	surge, _ := fenceposts(d)
	allowed := int32(0)
	if replicas(d) > 0 {
		allowed = replicas(d) + surge
	}
	toAdd := allowed - specReplicas(active)
	sorted := slices.Clone(active)
	slices.SortFunc(sorted, func(a, b *api.ReplicaSet) int {
		if c := cmp.Compare(rsReplicas(b), rsReplicas(a)); c != 0 {
			return c
		}
		if toAdd > 0 {
			return byCreation(b, a) // scaling up: newer first
		}
		return byCreation(a, b)
	})
	sizes := map[string]int32{}
	var added int32
	for _, rs := range sorted {
		p := proportion(d, rs, toAdd, added)
		sizes[rs.UID] = rsReplicas(rs) + p
		added += p
	}
	if len(sorted) > 0 && toAdd != 0 {
		first := sorted[0].UID
		sizes[first] = max(sizes[first]+toAdd-added, 0)
	}
	return sizes
}

// proportion is how many replicas rs gains (or loses) of toAdd, bounded
// by what is left after added.
func proportion(d *api.Deployment, rs *api.ReplicaSet, toAdd, added int32) int32 {
	if rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(d, rs)
	if toAdd > 0 {
		return min(f, toAdd-added)
	}
	return max(f, toAdd-added)
}

// fraction is rs's share of d's resize: its size scaled by the ratio of
// d's new max replicas to the max replicas rs was last scaled for.
func fraction(d *api.Deployment, rs *api.ReplicaSet) int32 {
	if replicas(d) == 0 {
		return -rsReplicas(rs)
	}
	surge, _ := fenceposts(d)
	annotated, ok := intAnnotation(rs, MaxReplicasAnnotation)
	if !ok {
		annotated = d.Status.Replicas
	}
	if annotated <= 0 {
		return 0
	}
	size := float64(rsReplicas(rs)) * float64(replicas(d)+surge) / float64(annotated)
	return int32(math.Round(size)) - rsReplicas(rs)
}
