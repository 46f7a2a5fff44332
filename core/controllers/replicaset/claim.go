package replicaset

import (
	"context"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers"
)

// claimPods returns the pods rs controls after adopting matching orphans
// and releasing owned pods whose labels no longer match, in key order.
func (c *Controller) claimPods(ctx context.Context, rs *api.ReplicaSet, sel labels.Selector) ([]*api.Pod, error) {
	claimer := controllers.Claimer{Client: c.client, OwnerKind: controllers.ReplicaSetKind,
		ChildKind: controllers.PodKind, Owner: rs, Selector: sel}
	owned, err := claimer.Claim(ctx, c.podCache.ByOwner(rs.UID), c.podCache.Orphans(rs.Namespace, sel))
	if err != nil {
		return nil, err
	}
	pods := make([]*api.Pod, len(owned))
	for i, o := range owned {
		pods[i] = o.(*api.Pod)
	}
	return pods, nil
}

// ownerRef is the controller reference rs puts on its pods.
func ownerRef(rs *api.ReplicaSet) api.OwnerReference {
	return controllers.ControllerRef(controllers.ReplicaSetKind, rs)
}
