package deployment

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// The reasons of the Available and Progressing conditions, as Kubernetes
// sets them and `kubectl rollout status` reads them.
const (
	MinimumReplicasAvailable   = "MinimumReplicasAvailable"
	MinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	NewRSCreatedReason         = "NewReplicaSetCreated"
	FoundNewRSReason           = "FoundNewReplicaSet"
	ReplicaSetUpdatedReason    = "ReplicaSetUpdated"
	NewRSAvailableReason       = "NewReplicaSetAvailable"
	TimedOutReason             = "ProgressDeadlineExceeded"
	PausedReason               = "DeploymentPaused"
	ResumedReason              = "DeploymentResumed"
)

// deadlineSlack puts the deadline check strictly after the deadline, as
// timedOut compares strictly.
const deadlineSlack = time.Millisecond

// hasProgressDeadline reports whether d asks for progress tracking (a
// deadline of MaxInt32 seconds means never, as in Kubernetes).
func hasProgressDeadline(d *api.Deployment) bool {
	p := d.Spec.ProgressDeadlineSeconds
	return p != nil && *p != math.MaxInt32
}

// progressDeadline is d's progress deadline as a duration.
func progressDeadline(d *api.Deployment) time.Duration {
	return time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
}

// condition returns the status's condition of type t, or nil.
func condition(s *api.DeploymentStatus, t api.DeploymentConditionType) *api.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

// removeCondition drops the condition of type t from s.
func removeCondition(s *api.DeploymentStatus, t api.DeploymentConditionType) {
	s.Conditions = slices.DeleteFunc(s.Conditions, func(c api.DeploymentCondition) bool { return c.Type == t })
	if len(s.Conditions) == 0 {
		s.Conditions = nil
	}
}

// setCondition sets a condition stamped now; an identical status and
// reason leaves the existing one untouched, and an unchanged status keeps
// its transition time, as Kubernetes does.
func (c *Controller) setCondition(s *api.DeploymentStatus, t api.DeploymentConditionType, status api.ConditionStatus, reason, msg string) {
	now := api.NewTime(c.clock.Now())
	next := api.DeploymentCondition{Type: t, Status: status, Reason: reason, Message: msg,
		LastUpdateTime: now, LastTransitionTime: now}
	if cur := condition(s, t); cur != nil {
		if cur.Status == status && cur.Reason == reason {
			return
		}
		if cur.Status == status {
			next.LastTransitionTime = cur.LastTransitionTime
		}
	}
	removeCondition(s, t)
	s.Conditions = append(s.Conditions, next)
}

// calculateStatus counts d's ReplicaSets into a status, keeping d's
// conditions and setting Available from the minimum availability.
func (c *Controller) calculateStatus(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) api.DeploymentStatus {
	s := api.DeploymentStatus{ObservedGeneration: d.Generation, CollisionCount: d.Status.CollisionCount,
		Conditions: slices.Clone(d.Status.Conditions)}
	for _, rs := range all {
		s.Replicas += rs.Status.Replicas
		s.ReadyReplicas += rs.Status.ReadyReplicas
		s.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		s.UpdatedReplicas = newRS.Status.Replicas
	}
	s.UnavailableReplicas = max(replicas(d)-s.AvailableReplicas, 0)
	_, maxUnavailable := fenceposts(d)
	if s.AvailableReplicas >= replicas(d)-maxUnavailable {
		c.setCondition(&s, api.DeploymentAvailable, api.ConditionTrue, MinimumReplicasAvailable,
			"Deployment has minimum availability.")
	} else {
		c.setCondition(&s, api.DeploymentAvailable, api.ConditionFalse, MinimumReplicasUnavailable,
			"Deployment does not have minimum availability.")
	}
	return s
}

// complete reports whether s shows d fully rolled out: every replica
// updated and available, no old ones left, this generation observed.
func complete(d *api.Deployment, s *api.DeploymentStatus) bool {
	n := replicas(d)
	return s.UpdatedReplicas == n && s.Replicas == n && s.AvailableReplicas == n &&
		s.ObservedGeneration >= d.Generation
}

// progressing reports whether s moved on from d's last status: more
// updated, ready or available replicas, or fewer old ones.
func progressing(d *api.Deployment, s *api.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas || s.AvailableReplicas > old.AvailableReplicas
}

