package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
)

// Claimer decides which children a controller owns, as Kubernetes'
// controller-ref manager does: it keeps the children it controls whose
// labels match, adopts matching orphans and releases owned children whose
// labels stopped matching. ReplicaSets claim pods with it and Deployments
// claim ReplicaSets.
type Claimer struct {
	Client    Client
	OwnerKind *api.Kind
	ChildKind *api.Kind
	Owner     api.Object
	Selector  labels.Selector
}

// errOwnerDeleting stops adoption by an owner that is going away.
var errOwnerDeleting = errors.New("owner is being deleted")

// Claim returns the owned children (in key order) after adopting and
// releasing as needed. owned are the children whose controller is the
// owner and orphans the candidates without a controller, both in key
// order, as the cache's ByOwner and Orphans give them: the index already
// says who controls each, so a large owner's many children are only
// matched against its selector.
func (c Claimer) Claim(ctx context.Context, owned, orphans []api.Object) ([]api.Object, error) {
	kept := make([]api.Object, 0, len(owned))
	for _, child := range owned {
		if c.Selector.Matches(labels.Set(child.GetObjectMeta().Labels)) {
			kept = append(kept, child)
			continue
		}
		if err := c.release(ctx, child); err != nil {
			return nil, err
		}
	}
	adopted, err := c.adoptAll(ctx, orphans)
	if err != nil {
		return nil, err
	}
	return MergeByKey(kept, adopted), nil
}

// adoptAll adopts the orphans that match and are not being deleted.
func (c Claimer) adoptAll(ctx context.Context, orphans []api.Object) ([]api.Object, error) {
	om := c.Owner.GetObjectMeta()
	canAdopt := c.adoptionCheck(ctx)
	var adopted []api.Object
	for _, child := range orphans {
		m := child.GetObjectMeta()
		if cache.ControllerOf(child) != nil || m.DeletionTimestamp != nil || om.DeletionTimestamp != nil ||
			!c.Selector.Matches(labels.Set(m.Labels)) {
			continue
		}
		a, err := c.adopt(ctx, child, canAdopt)
		if err != nil {
			return nil, err
		}
		if a != nil {
			adopted = append(adopted, a)
		}
	}
	return adopted, nil
}

// MergeByKey unions two key-ordered lists without duplicates, in key
// order, in one linear pass.
func MergeByKey(a, b []api.Object) []api.Object {
	out := make([]api.Object, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := api.CompareKeys(a[0].GetObjectMeta(), b[0].GetObjectMeta()); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// ControllerRef is the controller reference an owner puts on its children.
func ControllerRef(ownerKind *api.Kind, owner api.Object) api.OwnerReference {
	t := true
	m := owner.GetObjectMeta()
	return api.OwnerReference{APIVersion: ownerKind.APIVersion(), Kind: ownerKind.Kind,
		Name: m.Name, UID: m.UID, Controller: &t, BlockOwnerDeletion: &t}
}

// adoptionCheck returns a function that, once and only when first needed,
// re-reads the owner from the API to make sure it still exists with the
// same UID and is not being deleted, as Kubernetes does before adopting.
func (c Claimer) adoptionCheck(ctx context.Context) func() error {
	var checked bool
	var result error
	om := c.Owner.GetObjectMeta()
	return func() error {
		if checked {
			return result
		}
		checked = true
		fresh, err := c.Client.Get(ctx, c.OwnerKind, om.Namespace, om.Name)
		switch {
		case err != nil:
			result = fmt.Errorf("recheck before adoption: %w", err)
		case fresh.GetObjectMeta().UID != om.UID:
			result = fmt.Errorf("recheck before adoption: uid changed from %s", om.UID)
		case fresh.GetObjectMeta().DeletionTimestamp != nil:
			result = errOwnerDeleting
		}
		return result
	}
}

// adopt makes the owner the child's controller; it returns nil without
// error when the child vanished or the owner turned out to be going away.
func (c Claimer) adopt(ctx context.Context, child api.Object, canAdopt func() error) (api.Object, error) {
	if err := canAdopt(); err != nil {
		if errors.Is(err, errOwnerDeleting) || registry.IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	next := child.DeepCopyObject()
	m := next.GetObjectMeta()
	m.OwnerReferences = append(m.OwnerReferences, ControllerRef(c.OwnerKind, c.Owner))
	out, err := c.Client.Update(ctx, c.ChildKind, next, registry.UpdateOptions{})
	if registry.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopt %s %s: %w", c.ChildKind.Singular, m.Name, err)
	}
	return out, nil
}

// release removes the owner's reference from a child that no longer matches.
func (c Claimer) release(ctx context.Context, child api.Object) error {
	uid := c.Owner.GetObjectMeta().UID
	next := child.DeepCopyObject()
	m := next.GetObjectMeta()
	m.OwnerReferences = slices.DeleteFunc(m.OwnerReferences, func(r api.OwnerReference) bool { return r.UID == uid })
	if len(m.OwnerReferences) == 0 {
		m.OwnerReferences = nil
	}
	_, err := c.Client.Update(ctx, c.ChildKind, next, registry.UpdateOptions{})
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("release %s %s: %w", c.ChildKind.Singular, m.Name, err)
	}
	return nil
}
