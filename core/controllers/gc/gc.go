// Package gc is the garbage collector: it deletes objects whose owners
// (by ownerReference UID) are all gone, and finishes the two deletions
// that wait on dependents: Foreground (the "foregroundDeletion" finalizer:
// delete the dependents, wait for the blocking ones, then release the
// owner) and Orphan (the "orphan" finalizer: strip the owner's references
// from its dependents, then release it).
package gc

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/store"
)

// Name is the controller's name in metrics and logs.
const Name = "garbagecollector"

// The finalizers the registry sets on a Delete with propagationPolicy
// Orphan or Foreground, which the collector removes once done.
const (
	FinalizerOrphan     = store.FinalizerOrphan
	FinalizerForeground = store.FinalizerForeground
)

// WaitRequeue is how soon an owner waiting on its dependents' deletion is
// looked at again, besides the dependents' own changes.
const WaitRequeue = 5 * time.Second

// Controller is the garbage collector over a fixed set of kinds.
type Controller struct {
	client controllers.Client
	kinds  []*api.Kind // in api.Kinds() order
	caches map[*api.Kind]*cache.Cache
}

// New returns a collector writing through client and reading kinds (all
// registered kinds when none are given) from set.
func New(client controllers.Client, set *cache.Set, kinds ...*api.Kind) *Controller {
	if len(kinds) == 0 {
		kinds = api.Kinds()
	}
	c := &Controller{client: client, caches: map[*api.Kind]*cache.Cache{}}
	for _, k := range api.Kinds() {
		if slices.Contains(kinds, k) {
			c.kinds = append(c.kinds, k)
			c.caches[k] = set.For(k)
		}
	}
	return c
}

// KeyFor is the collector's key for an object of kind: its namespace, and
// "<resource>[.<group>]/<name>" as its name, since one collector handles
// every kind and '/' can't occur in names.
func KeyFor(kind *api.Kind, namespace, name string) controllers.Key {
	return controllers.Key{Namespace: namespace, Name: kind.GroupResource() + "/" + name}
}

// parseKey splits a key made by KeyFor.
func parseKey(key controllers.Key) (*api.Kind, string, error) {
	gr, name, ok := strings.Cut(key.Name, "/")
	if !ok {
		return nil, "", fmt.Errorf("gc key %s has no resource", key)
	}
	resource, group, _ := strings.Cut(gr, ".")
	k, err := api.LookupResource(group, resource)
	if err != nil {
		return nil, "", fmt.Errorf("gc key %s: %w", key, err)
	}
	return k, name, nil
}

// Descriptor describes the collector for a driver: every kind it covers
// maps an object to itself (if it has owners or a deletion finalizer), to
// its owners (so a waiting owner hears of its dependents) and to its
// controlled dependents (so they hear of its deletion).
func (c *Controller) Descriptor() controllers.Controller {
	ctl := controllers.Controller{Name: Name, Reconciler: c, Workers: 1}
	for _, k := range c.kinds {
		ctl.Watches = append(ctl.Watches, controllers.Watch{Kind: k, MapFunc: c.mapFor(k), Changed: controllers.MetaChanged})
	}
	return ctl
}

// mapFor is the MapFunc of kind.
func (c *Controller) mapFor(kind *api.Kind) controllers.MapFunc {
	return func(o api.Object) []controllers.Key {
		m := o.GetObjectMeta()
		var keys []controllers.Key
		if len(m.OwnerReferences) > 0 || hasGCFinalizer(m) {
			keys = append(keys, KeyFor(kind, m.Namespace, m.Name))
		}
		for _, ref := range m.OwnerReferences {
			if ok, ns := ownerKind(ref, m.Namespace); ok != nil {
				keys = append(keys, KeyFor(ok, ns, ref.Name))
			}
		}
		if !c.goingAway(kind, m) {
			return keys
		}
		for _, dk := range c.kinds {
			for _, d := range c.caches[dk].ByOwner(m.UID) {
				dm := d.GetObjectMeta()
				keys = append(keys, KeyFor(dk, dm.Namespace, dm.Name))
			}
		}
		return keys
	}
}

// goingAway reports whether an owner is being deleted or is gone (the
// cache has applied the change before its handlers run): only then do
// its dependents have anything to do, so an owner's ordinary updates (a
// ReplicaSet's status, thousands of times) do not queue all its pods.
func (c *Controller) goingAway(kind *api.Kind, m *api.ObjectMeta) bool {
	if m.DeletionTimestamp != nil {
		return true
	}
	cur, ok := c.caches[kind].Get(m.Namespace, m.Name)
	return !ok || cur.GetObjectMeta().UID != m.UID
}

// ownerKind resolves an owner reference's kind and the owner's namespace
// (the dependent's for a namespaced owner); nil when the kind is unknown.
func ownerKind(ref api.OwnerReference, depNamespace string) (*api.Kind, string) {
	k, err := api.LookupKind(ref.APIVersion, ref.Kind)
	if err != nil {
		return nil, ""
	}
	if k.Namespaced {
		return k, depNamespace
	}
	return k, ""
}

// hasGCFinalizer reports whether an object carries a finalizer the collector runs.
func hasGCFinalizer(m *api.ObjectMeta) bool {
	return slices.Contains(m.Finalizers, FinalizerOrphan) || slices.Contains(m.Finalizers, FinalizerForeground)
}

// Reconcile finishes an owner's Orphan or Foreground deletion, or deletes
// an object whose owners are all gone.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	kind, name, err := parseKey(key)
	if err != nil {
		return controllers.Result{}, err
	}
	cch := c.caches[kind]
	if cch == nil {
		return controllers.Result{}, fmt.Errorf("gc %s: kind %s not collected", key, kind.Kind)
	}
	o, ok := cch.Get(key.Namespace, name)
	if !ok {
		return controllers.Result{}, nil
	}
	m := o.GetObjectMeta()
	switch {
	case m.DeletionTimestamp != nil && slices.Contains(m.Finalizers, FinalizerOrphan):
		err = c.orphan(ctx, kind, o)
	case m.DeletionTimestamp != nil && slices.Contains(m.Finalizers, FinalizerForeground):
		var waiting bool
		waiting, err = c.foreground(ctx, kind, o)
		if err == nil && waiting {
			return controllers.Result{RequeueAfter: WaitRequeue}, nil
		}
	case m.DeletionTimestamp == nil && len(m.OwnerReferences) > 0:
		err = c.collect(ctx, kind, o)
	}
	if err != nil {
		return controllers.Result{}, fmt.Errorf("gc %s: %w", key, err)
	}
	return controllers.Result{}, nil
}