// timedOut reports whether d's Progressing condition was last updated
// longer than the progress deadline ago.
func (c *Controller) timedOut(d *api.Deployment, s *api.DeploymentStatus) bool {
	cond := condition(s, api.DeploymentProgressing)
	if !hasProgressDeadline(d) || cond == nil || cond.Reason == NewRSAvailableReason {
		return false
	}
	if cond.Reason == TimedOutReason {
		return true
	}
	return cond.LastUpdateTime.Add(progressDeadline(d)).Before(c.clock.Now())
}

// rolloutStatus computes d's status after a rollout step, moving the
// Progressing condition (available, progressing or timed out), and
// returns when the deadline check is next due (0: not needed).
func (c *Controller) rolloutStatus(d *api.Deployment, all []*api.ReplicaSet, newRS *api.ReplicaSet) (api.DeploymentStatus, time.Duration) {
	s := c.calculateStatus(d, all, newRS)
	if !hasProgressDeadline(d) {
		removeCondition(&s, api.DeploymentProgressing)
		return s, 0
	}
	cur := condition(&s, api.DeploymentProgressing)
	done := s.Replicas == s.UpdatedReplicas && cur != nil && cur.Reason == NewRSAvailableReason
	if !done {
		c.moveProgressing(d, &s, newRS)
	}
	return s, c.untilDeadline(d, &s)
}

// moveProgressing sets the Progressing condition a rollout step earned.
func (c *Controller) moveProgressing(d *api.Deployment, s *api.DeploymentStatus, newRS *api.ReplicaSet) {
	name := ""
	if newRS != nil {
		name = newRS.Name
	}
	switch {
	case complete(d, s):
		c.setCondition(s, api.DeploymentProgressing, api.ConditionTrue, NewRSAvailableReason,
			fmt.Sprintf("ReplicaSet %q has successfully progressed.", name))
	case progressing(d, s):
		prev := condition(s, api.DeploymentProgressing)
		var since api.Time
		if prev != nil && prev.Status == api.ConditionTrue {
			since = prev.LastTransitionTime
		}
		removeCondition(s, api.DeploymentProgressing) // progress refreshes lastUpdateTime
		c.setCondition(s, api.DeploymentProgressing, api.ConditionTrue, ReplicaSetUpdatedReason,
			fmt.Sprintf("ReplicaSet %q is progressing.", name))
		if !since.IsZero() {
			condition(s, api.DeploymentProgressing).LastTransitionTime = since
		}
	case c.timedOut(d, s):
		c.setCondition(s, api.DeploymentProgressing, api.ConditionFalse, TimedOutReason,
			fmt.Sprintf("ReplicaSet %q has timed out progressing.", name))
	}
}

// untilDeadline is how long until a stuck rollout's progress deadline
// passes, so the driver calls again to mark it; 0 when nothing is pending.
func (c *Controller) untilDeadline(d *api.Deployment, s *api.DeploymentStatus) time.Duration {
	cond := condition(s, api.DeploymentProgressing)
	if cond == nil || complete(d, s) || cond.Reason == TimedOutReason || cond.Reason == NewRSAvailableReason {
		return 0
	}
	left := cond.LastUpdateTime.Add(progressDeadline(d)).Sub(c.clock.Now())
	return max(left, 0) + deadlineSlack
}

// checkPausedCondition marks the Progressing condition DeploymentPaused
// while d is paused and DeploymentResumed when it is resumed, unless the
// rollout already timed out.
func (c *Controller) checkPausedCondition(d *api.Deployment) {
	if !hasProgressDeadline(d) {
		return
	}
	cond := condition(&d.Status, api.DeploymentProgressing)
	if cond != nil && cond.Reason == TimedOutReason {
		return
	}
	paused := cond != nil && cond.Reason == PausedReason
	switch {
	case d.Spec.Paused && !paused:
		c.setCondition(&d.Status, api.DeploymentProgressing, api.ConditionUnknown, PausedReason, "Deployment is paused")
	case !d.Spec.Paused && paused:
		c.setCondition(&d.Status, api.DeploymentProgressing, api.ConditionUnknown, ResumedReason, "Deployment is resumed")
	}
}
