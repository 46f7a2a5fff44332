package job

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// The annotation, label and environment variable that tell an Indexed
// Job's pod its completion index, as in Kubernetes.
const (
	CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index"
	CompletionIndexEnv        = "JOB_COMPLETION_INDEX"
)

// The bounds of the delay before a failed Job creates its next pod: it
// starts at DefaultBackoff and doubles per failure up to MaxBackoff.
const (
	DefaultBackoff = 10 * time.Second
	MaxBackoff     = 6 * time.Minute
)

// manage creates or deletes pods so j runs as many as it may, waiting out
// the failure back-off before creating; it returns when to look again.
func (c *Controller) manage(ctx context.Context, key controllers.Key, j *api.Job, cnt *podCounts) (controllers.Result, error) {
	if !c.exp.Satisfied(key) || draining(j, *cnt) {
		return controllers.Result{}, nil
	}
	want := wantActive(j, *cnt)
	if extra := excessPods(j, cnt.active, want); len(extra) > 0 {
		return controllers.Result{}, c.deletePods(ctx, key, extra)
	}
	n := want - len(cnt.active)
	if n <= 0 {
		return controllers.Result{}, nil
	}
	if wait := backoffLeft(cnt.failed, cnt.lastFailure, c.clock.Now()); wait > 0 {
		return controllers.Result{RequeueAfter: wait}, nil
	}
	return controllers.Result{}, c.createPods(ctx, key, j, podIndexes(j, *cnt, n))
}

// draining reports whether j is a work-queue Job (no completions) one of
// whose pods succeeded: it creates no more pods and lets the rest finish.
func draining(j *api.Job, cnt podCounts) bool {
	return !indexed(j) && j.Spec.Completions == nil && cnt.succeeded > 0
}

// wantActive is how many pods j should run now: parallelism, never more
// than the completions still missing.
func wantActive(j *api.Job, cnt podCounts) int {
	par := int(deref32(j.Spec.Parallelism))
	switch {
	case indexed(j):
		return min(par, int(completions(j))-cnt.completed.len())
	case j.Spec.Completions != nil:
		return max(0, min(par, int(*j.Spec.Completions-cnt.succeeded)))
	default: // work queue, before any success (see draining)
		return par
	}
}

