package controllers

import (
	"context"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
)

// Client is the part of the registry controllers write through; the
// *registry.Registry satisfies it, and tests may wrap it to inject failures.
type Client interface {
	Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts registry.CreateOptions) (api.Object, error)
	Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error)
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error)
}

var _ Client = (*registry.Registry)(nil)

// The kinds the controllers in this tree read and write.
var (
	PodKind        = api.MustLookupKind(api.CoreV1, "Pod")
	ServiceKind    = api.MustLookupKind(api.CoreV1, "Service")
	EndpointsKind  = api.MustLookupKind(api.CoreV1, "Endpoints")
	ReplicaSetKind = api.MustLookupKind(api.AppsV1, "ReplicaSet")
)

// PodNodeIndex names the pod cache's index by spec.nodeName.
const PodNodeIndex = "spec.nodeName"

// PodsByNode returns set's pod cache indexed by node name (PodNodeIndex),
// adding the index if no one has yet.
func PodsByNode(set *cache.Set) *cache.Cache {
	c := set.For(PodKind)
	c.AddIndex(PodNodeIndex, func(o api.Object) string { return o.(*api.Pod).Spec.NodeName })
	return c
}

// PodReadyCondition returns the pod's Ready condition, or nil.
func PodReadyCondition(p *api.Pod) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == api.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(p *api.Pod) bool {
	c := PodReadyCondition(p)
	return c != nil && c.Status == api.ConditionTrue
}

// IsPodActive reports whether a pod still counts towards its owner's
// replicas: not being deleted and not finished.
func IsPodActive(p *api.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed
}
