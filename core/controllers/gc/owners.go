package gc

import (
	"context"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// ownerState is what became of one owner reference's target.
type ownerState int

const (
	ownerPresent ownerState = iota
	ownerAbsent             // gone, or replaced by an object with another UID
	ownerUnknown            // kind not collected or not registered: never counts as gone
)

// collect deletes o (background propagation) when every owner is gone,
// and drops the references to gone owners when only some are.
func (c *Controller) collect(ctx context.Context, kind *api.Kind, o api.Object) error {
	m := o.GetObjectMeta()
	var live []api.OwnerReference
	for _, ref := range m.OwnerReferences {
		if c.owner(ctx, ref, m.Namespace) != ownerAbsent {
			live = append(live, ref)
		}
	}
	switch {
	case len(live) == len(m.OwnerReferences):
		return nil
	case len(live) == 0:
		return c.delete(ctx, kind, m, registry.PropagationBackground)
	}
	next := o.DeepCopyObject()
	next.GetObjectMeta().OwnerReferences = live
	if _, err := c.client.Update(ctx, kind, next, registry.UpdateOptions{}); err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("drop dangling owner references: %w", err)
	}
	return nil
}

// owner looks an owner up in the cache and, when the cache lacks it, in
// the API, so a lagging cache never costs a live dependent.
func (c *Controller) owner(ctx context.Context, ref api.OwnerReference, depNamespace string) ownerState {
	k, ns := ownerKind(ref, depNamespace)
	if k == nil || c.caches[k] == nil {
		return ownerUnknown
	}
	if o, ok := c.caches[k].Get(ns, ref.Name); ok && o.GetObjectMeta().UID == ref.UID {
		return ownerPresent
	}
	o, err := c.client.Get(ctx, k, ns, ref.Name)
	switch {
	case registry.IsNotFound(err):
		return ownerAbsent
	case err != nil:
		return ownerUnknown
	case o.GetObjectMeta().UID != ref.UID:
		return ownerAbsent
	}
	return ownerPresent
}

// delete deletes the object m describes, guarded by its UID, with the given
// propagation; an object already gone is no error.
func (c *Controller) delete(ctx context.Context, kind *api.Kind, m *api.ObjectMeta, policy string) error {
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: m.UID}, PropagationPolicy: policy}
	if _, _, err := c.client.Delete(ctx, kind, m.Namespace, m.Name, opts); err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("delete %s %s: %w", kind.GroupResource(), m.Key(), err)
	}
	return nil
}

// dependent is one object referring to an owner, with its kind.
type dependent struct {
	kind *api.Kind
	obj  api.Object
	ref  api.OwnerReference // the reference to the owner
}

// dependentsOf scans every collected kind for objects referring to uid, in
// kind then key order; only the rarer Orphan and Foreground deletions pay
// for the scan, which also finds non-controller references.
func (c *Controller) dependentsOf(uid string) []dependent {
	var out []dependent
	for _, k := range c.kinds {
		for _, o := range c.caches[k].List("", nil) {
			refs := o.GetObjectMeta().OwnerReferences
			if i := slices.IndexFunc(refs, func(r api.OwnerReference) bool { return r.UID == uid }); i >= 0 {
				out = append(out, dependent{kind: k, obj: o, ref: refs[i]})
			}
		}
	}
	return out
}

// removeFinalizer removes f from the owner; the store then removes the
// owner if nothing else holds it.
func (c *Controller) removeFinalizer(ctx context.Context, kind *api.Kind, o api.Object, f string) error {
	next := o.DeepCopyObject()
	m := next.GetObjectMeta()
	m.Finalizers = slices.DeleteFunc(m.Finalizers, func(x string) bool { return x == f })
	if _, err := c.client.Update(ctx, kind, next, registry.UpdateOptions{}); err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("remove finalizer %s: %w", f, err)
	}
	return nil
}