// BackoffDelay is the delay before a Job that has seen failed pods may
// create the next one: DefaultBackoff doubled per further failure, capped
// at MaxBackoff.
func BackoffDelay(failed int32) time.Duration {
	if failed <= 0 {
		return 0
	}
	d := DefaultBackoff
	for i := int32(1); i < failed && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// backoffLeft is how much of the back-off after the last failure remains.
func backoffLeft(failed int32, lastFailure, now time.Time) time.Duration {
	if failed == 0 || lastFailure.IsZero() {
		return 0
	}
	return lastFailure.Add(BackoffDelay(failed)).Sub(now)
}

// excessPods picks the active pods to delete: beyond want for NonIndexed
// (the least advanced first), and for Indexed every pod whose index is
// invalid, already completed or held by an earlier pod.
func excessPods(j *api.Job, active []*api.Pod, want int) []*api.Pod {
	if !indexed(j) {
		if len(active) <= want {
			return nil
		}
		ranked := slices.Clone(active)
		slices.SortStableFunc(ranked, lessAdvanced)
		return ranked[:len(active)-max(want, 0)]
	}
	var extra []*api.Pod
	seen := map[int]bool{}
	completed := parseIndexes(j.Status.CompletedIndexes)
	for _, p := range active {
		i, ok := podIndex(p)
		if !ok || i >= completions(j) || seen[i] || completed.has(i) {
			extra = append(extra, p)
			continue
		}
		seen[i] = true
	}
	return extra
}

// lessAdvanced orders pods so the cheapest to lose come first: unscheduled,
// then not ready, then the most recently created.
func lessAdvanced(a, b *api.Pod) int {
	if c := cmp.Compare(boolRank(a.Spec.NodeName != ""), boolRank(b.Spec.NodeName != "")); c != 0 {
		return c
	}
	if c := cmp.Compare(boolRank(controllers.IsPodReady(a)), boolRank(controllers.IsPodReady(b))); c != 0 {
		return c
	}
	return b.CreationTimestamp.Compare(a.CreationTimestamp.Time)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// podIndexes lists the completion indexes of the n pods to create: for
// NonIndexed n times -1, for Indexed the lowest indexes neither completed
// nor held by an active pod.
func podIndexes(j *api.Job, cnt podCounts, n int) []int {
	out := make([]int, 0, n)
	if !indexed(j) {
		for range n {
			out = append(out, -1)
		}
		return out
	}
	held := map[int]bool{}
	for _, p := range cnt.active {
		if i, ok := podIndex(p); ok {
			held[i] = true
		}
	}
	for i := 0; i < int(completions(j)) && len(out) < n; i++ {
		if !held[i] && !cnt.completed.has(i) {
			out = append(out, i)
		}
	}
	return out
}

// createPods creates one pod per index and stops at the first failure;
// the creates not made are taken off the expectations.
func (c *Controller) createPods(ctx context.Context, key controllers.Key, j *api.Job, indexes []int) error {
	c.exp.ExpectCreations(key, len(indexes))
	for n, i := range indexes {
		out, err := c.client.Create(ctx, controllers.PodKind, j.Namespace, newPod(j, i), registry.CreateOptions{})
		if err != nil {
			for range len(indexes) - n {
				c.exp.CreationObserved(key)
			}
			c.Events.Eventf(j, api.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return fmt.Errorf("create pod %d of %d: %w", n+1, len(indexes), err)
		}
		c.Events.Eventf(j, api.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", out.GetObjectMeta().Name)
	}
	return nil
}

// deletePods deletes victims (each guarded by its UID), expecting to see
// each deletion; a failed delete is taken off the expectations.
func (c *Controller) deletePods(ctx context.Context, key controllers.Key, victims []*api.Pod) error {
	if len(victims) == 0 {
		return nil
	}
	uids := make([]string, len(victims))
	for i, p := range victims {
		uids[i] = p.UID
	}
	c.exp.ExpectDeletions(key, uids)
	var errs []error
	for _, p := range victims {
		if err := deletePod(ctx, c.client, p); err != nil {
			c.exp.DeletionObserved(key, p.UID)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// deletePod deletes p guarded by its UID; a pod already gone is no error.
func deletePod(ctx context.Context, client controllers.Client, p *api.Pod) error {
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: p.UID}}
	_, _, err := client.Delete(ctx, controllers.PodKind, p.Namespace, p.Name, opts)
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("delete pod %s: %w", p.Name, err)
	}
	return nil
}

// newPod stamps a pod out of j's template with j as controller; index >= 0
// names the pod "<job>-<index>-" and tells it its completion index.
func newPod(j *api.Job, index int) *api.Pod {
	t := j.Spec.Template.DeepCopy()
	p := &api.Pod{
		TypeMeta: api.TypeMeta{Kind: controllers.PodKind.Kind, APIVersion: controllers.PodKind.APIVersion()},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    j.Name + "-",
			Namespace:       j.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{ownerRef(j)},
		},
		Spec: t.Spec,
	}
	if index >= 0 {
		setIndex(p, j.Name, index)
	}
	return p
}

// setIndex writes index into p's name, annotation, label, hostname and
// every container's environment.
func setIndex(p *api.Pod, job string, index int) {
	s := strconv.Itoa(index)
	p.GenerateName = job + "-" + s + "-"
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[CompletionIndexAnnotation] = s
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[CompletionIndexAnnotation] = s
	if p.Spec.Hostname == "" {
		p.Spec.Hostname = job + "-" + s
	}
	for _, cs := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			cs[i].Env = append(cs[i].Env, api.EnvVar{Name: CompletionIndexEnv, Value: s})
		}
	}
}

// podIndex reads a pod's completion index from its annotation.
func podIndex(p *api.Pod) (int, bool) {
	v, ok := p.Annotations[CompletionIndexAnnotation]
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i >= 0
}

// ownerRef is the controller reference j puts on its pods.
func ownerRef(j *api.Job) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: JobKind.APIVersion(), Kind: JobKind.Kind,
		Name: j.Name, UID: j.UID, Controller: &t, BlockOwnerDeletion: &t}
}
