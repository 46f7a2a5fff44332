// Package validation checks API objects against the rules Kubernetes
// enforces on create and update, reporting every problem with its field path
// and Kubernetes' wording, so a manifest rejected by Kubernetes is rejected
// here with the same message.
//
// Validation expects defaulted objects (api.Default), as Kubernetes
// validates after defaulting: fields that defaulting always fills, such as a
// pod's restartPolicy, are reported as required when they are empty.
// Rules that need other objects or the request (a namespace that must exist,
// a generated Job selector, a priority resolved from its class, allocated
// cluster IPs and node ports) belong to the API layer.
package validation

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
)

// ValidateObject checks a new object of any supported kind; an empty list
// means it may be stored.
func ValidateObject(obj api.Object) field.ErrorList {
	switch o := obj.(type) {
	case *api.Pod:
		return validatePod(o)
	case *api.ReplicaSet:
		return validateReplicaSet(o)
	case *api.Deployment:
		return validateDeployment(o)
	case *api.DaemonSet:
		return validateDaemonSet(o)
	case *api.Job:
		return validateJob(o)
	case *api.Service:
		return validateService(o)
	case *api.Endpoints:
		return validateEndpoints(o)
	case *api.Namespace:
		return validateNamespace(o)
	case *api.Node:
		return validateNode(o)
	case *api.Event:
		return validateEvent(o)
	case *api.Lease:
		return validateLease(o)
	case *api.PriorityClass:
		return validatePriorityClass(o)
	}
	return field.ErrorList{field.Invalid(field.NewPath("kind"), fmt.Sprintf("%T", obj), "unsupported kind")}
}

// ValidateUpdate checks obj as a replacement for old: obj must be valid on
// its own, and fields Kubernetes makes immutable must keep old's values.
func ValidateUpdate(old, obj api.Object) field.ErrorList {
	if reflect.TypeOf(old) != reflect.TypeOf(obj) {
		return field.ErrorList{field.Invalid(field.NewPath("kind"), fmt.Sprintf("%T", obj),
			fmt.Sprintf("may not change from %T", old))}
	}
	errs := ValidateObject(obj)
	errs = append(errs, validateObjectMetaUpdate(old.GetObjectMeta(), obj.GetObjectMeta(), field.NewPath("metadata"))...)
	switch o := obj.(type) {
	case *api.Pod:
		errs = append(errs, validatePodUpdate(old.(*api.Pod), o)...)
	case *api.ReplicaSet:
		errs = append(errs, validateSelectorUpdate(old.(*api.ReplicaSet).Spec.Selector, o.Spec.Selector)...)
	case *api.Deployment:
		errs = append(errs, validateSelectorUpdate(old.(*api.Deployment).Spec.Selector, o.Spec.Selector)...)
	case *api.DaemonSet:
		errs = append(errs, validateSelectorUpdate(old.(*api.DaemonSet).Spec.Selector, o.Spec.Selector)...)
	case *api.Job:
		errs = append(errs, validateJobUpdate(old.(*api.Job), o)...)
	case *api.Service:
		errs = append(errs, validateServiceUpdate(old.(*api.Service), o)...)
	case *api.PriorityClass:
		errs = append(errs, validatePriorityClassUpdate(old.(*api.PriorityClass), o)...)
	}
	return errs
}

// ValidateStatusUpdate checks obj as a write to old's status subresource,
// where everything but the status is old's: the metadata rules of an
// update and the status fields, as Kubernetes' Validate*StatusUpdate do.
func ValidateStatusUpdate(old, obj api.Object) field.ErrorList {
	if reflect.TypeOf(old) != reflect.TypeOf(obj) {
		return field.ErrorList{field.Invalid(field.NewPath("kind"), fmt.Sprintf("%T", obj),
			fmt.Sprintf("may not change from %T", old))}
	}
	errs := validateObjectMetaUpdate(old.GetObjectMeta(), obj.GetObjectMeta(), field.NewPath("metadata"))
	switch o := obj.(type) {
	case *api.Node:
		errs = append(errs, validateNodeStatus(o)...)
	case *api.Namespace:
		errs = append(errs, validateNamespaceStatus(o)...)
	}
	return errs
}

// Messages Kubernetes uses for its most common rules.
const (
	immutableMsg      = "field is immutable"
	nonNegativeMsg    = "must be greater than or equal to 0"
	positiveMsg       = "must be greater than zero"
	portRangeMsg      = "must be between 1 and 65535, inclusive"
	invalidIPMsg      = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
	invalidCIDRMsg    = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
	notIntegerMsg     = "must be an integer"
	maxAnnotationSize = 256 * 1024
)

// nonNegative reports a negative count or duration.
func nonNegative(v int64, p *field.Path) field.ErrorList {
	if v < 0 {
		return field.ErrorList{field.Invalid(p, v, nonNegativeMsg)}
	}
	return nil
}

// immutable reports a field whose new value differs from the old one;
// values are compared by their JSON, so nil and empty are the same.
func immutable(oldV, newV any, p *field.Path) field.ErrorList {
	if semanticEqual(oldV, newV) {
		return nil
	}
	return field.ErrorList{field.Invalid(p, printable(newV), immutableMsg)}
}

// semanticEqual compares two API values as their JSON forms, as Kubernetes'
// semantic equality treats nil and empty lists and maps alike.
func semanticEqual(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return true // the common case, and far cheaper than encoding both
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// printable turns a value into something an error message can show: scalars
// as they are, pointers dereferenced, anything bigger as its JSON.
func printable(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return "null"
	}
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return "null"
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int32, reflect.Int64:
		return rv.Interface()
	}
	if s, ok := rv.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return fmt.Sprintf("%v", rv.Interface())
	}
	return string(b)
}

// problems turns a name checker's messages into Invalid errors on p.
func problems(p *field.Path, value any, msgs []string) field.ErrorList {
	var errs field.ErrorList
	for _, m := range msgs {
		errs = append(errs, field.Invalid(p, value, m))
	}
	return errs
}
