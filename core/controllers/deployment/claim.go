package deployment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
)

// claimReplicaSets returns the ReplicaSets d controls after adopting
// matching orphans and releasing owned ones whose labels stopped
// matching, in key order.
func (c *Controller) claimReplicaSets(ctx context.Context, d *api.Deployment, sel labels.Selector) ([]*api.ReplicaSet, error) {
	candidates := mergeByKey(c.rsCache.ByOwner(d.UID), c.rsCache.List(d.Namespace, sel))
	var owned []*api.ReplicaSet
	canAdopt := adoptionCheck(ctx, c.client, d)
	for _, o := range candidates {
		rs := o.(*api.ReplicaSet)
		ref := cache.ControllerOf(rs)
		matches := sel.Matches(labels.Set(rs.Labels))
		switch {
		case ref != nil && ref.UID != d.UID:
			continue // another controller's ReplicaSet
		case ref != nil && matches:
			owned = append(owned, rs)
		case ref != nil:
			if err := c.release(ctx, d, rs); err != nil {
				return nil, err
			}
		case matches && rs.DeletionTimestamp == nil && d.DeletionTimestamp == nil:
			adopted, err := c.adopt(ctx, d, rs, canAdopt)
			if err != nil {
				return nil, err
			}
			if adopted != nil {
				owned = append(owned, adopted)
			}
		}
	}
	return owned, nil
}

// mergeByKey unions two key-ordered lists without duplicates, in key order.
func mergeByKey(a, b []api.Object) []api.Object {
	out := append(slices.Clone(a), b...)
	slices.SortFunc(out, func(x, y api.Object) int {
		return cmp.Compare(x.GetObjectMeta().Key(), y.GetObjectMeta().Key())
	})
	return slices.CompactFunc(out, func(x, y api.Object) bool {
		return x.GetObjectMeta().Key() == y.GetObjectMeta().Key()
	})
}

// errDeploymentDeleting stops adoption by a Deployment being deleted.
var errDeploymentDeleting = errors.New("deployment is being deleted")

// adoptionCheck returns a function that, once and only when first needed,
// re-reads d from the API to make sure it still exists with the same UID
// and is not being deleted, as Kubernetes does before adopting.
func adoptionCheck(ctx context.Context, client controllers.Client, d *api.Deployment) func() error {
	var checked bool
	var result error
	return func() error {
		if checked {
			return result
		}
		checked = true
		fresh, err := client.Get(ctx, DeploymentKind, d.Namespace, d.Name)
		switch {
		case err != nil:
			result = fmt.Errorf("recheck before adoption: %w", err)
		case fresh.GetObjectMeta().UID != d.UID:
			result = fmt.Errorf("recheck before adoption: uid changed from %s", d.UID)
		case fresh.GetObjectMeta().DeletionTimestamp != nil:
			result = errDeploymentDeleting
		}
		return result
	}
}

// adopt makes d the ReplicaSet's controller; it returns nil without error
// when the ReplicaSet vanished or d turned out to be going away.
func (c *Controller) adopt(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet, canAdopt func() error) (*api.ReplicaSet, error) {
	if err := canAdopt(); err != nil {
		if errors.Is(err, errDeploymentDeleting) || registry.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	next := rs.DeepCopy()
	next.OwnerReferences = append(next.OwnerReferences, ownerRef(d))
	out, err := c.client.Update(ctx, controllers.ReplicaSetKind, next, registry.UpdateOptions{})
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopt replicaset %s: %w", rs.Name, err)
	}
	return out.(*api.ReplicaSet), nil
}

// release removes d's owner reference from a ReplicaSet that no longer matches.
func (c *Controller) release(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet) error {
	next := rs.DeepCopy()
	next.OwnerReferences = slices.DeleteFunc(next.OwnerReferences, func(r api.OwnerReference) bool {
		return r.UID == d.UID
	})
	if len(next.OwnerReferences) == 0 {
		next.OwnerReferences = nil
	}
	_, err := c.client.Update(ctx, controllers.ReplicaSetKind, next, registry.UpdateOptions{})
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("release replicaset %s: %w", rs.Name, err)
	}
	return nil
}

// ownerRef is the controller reference d puts on its ReplicaSets.
func ownerRef(d *api.Deployment) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: DeploymentKind.APIVersion(), Kind: DeploymentKind.Kind,
		Name: d.Name, UID: d.UID, Controller: &t, BlockOwnerDeletion: &t}
}
