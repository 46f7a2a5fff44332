package registry

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
)

// The subresources beyond status that the registry serves.
const (
	SubresourceScale   = "scale"
	SubresourceBinding = "binding"
)

// maxScaleRetries bounds how often an unconditional scale is retried
// after a concurrent write to the object.
const maxScaleRetries = 5

// Scale is the autoscaling/v1 Scale that a scale subresource reads and
// writes, so kubectl scale and autoscalers need not know the kind scaled.
type Scale struct {
	Kind       string         `json:"kind,omitempty"`
	APIVersion string         `json:"apiVersion,omitempty"`
	Metadata   api.ObjectMeta `json:"metadata"`
	Spec       ScaleSpec      `json:"spec"`
	Status     ScaleStatus    `json:"status"`
}

// ScaleSpec is the wanted number of replicas.
type ScaleSpec struct {
	Replicas int32 `json:"replicas,omitempty"`
}

// ScaleStatus is the observed number of replicas and the selector of
// their pods, in the label query string form.
type ScaleStatus struct {
	Replicas int32  `json:"replicas"`
	Selector string `json:"selector,omitempty"`
}

// HasScale reports whether objects of kind serve the scale subresource.
func HasScale(kind *api.Kind) bool {
	switch kind.New().(type) {
	case *api.Deployment, *api.ReplicaSet:
		return true
	}
	return false
}

// GetScale returns the Scale of a Deployment or ReplicaSet.
func (r *Registry) GetScale(ctx context.Context, kind *api.Kind, namespace, name string) (*Scale, error) {
	obj, err := r.Get(ctx, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	return scaleOf(kind, obj)
}

// UpdateScale sets the wanted replicas of a Deployment or ReplicaSet from
// s; a resourceVersion in s must match the object's.
func (r *Registry) UpdateScale(ctx context.Context, kind *api.Kind, namespace, name string, s *Scale, dryRun bool) (*Scale, error) {
	if s.Metadata.Name != "" && s.Metadata.Name != name {
		return nil, NewBadRequest(fmt.Sprintf("the name of the Scale (%s) does not match the name on the URL (%s)",
			s.Metadata.Name, name))
	}
	for attempt := 0; ; attempt++ {
		cur, err := r.Get(ctx, kind, namespace, name)
		if err != nil {
			return nil, err
		}
		rv := s.Metadata.ResourceVersion
		if rv != "" && rv != cur.GetObjectMeta().ResourceVersion {
			return nil, NewConflict(kind, name)
		}
		next := cur.DeepCopyObject()
		if err := setReplicas(next, s.Spec.Replicas); err != nil {
			return nil, err
		}
		out, err := r.Update(ctx, kind, next, UpdateOptions{DryRun: dryRun})
		if IsConflict(err) && rv == "" && attempt < maxScaleRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return scaleOf(kind, out)
	}
}

// setReplicas sets the wanted replicas of a scalable object.
func setReplicas(obj api.Object, n int32) error {
	switch o := obj.(type) {
	case *api.Deployment:
		o.Spec.Replicas = &n
	case *api.ReplicaSet:
		o.Spec.Replicas = &n
	default:
		return NewBadRequest(fmt.Sprintf("%T has no scale subresource", obj))
	}
	return nil
}

// scaleOf builds the Scale view of a scalable object.
func scaleOf(kind *api.Kind, obj api.Object) (*Scale, error) {
	var spec *int32
	var status int32
	var sel *api.LabelSelector
	switch o := obj.(type) {
	case *api.Deployment:
		spec, status, sel = o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *api.ReplicaSet:
		spec, status, sel = o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	default:
		return nil, NewBadRequest(fmt.Sprintf("%s has no scale subresource", kind.GroupResource()))
	}
	s := &Scale{Kind: "Scale", APIVersion: "autoscaling/v1", Status: ScaleStatus{Replicas: status}}
	m := obj.GetObjectMeta()
	s.Metadata = api.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID,
		ResourceVersion: m.ResourceVersion, CreationTimestamp: m.CreationTimestamp}
	s.Spec.Replicas = 1
	if spec != nil {
		s.Spec.Replicas = *spec
	}
	if ls, err := api.LabelSelectorAsSelector(sel); err == nil {
		s.Status.Selector = ls.String()
	}
	return s, nil
}
