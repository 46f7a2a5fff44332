package job

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
)

// The reasons of the Job conditions, as Kubernetes sets them.
const (
	ReasonBackoffLimitExceeded = "BackoffLimitExceeded"
	ReasonDeadlineExceeded     = "DeadlineExceeded"
	ReasonCompletionsReached   = "CompletionsReached"
	ReasonSuspended            = "JobSuspended"
	ReasonResumed              = "JobResumed"
)

// podCounts is what a Job's pods add up to in one reconcile.
type podCounts struct {
	active      []*api.Pod
	ready       int32
	succeeded   int32
	failed      int32
	completed   indexSet  // Indexed jobs only
	lastFailure time.Time // when the most recent failed pod finished
}

// count classifies pods; succeeded and failed never go below what status
// already recorded, so pods removed by PodGC are not forgotten.
func count(j *api.Job, pods []*api.Pod) podCounts {
	cnt := podCounts{completed: parseIndexes(j.Status.CompletedIndexes)}
	var succeeded, failed int32
	for _, p := range pods {
		switch {
		case p.Status.Phase == api.PodSucceeded:
			succeeded++
			if i, ok := podIndex(p); ok && indexed(j) && i < completions(j) {
				cnt.completed = cnt.completed.add(i)
			}
		case p.Status.Phase == api.PodFailed:
			failed++
			if t := finishTime(p); t.After(cnt.lastFailure) {
				cnt.lastFailure = t
			}
		case controllers.IsPodActive(p):
			cnt.active = append(cnt.active, p)
			if controllers.IsPodReady(p) {
				cnt.ready++
			}
		}
	}
	cnt.succeeded = max(j.Status.Succeeded, succeeded)
	if indexed(j) {
		cnt.succeeded = max(j.Status.Succeeded, int32(cnt.completed.len()))
	}
	cnt.failed = max(j.Status.Failed, failed)
	return cnt
}

// finishTime is when a finished pod's last container ended, else when its
// Ready condition last changed, else when it was created.
func finishTime(p *api.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if t.IsZero() {
		if c := controllers.PodReadyCondition(p); c != nil {
			t = c.LastTransitionTime.Time
		}
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t
}

// sync runs one step of an unfinished Job and writes its status.
func (c *Controller) sync(ctx context.Context, key controllers.Key, j *api.Job, pods []*api.Pod) (controllers.Result, error) {
	now := c.clock.Now()
	st := j.Status.DeepCopy()
	cnt := count(j, pods)
	var res controllers.Result
	var actErr error
	switch {
	case deref(j.Spec.Suspend):
		actErr = c.deletePods(ctx, key, cnt.active)
		cnt.active, cnt.ready = nil, 0
		st.Conditions = setCondition(st.Conditions, api.JobSuspended, api.ConditionTrue, ReasonSuspended, "Job suspended", now)
	default:
		res, actErr = c.run(ctx, key, j, st, &cnt)
	}
	fillCounts(j, st, cnt)
	if err := c.updateStatus(ctx, j, st); err != nil {
		return controllers.Result{}, fmt.Errorf("update status: %w", err)
	}
	if actErr != nil {
		return controllers.Result{}, actErr
	}
	if finished(&api.Job{Status: *st}) {
		return c.ttlResult(j.Spec.TTLSecondsAfterFinished, st, now), nil
	}
	return res, nil
}

// run handles a Job that is not suspended: resume, start, fail, complete
// or manage its pods.
func (c *Controller) run(ctx context.Context, key controllers.Key, j *api.Job, st *api.JobStatus, cnt *podCounts) (controllers.Result, error) {
	now := c.clock.Now()
	if cond := findCondition(st.Conditions, api.JobSuspended); cond != nil && cond.Status == api.ConditionTrue {
		st.Conditions = setCondition(st.Conditions, api.JobSuspended, api.ConditionFalse, ReasonResumed, "Job resumed", now)
		st.StartTime = nil // the deadline counts from the resume, as in Kubernetes
	}
	if st.StartTime == nil {
		t := api.NewTime(now)
		st.StartTime = &t
	}
	if reason, msg := failure(j, st, *cnt, now); reason != "" {
		err := c.deletePods(ctx, key, cnt.active)
		cnt.active, cnt.ready = nil, 0
		st.Conditions = setCondition(st.Conditions, api.JobFailed, api.ConditionTrue, reason, msg, now)
		c.Events.Eventf(j, api.EventTypeWarning, reason, "%s", msg)
		return controllers.Result{}, err
	}
	if complete(j, *cnt) {
		err := c.deletePods(ctx, key, cnt.active)
		cnt.active, cnt.ready = nil, 0
		t := api.NewTime(now)
		st.CompletionTime = &t
		st.Conditions = setCondition(st.Conditions, api.JobComplete, api.ConditionTrue, ReasonCompletionsReached, "Reached expected number of succeeded pods", now)
		c.Events.Eventf(j, api.EventTypeNormal, "Completed", "Job completed")
		return controllers.Result{}, err
	}
	res, err := c.manage(ctx, key, j, cnt)
	if d := untilDeadline(j, st, now); d > 0 && (res.RequeueAfter == 0 || d < res.RequeueAfter) {
		res.RequeueAfter = d
	}
	return res, err
}

// failure returns the reason and message of the Failed condition j has
// earned, or "" while it may still run.
func failure(j *api.Job, st *api.JobStatus, cnt podCounts, now time.Time) (string, string) {
	if j.Spec.BackoffLimit != nil && cnt.failed > *j.Spec.BackoffLimit {
		return ReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	}
	if j.Spec.ActiveDeadlineSeconds != nil && st.StartTime != nil && untilDeadline(j, st, now) <= 0 {
		return ReasonDeadlineExceeded, "Job was active longer than specified deadline"
	}
	return "", ""
}

// untilDeadline is how long j may still run under activeDeadlineSeconds
// (0 or less: past it; 0 also when there is no deadline).
func untilDeadline(j *api.Job, st *api.JobStatus, now time.Time) time.Duration {
	if j.Spec.ActiveDeadlineSeconds == nil || st.StartTime == nil {
		return 0
	}
	return st.StartTime.Add(time.Duration(*j.Spec.ActiveDeadlineSeconds) * time.Second).Sub(now)
}

// complete reports whether j has all the successes it asks for.
func complete(j *api.Job, cnt podCounts) bool {
	switch {
	case indexed(j):
		return cnt.completed.len() >= int(completions(j))
	case j.Spec.Completions != nil:
		return cnt.succeeded >= *j.Spec.Completions
	default: // work queue: done once one succeeded and the rest stopped
		return cnt.succeeded > 0 && len(cnt.active) == 0
	}
}

// fillCounts writes the pod counts into st.
func fillCounts(j *api.Job, st *api.JobStatus, cnt podCounts) {
	st.Active = int32(len(cnt.active))
	ready := cnt.ready
	st.Ready = &ready
	st.Succeeded = cnt.succeeded
	st.Failed = cnt.failed
	if indexed(j) {
		st.CompletedIndexes = cnt.completed.String()
	}
}

// updateStatus writes st through the status subresource when it differs
// from what j shows.
func (c *Controller) updateStatus(ctx context.Context, j *api.Job, st *api.JobStatus) error {
	if reflect.DeepEqual(&j.Status, st) {
		return nil
	}
	next := j.DeepCopy()
	next.Status = *st
	_, err := c.client.Update(ctx, JobKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if registry.IsNotFound(err) {
		return nil
	}
	return err
}
