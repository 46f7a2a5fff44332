package framework

import (
	"context"
	"maps"

	"github.com/kubetwin/kubetwin/core/api"
)

// AnnotatingBinder is a Binder that can set annotations on the pod with the
// binding itself, as Kubernetes' pods/binding does with the Binding's own
// annotations. The driver's binder is one.
type AnnotatingBinder interface {
	Binder
	BindWithAnnotations(ctx context.Context, pod *api.Pod, nodeName string, annotations map[string]string) error
}

// bindingAnnotationsKey holds the annotations plugins ask for in a cycle.
const bindingAnnotationsKey StateKey = "framework/binding-annotations"

type bindingAnnotations map[string]string

func (b bindingAnnotations) Clone() StateData { return maps.Clone(b) }

// SetBindingAnnotation asks for an annotation to be written on the pod
// with its binding, so what a plugin chose on the node (which GPU, say)
// lands in the same write as the placement and can never be seen apart
// from it. Reserve and PreBind plugins call it; the binder applies it.
func SetBindingAnnotation(state *CycleState, key, value string) {
	next := bindingAnnotations{key: value}
	if d, err := state.Read(bindingAnnotationsKey); err == nil {
		next = maps.Clone(d.(bindingAnnotations))
		next[key] = value
	}
	state.Write(bindingAnnotationsKey, next)
}

// DeleteBindingAnnotation withdraws an annotation, for an Unreserve.
func DeleteBindingAnnotation(state *CycleState, key string) {
	d, err := state.Read(bindingAnnotationsKey)
	if err != nil {
		return
	}
	next := maps.Clone(d.(bindingAnnotations))
	delete(next, key)
	state.Write(bindingAnnotationsKey, next)
}

// BindingAnnotations returns the annotations asked for in this cycle
// (nil when none); the map must not be changed.
func BindingAnnotations(state *CycleState) map[string]string {
	if state == nil {
		return nil
	}
	if d, err := state.Read(bindingAnnotationsKey); err == nil && len(d.(bindingAnnotations)) > 0 {
		return d.(bindingAnnotations)
	}
	return nil
}
