package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// Binding is the v1 Binding a scheduler posts to pods/binding to place a
// pod on a node.
type Binding struct {
	Kind       string          `json:"kind,omitempty"`
	APIVersion string          `json:"apiVersion,omitempty"`
	Metadata   api.ObjectMeta  `json:"metadata"`
	Target     ObjectReference `json:"target"`
}

// ObjectReference names the object a Binding points at: a Node.
type ObjectReference struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// maxBindRetries bounds how often a bind is retried after a concurrent
// write to the pod (a status update, a label change).
const maxBindRetries = 5

var podKind = api.MustLookupKind(api.CoreV1, "Pod")

// IsConflict reports whether err is a Conflict API error or store error.
func IsConflict(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status.Reason == api.StatusReasonConflict
	}
	return errors.Is(err, store.ErrConflict)
}

// Bind sets an unbound pod's node and its PodScheduled condition, as the
// scheduler's binding does; a pod already bound (or being deleted) is a
// Conflict, so no pod is ever bound twice.
func (r *Registry) Bind(ctx context.Context, namespace, name string, b *Binding, dryRun bool) error {
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		return NewBadRequest(fmt.Sprintf("a binding's target must be a Node, not %q", b.Target.Kind))
	}
	if b.Target.Name == "" {
		return NewBadRequest("a binding's target must name a node")
	}
	if b.Metadata.Name != "" && b.Metadata.Name != name {
		return NewBadRequest(fmt.Sprintf("the binding's name (%s) does not match the pod (%s)", b.Metadata.Name, name))
	}
	for attempt := 0; ; attempt++ {
		err := r.bindOnce(ctx, namespace, name, b, dryRun)
		if IsConflict(err) && errors.Is(err, store.ErrConflict) && attempt < maxBindRetries {
			continue
		}
		return err
	}
}

// bindOnce binds the pod as currently stored.
func (r *Registry) bindOnce(ctx context.Context, namespace, name string, b *Binding, dryRun bool) error {
	obj, err := r.Get(ctx, podKind, namespace, name)
	if err != nil {
		return err
	}
	pod := obj.DeepCopyObject().(*api.Pod)
	if uid := b.Metadata.UID; uid != "" && uid != pod.UID {
		return NewConflict(podKind, name)
	}
	if pod.Spec.NodeName != "" {
		return alreadyBound(name, pod.Spec.NodeName)
	}
	if pod.DeletionTimestamp != nil {
		return newError(http.StatusConflict, api.StatusReasonConflict,
			fmt.Sprintf("pod %s is being deleted, cannot be assigned to a host", name), details(podKind, name), nil)
	}
	pod.Spec.NodeName = b.Target.Name
	// As Kubernetes' pods/binding does, the binding's annotations are set on
	// the pod in the same write, so a scheduler can record what it chose on
	// the node (GPU devices, say) without a second write that could race.
	for k, v := range b.Metadata.Annotations {
		if pod.Annotations == nil {
			pod.Annotations = map[string]string{}
		}
		pod.Annotations[k] = v
	}
	setPodScheduled(pod, api.NewTime(r.clock.Now()))
	if dryRun {
		return nil
	}
	if _, err := r.store.Update(ctx, pod); err != nil {
		return FromStoreError(podKind, name, err)
	}
	return nil
}

// alreadyBound is the Conflict for binding a pod that has a node.
func alreadyBound(name, node string) error {
	return newError(http.StatusConflict, api.StatusReasonConflict,
		fmt.Sprintf("pod %s is already assigned to node %q", name, node), details(podKind, name), nil)
}

// setPodScheduled sets the pod's PodScheduled condition to True.
func setPodScheduled(pod *api.Pod, now api.Time) {
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type == api.PodScheduled {
			if c.Status != api.ConditionTrue {
				c.Status, c.LastTransitionTime, c.Reason, c.Message = api.ConditionTrue, now, "", ""
			}
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions,
		api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue, LastTransitionTime: now})
}
