package replicaset

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

// claimPods returns the pods rs controls after adopting matching orphans
// and releasing owned pods whose labels no longer match, in key order.
func (c *Controller) claimPods(ctx context.Context, rs *api.ReplicaSet, sel labels.Selector) ([]*api.Pod, error) {
	candidates := mergeByKey(c.podCache.ByOwner(rs.UID), c.podCache.List(rs.Namespace, sel))
	var owned []*api.Pod
	canAdopt := adoptionCheck(ctx, c.client, rs)
	for _, o := range candidates {
		pod := o.(*api.Pod)
		ref := cache.ControllerOf(pod)
		matches := sel.Matches(labels.Set(pod.Labels))
		switch {
		case ref != nil && ref.UID != rs.UID:
			continue // another controller's pod
		case ref != nil && matches:
			owned = append(owned, pod)
		case ref != nil:
			if err := c.release(ctx, rs, pod); err != nil {
				return nil, err
			}
		case matches && pod.DeletionTimestamp == nil && rs.DeletionTimestamp == nil:
			adopted, err := c.adopt(ctx, rs, pod, canAdopt)
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

// adoptionCheck returns a function that, once and only when first needed,
// re-reads rs from the API to make sure it still exists with the same UID
// and is not being deleted, as Kubernetes does before adopting.
func adoptionCheck(ctx context.Context, client controllers.Client, rs *api.ReplicaSet) func() error {
	var checked bool
	var result error
	return func() error {
		if checked {
			return result
		}
		checked = true
		fresh, err := client.Get(ctx, controllers.ReplicaSetKind, rs.Namespace, rs.Name)
		switch {
		case err != nil:
			result = fmt.Errorf("recheck before adoption: %w", err)
		case fresh.GetObjectMeta().UID != rs.UID:
			result = fmt.Errorf("recheck before adoption: uid changed from %s", rs.UID)
		case fresh.GetObjectMeta().DeletionTimestamp != nil:
			result = errRSDeleting
		}
		return result
	}
}

// errRSDeleting stops adoption by a ReplicaSet that is being deleted.
var errRSDeleting = errors.New("replicaset is being deleted")

// adopt makes rs the pod's controller; it returns nil without error when
// the pod vanished or rs turned out to be going away.
func (c *Controller) adopt(ctx context.Context, rs *api.ReplicaSet, pod *api.Pod, canAdopt func() error) (*api.Pod, error) {
	if err := canAdopt(); err != nil {
		if errors.Is(err, errRSDeleting) || registry.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	next := pod.DeepCopy()
	next.OwnerReferences = append(next.OwnerReferences, ownerRef(rs))
	out, err := c.client.Update(ctx, controllers.PodKind, next, registry.UpdateOptions{})
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopt pod %s: %w", pod.Name, err)
	}
	return out.(*api.Pod), nil
}

// release removes rs's owner reference from a pod that no longer matches.
func (c *Controller) release(ctx context.Context, rs *api.ReplicaSet, pod *api.Pod) error {
	next := pod.DeepCopy()
	next.OwnerReferences = slices.DeleteFunc(next.OwnerReferences, func(r api.OwnerReference) bool {
		return r.UID == rs.UID
	})
	if len(next.OwnerReferences) == 0 {
		next.OwnerReferences = nil
	}
	_, err := c.client.Update(ctx, controllers.PodKind, next, registry.UpdateOptions{})
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("release pod %s: %w", pod.Name, err)
	}
	return nil
}

// ownerRef is the controller reference rs puts on its pods.
func ownerRef(rs *api.ReplicaSet) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: controllers.ReplicaSetKind.APIVersion(),
		Kind: controllers.ReplicaSetKind.Kind, Name: rs.Name, UID: rs.UID,
		Controller: &t, BlockOwnerDeletion: &t}
}
