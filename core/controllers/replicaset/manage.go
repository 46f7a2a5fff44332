package replicaset

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// The reasons of the ReplicaFailure condition, as Kubernetes sets them.
const (
	ReplicaFailure = "ReplicaFailure"
	FailedCreate   = "FailedCreate"
	FailedDelete   = "FailedDelete"
)

// manageReplicas creates or deletes at most Burst pods towards
// spec.replicas; on failure it returns the ReplicaFailure reason too.
func (c *Controller) manageReplicas(ctx context.Context, key controllers.Key, rs *api.ReplicaSet, active []*api.Pod) (string, error) {
	want := 0
	if rs.Spec.Replicas != nil {
		want = int(*rs.Spec.Replicas)
	}
	diff := len(active) - want
	switch {
	case diff < 0:
		if err := c.createPods(ctx, key, rs, min(-diff, c.burst())); err != nil {
			return FailedCreate, err
		}
	case diff > 0:
		if err := c.deletePods(ctx, key, rs, podsToDelete(active, min(diff, c.burst()))); err != nil {
			return FailedDelete, err
		}
	}
	return "", nil
}

func (c *Controller) burst() int {
	if c.Burst <= 0 {
		return BurstReplicas
	}
	return c.Burst
}

// createPods creates n pods one after another and stops at the first
// failure, so a quota or admission error costs one request, not n; the
// creates not made are taken off the expectations.
func (c *Controller) createPods(ctx context.Context, key controllers.Key, rs *api.ReplicaSet, n int) error {
	c.exp.ExpectCreations(key, n)
	for i := range n {
		out, err := c.client.Create(ctx, controllers.PodKind, rs.Namespace, newPod(rs), registry.CreateOptions{})
		if err != nil {
			for range n - i {
				c.exp.CreationObserved(key)
			}
			c.Events.Eventf(rs, api.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return fmt.Errorf("create pod %d of %d: %w", i+1, n, err)
		}
		c.Events.Eventf(rs, api.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", out.GetObjectMeta().Name)
	}
	return nil
}

// deletePods deletes victims (each guarded by its UID), expecting to see
// each deletion; a failed delete is taken off the expectations.
func (c *Controller) deletePods(ctx context.Context, key controllers.Key, rs *api.ReplicaSet, victims []*api.Pod) error {
	uids := make([]string, len(victims))
	for i, p := range victims {
		uids[i] = p.UID
	}
	c.exp.ExpectDeletions(key, uids)
	var errs []error
	for _, p := range victims {
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: p.UID}}
		_, _, err := c.client.Delete(ctx, controllers.PodKind, p.Namespace, p.Name, opts)
		if err == nil {
			c.Events.Eventf(rs, api.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
			continue
		}
		c.exp.DeletionObserved(key, p.UID)
		if !registry.IsNotFound(err) {
			c.Events.Eventf(rs, api.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("delete pod %s: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}

// newPod stamps a pod out of rs's template: generated name "<rs>-", the
// template's labels, annotations and spec, and rs as controller.
func newPod(rs *api.ReplicaSet) *api.Pod {
	t := rs.Spec.Template.DeepCopy()
	return &api.Pod{
		TypeMeta: api.TypeMeta{Kind: controllers.PodKind.Kind, APIVersion: controllers.PodKind.APIVersion()},
		ObjectMeta: api.ObjectMeta{
			GenerateName:    rs.Name + "-",
			Namespace:       rs.Namespace,
			Labels:          maps.Clone(t.Labels),
			Annotations:     maps.Clone(t.Annotations),
			Finalizers:      t.Finalizers,
			OwnerReferences: []api.OwnerReference{ownerRef(rs)},
		},
		Spec: t.Spec,
	}
}
