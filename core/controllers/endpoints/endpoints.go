// Package endpoints is the Endpoints controller: for every Service with a
// selector it keeps an Endpoints object of the same name listing the
// selected pods' addresses, ready and not ready, with the Service's ports
// resolved against each pod. Services without a selector are left alone,
// since their Endpoints are written by hand.
package endpoints

import (
	"context"
	"fmt"
	"maps"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
)

// Name is the controller's name in metrics and logs.
const Name = "endpoints"

// Controller reconciles Services into Endpoints.
type Controller struct {
	client   controllers.Client
	svcCache *cache.Cache
	podCache *cache.Cache
	epCache  *cache.Cache
}

// New returns an Endpoints controller writing through client and reading
// Services, Pods and Endpoints from set's caches.
func New(client controllers.Client, set *cache.Set) *Controller {
	return &Controller{client: client, svcCache: set.For(controllers.ServiceKind),
		podCache: set.For(controllers.PodKind), epCache: set.For(controllers.EndpointsKind)}
}

// Descriptor describes the controller for a driver: Services and
// Endpoints map to their own key, Pods to every Service selecting them.
func (c *Controller) Descriptor(workers int) controllers.Controller {
	return controllers.Controller{Name: Name, Reconciler: c, Workers: workers,
		Watches: []controllers.Watch{
			{Kind: controllers.ServiceKind, MapFunc: controllers.OwnKey},
			{Kind: controllers.EndpointsKind, MapFunc: controllers.OwnKey},
			{Kind: controllers.PodKind, MapFunc: c.mapPod, Changed: controllers.PodAddressChanged},
		}}
}

// mapPod maps a pod to the Services in its namespace whose selector matches it.
func (c *Controller) mapPod(obj api.Object) []controllers.Key {
	m := obj.GetObjectMeta()
	var keys []controllers.Key
	for _, o := range c.svcCache.List(m.Namespace, nil) {
		sel := o.(*api.Service).Spec.Selector
		if sel != nil && labels.SelectorFromSet(labels.Set(sel)).Matches(labels.Set(m.Labels)) {
			keys = append(keys, controllers.KeyOf(o))
		}
	}
	return keys
}

// Reconcile makes the Endpoints named key match the Service of that name,
// deleting them when the Service is gone.
func (c *Controller) Reconcile(ctx context.Context, key controllers.Key) (controllers.Result, error) {
	obj, ok := c.svcCache.Get(key.Namespace, key.Name)
	if !ok {
		return controllers.Result{}, c.deleteEndpoints(ctx, key)
	}
	svc := obj.(*api.Service)
	if svc.Spec.Selector == nil {
		return controllers.Result{}, nil
	}
	sel := labels.SelectorFromSet(labels.Set(svc.Spec.Selector))
	pods := c.podCache.List(svc.Namespace, sel)
	subsets := buildSubsets(svc, pods)
	if err := c.write(ctx, svc, subsets); err != nil {
		return controllers.Result{}, fmt.Errorf("endpoints %s: %w", key, err)
	}
	return controllers.Result{}, nil
}

// deleteEndpoints removes the Endpoints of a deleted Service.
func (c *Controller) deleteEndpoints(ctx context.Context, key controllers.Key) error {
	if _, ok := c.epCache.Get(key.Namespace, key.Name); !ok {
		return nil
	}
	_, _, err := c.client.Delete(ctx, controllers.EndpointsKind, key.Namespace, key.Name, registry.DeleteOptions{})
	if err != nil && !registry.IsNotFound(err) {
		return fmt.Errorf("delete endpoints %s: %w", key, err)
	}
	return nil
}

// write creates or updates the Endpoints when subsets or labels differ
// from what the cache shows, and does nothing otherwise.
func (c *Controller) write(ctx context.Context, svc *api.Service, subsets []api.EndpointSubset) error {
	cur, exists := c.epCache.Get(svc.Namespace, svc.Name)
	if exists {
		ep := cur.(*api.Endpoints)
		if reflect.DeepEqual(ep.Subsets, subsets) && maps.Equal(ep.Labels, svc.Labels) {
			return nil
		}
		next := ep.DeepCopy()
		next.Labels = maps.Clone(svc.Labels)
		next.Subsets = subsets
		_, err := c.client.Update(ctx, controllers.EndpointsKind, next, registry.UpdateOptions{})
		return err
	}
	ep := &api.Endpoints{
		TypeMeta:   api.TypeMeta{Kind: controllers.EndpointsKind.Kind, APIVersion: controllers.EndpointsKind.APIVersion()},
		ObjectMeta: api.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: maps.Clone(svc.Labels)},
		Subsets:    subsets,
	}
	_, err := c.client.Create(ctx, controllers.EndpointsKind, svc.Namespace, ep, registry.CreateOptions{})
	return err
}
