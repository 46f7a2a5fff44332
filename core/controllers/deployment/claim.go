package deployment

import (
	"context"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers"
)

// claimReplicaSets returns the ReplicaSets d controls after adopting
// matching orphans and releasing owned ones whose labels stopped
// matching, in key order.
func (c *Controller) claimReplicaSets(ctx context.Context, d *api.Deployment, sel labels.Selector) ([]*api.ReplicaSet, error) {
	claimer := controllers.Claimer{Client: c.client, OwnerKind: DeploymentKind,
		ChildKind: controllers.ReplicaSetKind, Owner: d, Selector: sel}
	owned, err := claimer.Claim(ctx, c.rsCache.ByOwner(d.UID), c.rsCache.Orphans(d.Namespace, sel))
	if err != nil {
		return nil, err
	}
	rss := make([]*api.ReplicaSet, len(owned))
	for i, o := range owned {
		rss[i] = o.(*api.ReplicaSet)
	}
	return rss, nil
}

// ownerRef is the controller reference d puts on its ReplicaSets.
func ownerRef(d *api.Deployment) api.OwnerReference {
	return controllers.ControllerRef(DeploymentKind, d)
}
