package job

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// reconcileFinished stops what a finished Job still runs and deletes the
// Job, with its pods, once ttlSecondsAfterFinished has passed.
func (c *Controller) reconcileFinished(ctx context.Context, key controllers.Key, j *api.Job, pods []*api.Pod) (controllers.Result, error) {
	cnt := count(j, pods)
	if len(cnt.active) > 0 && c.exp.Satisfied(key) {
		if err := c.deletePods(ctx, key, cnt.active); err != nil {
			return controllers.Result{}, fmt.Errorf("job %s: stop pods: %w", key, err)
		}
	}
	res := c.ttlResult(j.Spec.TTLSecondsAfterFinished, &j.Status, c.clock.Now())
	if j.Spec.TTLSecondsAfterFinished == nil || res.RequeueAfter > 0 {
		return res, nil
	}
	for _, p := range pods {
		if err := deletePod(ctx, c.client, p); err != nil {
			return controllers.Result{}, fmt.Errorf("job %s: ttl: %w", key, err)
		}
	}
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: j.UID}}
	if _, _, err := c.client.Delete(ctx, JobKind, j.Namespace, j.Name, opts); err != nil && !registry.IsNotFound(err) {
		return controllers.Result{}, fmt.Errorf("job %s: ttl: delete: %w", key, err)
	}
	c.exp.Forget(key)
	return controllers.Result{}, nil
}

// ttlResult asks to come back when a finished Job's TTL runs out (nothing
// when it has no TTL or the TTL has already passed).
func (c *Controller) ttlResult(ttlSeconds *int32, st *api.JobStatus, now time.Time) controllers.Result {
	if ttlSeconds == nil {
		return controllers.Result{}
	}
	left := finishedAt(st).Add(time.Duration(*ttlSeconds) * time.Second).Sub(now)
	return controllers.Result{RequeueAfter: max(left, 0)}
}

// finishedAt is when a Job finished: its completionTime, else when its
// Complete or Failed condition turned true.
func finishedAt(st *api.JobStatus) time.Time {
	if st.CompletionTime != nil {
		return st.CompletionTime.Time
	}
	for _, t := range []api.JobConditionType{api.JobFailed, api.JobComplete} {
		if c := findCondition(st.Conditions, t); c != nil && c.Status == api.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// finished reports whether j has a true Complete or Failed condition.
func finished(j *api.Job) bool {
	for _, t := range []api.JobConditionType{api.JobFailed, api.JobComplete} {
		if c := findCondition(j.Status.Conditions, t); c != nil && c.Status == api.ConditionTrue {
			return true
		}
	}
	return false
}

// findCondition returns the condition of type t, or nil.
func findCondition(conds []api.JobCondition, t api.JobConditionType) *api.JobCondition {
	if i := slices.IndexFunc(conds, func(c api.JobCondition) bool { return c.Type == t }); i >= 0 {
		return &conds[i]
	}
	return nil
}

// setCondition returns conds with condition t set; its times move only
// when the status or reason changes, so a steady state writes nothing.
func setCondition(conds []api.JobCondition, t api.JobConditionType, status api.ConditionStatus, reason, msg string, now time.Time) []api.JobCondition {
	out := slices.Clone(conds)
	c := findCondition(out, t)
	if c == nil {
		out = append(out, api.JobCondition{Type: t})
		c = &out[len(out)-1]
	}
	if c.Status != status || c.Reason != reason {
		c.LastTransitionTime, c.LastProbeTime = api.NewTime(now), api.NewTime(now)
	}
	c.Status, c.Reason, c.Message = status, reason, msg
	return out
}

// indexed reports whether j uses Indexed completion.
func indexed(j *api.Job) bool {
	return j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == api.IndexedCompletion
}

// completions is spec.completions, 0 when unset.
func completions(j *api.Job) int { return int(deref32(j.Spec.Completions)) }

func deref32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}

func deref(p *bool) bool { return p != nil && *p }
