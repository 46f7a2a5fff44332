package gc

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// orphan strips the owner's references from all its dependents, then
// removes the "orphan" finalizer so the owner goes and they stay.
func (c *Controller) orphan(ctx context.Context, kind *api.Kind, owner api.Object) error {
	uid := owner.GetObjectMeta().UID
	var errs []error
	for _, d := range c.dependentsOf(uid) {
		next := d.obj.DeepCopyObject()
		m := next.GetObjectMeta()
		m.OwnerReferences = slices.DeleteFunc(m.OwnerReferences, func(r api.OwnerReference) bool { return r.UID == uid })
		if _, err := c.client.Update(ctx, d.kind, next, registry.UpdateOptions{}); err != nil && !registry.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("orphan %s %s: %w", d.kind.GroupResource(), m.Key(), err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return c.removeFinalizer(ctx, kind, owner, FinalizerOrphan)
}

// foreground deletes the owner's dependents (in the foreground when they
// have dependents of their own, as Kubernetes does) and removes the "foregroundDeletion" finalizer once
// no dependent that blocks owner deletion remains; waiting reports that
// some still do.
func (c *Controller) foreground(ctx context.Context, kind *api.Kind, owner api.Object) (waiting bool, err error) {
	var errs []error
	for _, d := range c.dependentsOf(owner.GetObjectMeta().UID) {
		m := d.obj.GetObjectMeta()
		if d.ref.BlockOwnerDeletion != nil && *d.ref.BlockOwnerDeletion {
			waiting = true
		}
		if m.DeletionTimestamp == nil {
			errs = append(errs, c.delete(ctx, d.kind, m, c.dependentPolicy(m.UID)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return false, err
	}
	if waiting {
		return true, nil
	}
	return false, c.removeFinalizer(ctx, kind, owner, FinalizerForeground)
}

// dependentPolicy deletes a dependent that owns others in the foreground, so
// the chain unwinds bottom-up, and a leaf in the background, so it needs no
// further pass of the collector.
func (c *Controller) dependentPolicy(uid string) string {
	if len(c.dependentsOf(uid)) > 0 {
		return registry.PropagationForeground
	}
	return registry.PropagationBackground
}
