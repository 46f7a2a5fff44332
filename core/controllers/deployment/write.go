package deployment

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// writeDeployment stores what a reconcile changed on d relative to the
// cached orig: its annotations through the main resource, then its status
// through the status subresource.
func (c *Controller) writeDeployment(ctx context.Context, orig, d *api.Deployment) error {
	cur := orig
	if !maps.Equal(orig.Annotations, d.Annotations) {
		next := orig.DeepCopy()
		next.Annotations = maps.Clone(d.Annotations)
		out, err := c.client.Update(ctx, DeploymentKind, next, registry.UpdateOptions{})
		if registry.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("update revision annotation: %w", err)
		}
		cur = out.(*api.Deployment)
	}
	if reflect.DeepEqual(cur.Status, d.Status) {
		return nil
	}
	next := cur.DeepCopy()
	next.Status = d.Status
	_, err := c.client.Update(ctx, DeploymentKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("update status: %w", err)
	}
	return nil
}
