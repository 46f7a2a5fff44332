package daemonset

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
)

// act makes one round of changes: deletes first (stray, extra, misplaced
// pods, then old pods the rolling update may replace), creates only when
// nothing is to be deleted, since one expectations record covers one kind
// of change at a time.
func (c *Controller) act(ctx context.Context, key controllers.Key, ds *api.DaemonSet, v view) error {
	deletes := append([]*api.Pod(nil), v.stray...)
	var creates []string
	for _, ns := range v.nodes {
		switch {
		case !ns.should:
			deletes = append(deletes, ns.pods...)
		case len(ns.pods) == 0:
			creates = append(creates, ns.node.Name)
		default:
			deletes = append(deletes, ns.pods[1:]...)
		}
	}
	if len(deletes) == 0 && ds.Spec.UpdateStrategy.Type != api.OnDeleteDaemonSetStrategyType {
		deletes = rollingDeletes(ds, v, c.clock.Now())
	}
	if len(deletes) > 0 {
		return c.deletePods(ctx, key, ds, deletes)
	}
	if len(creates) > 0 {
		return c.createPods(ctx, key, ds, creates)
	}
	return nil
}

// rollingDeletes picks the old-template pods a rolling update (maxSurge 0)
// deletes now: every old pod that is unavailable anyway, then available
// ones while fewer than maxUnavailable eligible nodes lack an available pod.
func rollingDeletes(ds *api.DaemonSet, v view, now time.Time) []*api.Pod {
	var deletes, oldAvailable []*api.Pod
	unavailable, desired := 0, 0
	minReady := time.Duration(ds.Spec.MinReadySeconds) * time.Second
	for _, ns := range v.nodes {
		if !ns.should {
			continue
		}
		desired++
		if len(ns.pods) == 0 {
			unavailable++
			continue
		}
		p := ns.pods[0]
		ok, _ := available(p, minReady, now)
		if !ok {
			unavailable++
		}
		switch {
		case p.Labels[RevisionHashLabel] == v.hash:
		case !ok:
			deletes = append(deletes, p)
		default:
			oldAvailable = append(oldAvailable, p)
		}
	}
	budget := maxUnavailable(ds, desired)
	for _, p := range oldAvailable {
		if unavailable >= budget {
			break
		}
		deletes = append(deletes, p)
		unavailable++
	}
	return deletes
}

// maxUnavailable resolves the rolling update's maxUnavailable against the
// desired number of pods, rounding percentages up; at least 1, as
// Kubernetes requires when maxSurge is 0.
func maxUnavailable(ds *api.DaemonSet, desired int) int {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil {
		return 1
	}
	n, err := api.ScaledValue(ru.MaxUnavailable, desired, true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// available reports whether a pod has been ready for minReady, and if it
// is ready but not yet long enough, how long remains.
func available(p *api.Pod, minReady time.Duration, now time.Time) (bool, time.Duration) {
	if !controllers.IsPodReady(p) {
		return false, 0
	}
	if minReady == 0 {
		return true, 0
	}
	at := controllers.PodReadyCondition(p).LastTransitionTime.Add(minReady)
	if !now.Before(at) {
		return true, 0
	}
	return false, at.Sub(now)
}
