// Package namespace is the namespace controller: once a namespace is
// marked Terminating it deletes everything in it, reports what remains in
// the namespace's conditions, and removes the "kubernetes" finalizer when
// it is empty, which completes the namespace's deletion.
package namespace

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// Name is the controller's name in metrics and logs.
const Name = "namespace"

// RemainingRequeue is how soon a namespace whose content is still going
// (grace periods, finalizers) is looked at again.
const RemainingRequeue = 5 * time.Second

// NamespaceKind is v1 Namespace, the controller's primary kind.
var NamespaceKind = api.MustLookupKind(api.CoreV1, "Namespace")

// Client is what the controller writes and lists through; the
// *registry.Registry satisfies it. It lists live, not from caches, so it
// needs no cache of every namespaced kind and never misses fresh content.
type Client interface {
	controllers.Client
	List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error)
}

var _ Client = (*registry.Registry)(nil)

// Controller empties and finalizes terminating namespaces.
type Controller struct {
	client  Client
	clock   clock.Clock
	nsCache *cache.Cache
	kinds   []*api.Kind // namespaced kinds, in api.Kinds() order
}

// New returns a controller writing through client and reading Namespaces
// from set, stamping conditions with clk's time; it deletes every
// namespaced kind api.Kinds() knows.
func New(client Client, set *cache.Set, clk clock.Clock) *Controller {
	c := &Controller{client: client, clock: clk, nsCache: set.For(NamespaceKind)}
	for _, k := range api.Kinds() {
		if k.Namespaced {
			c.kinds = append(c.kinds, k)
		}
	}
	return c
}

// Descriptor describes the controller for a driver: each namespace is its
// own key.
func (c *Controller) Descriptor() controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: 1,
		Watches: []controllers.Watch{{Kind: NamespaceKind, MapFunc: controllers.OwnKey}}}
}

// Reconcile empties a terminating namespace and finalizes it once empty;
// while content remains it records why and asks to run again.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	o, ok := c.nsCache.Get("", key.Name)
	if !ok {
		return controllers.Result{}, nil
	}
	ns := o.(*api.Namespace)
	if ns.DeletionTimestamp == nil || !hasFinalizer(ns) {
		return controllers.Result{}, nil
	}
	sum := c.deleteContent(ctx, ns.Name)
	ns, err := c.writeConditions(ctx, ns, sum)
	if err != nil {
		return controllers.Result{}, fmt.Errorf("namespace %s: %w", ns.Name, err)
	}
	if sum.failed() {
		return controllers.Result{}, fmt.Errorf("namespace %s: delete content: %w", ns.Name, sum.errs[0])
	}
	if sum.remaining() {
		return controllers.Result{RequeueAfter: RemainingRequeue}, nil
	}
	if err := c.finalize(ctx, ns); err != nil {
		return controllers.Result{}, fmt.Errorf("namespace %s: %w", ns.Name, err)
	}
	return controllers.Result{}, nil
}

// hasFinalizer reports whether the "kubernetes" finalizer still holds the
// namespace, in its spec or its metadata.
func hasFinalizer(ns *api.Namespace) bool {
	return slices.Contains(ns.Spec.Finalizers, api.NamespaceFinalizerKubernetes) ||
		slices.Contains(ns.Finalizers, api.NamespaceFinalizerKubernetes)
}

// finalize removes the "kubernetes" finalizer from spec and metadata; the
// store then removes the namespace if no other finalizer holds it.
func (c *Controller) finalize(ctx context.Context, ns *api.Namespace) error {
	next := ns.DeepCopy()
	next.Spec.Finalizers = without(next.Spec.Finalizers, api.NamespaceFinalizerKubernetes)
	next.Finalizers = without(next.Finalizers, api.NamespaceFinalizerKubernetes)
	if _, err := c.client.Update(ctx, NamespaceKind, next, registry.UpdateOptions{}); err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("remove finalizer: %w", err)
	}
	return nil
}

// without returns fs less f, never nil, so defaulting doesn't put the
// "kubernetes" finalizer back.
func without(fs []string, f string) []string {
	out := []string{}
	for _, x := range fs {
		if x != f {
			out = append(out, x)
		}
	}
	return out
}
