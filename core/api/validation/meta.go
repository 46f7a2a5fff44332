package validation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// validateObjectMeta checks the metadata every object carries. The
// namespace of a namespaced object is not required here (the API layer fills
// it from the request), only checked when set; a cluster-scoped object may
// not have one.
func validateObjectMeta(m *api.ObjectMeta, namespaced bool, nameFn nameFunc, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if m.GenerateName != "" {
		errs = append(errs, problems(p.Child("generateName"), m.GenerateName, nameFn(m.GenerateName, true))...)
	}
	switch {
	case m.Name != "":
		errs = append(errs, problems(p.Child("name"), m.Name, nameFn(m.Name, false))...)
	case m.GenerateName == "":
		errs = append(errs, field.Required(p.Child("name"), "name or generateName is required"))
	}
	errs = append(errs, validateMetaNamespace(m.Namespace, namespaced, p.Child("namespace"))...)
	errs = append(errs, nonNegative(m.Generation, p.Child("generation"))...)
	errs = append(errs, validateLabels(m.Labels, p.Child("labels"))...)
	errs = append(errs, validateAnnotations(m.Annotations, p.Child("annotations"))...)
	errs = append(errs, validateOwnerReferences(m.OwnerReferences, p.Child("ownerReferences"))...)
	errs = append(errs, validateFinalizers(m.Finalizers, p.Child("finalizers"))...)
	return errs
}

func validateMetaNamespace(ns string, namespaced bool, p *field.Path) field.ErrorList {
	if !namespaced {
		if ns != "" {
			return field.ErrorList{field.Forbidden(p, "not allowed on this type")}
		}
		return nil
	}
	if ns == "" {
		return nil
	}
	return problems(p, ns, labels.IsDNS1123Label(ns))
}

// validateLabels checks label keys and values; like Kubernetes it reports
// them against the map's path, in key order.
func validateLabels(m map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(m) {
		errs = append(errs, problems(p, k, labels.ValidateLabelKey(k))...)
		errs = append(errs, problems(p, m[k], labels.ValidateLabelValue(m[k]))...)
	}
	return errs
}

// validateAnnotations checks annotation keys (qualified names, any case)
// and caps the total size of keys and values at 256 KiB.
func validateAnnotations(m map[string]string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for _, k := range sortedKeys(m) {
		errs = append(errs, problems(p, k, labels.IsQualifiedName(strings.ToLower(k)))...)
		size += len(k) + len(m[k])
	}
	if size > maxAnnotationSize {
		errs = append(errs, field.TooLong(p, maxAnnotationSize))
	}
	return errs
}

// validateOwnerReferences checks each reference's required fields and that
// at most one reference is the controller; as in Kubernetes, the errors name
// the list, not the element.
func validateOwnerReferences(refs []api.OwnerReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	controller := ""
	for _, r := range refs {
		errs = append(errs, validateOwnerReference(r, p)...)
		if r.Controller == nil || !*r.Controller {
			continue
		}
		name := r.Kind + "/" + r.Name
		if controller != "" {
			errs = append(errs, field.Invalid(p, printable(refs), fmt.Sprintf(
				"Only one reference can have Controller set to true. Found \"true\" in references for %s and %s",
				controller, name)))
			continue
		}
		controller = name
	}
	return errs
}

func validateOwnerReference(r api.OwnerReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if version := r.APIVersion[strings.LastIndex(r.APIVersion, "/")+1:]; version == "" {
		errs = append(errs, field.Invalid(p.Child("apiVersion"), r.APIVersion, "version must not be empty"))
	}
	if r.Kind == "" {
		errs = append(errs, field.Invalid(p.Child("kind"), r.Kind, "kind must not be empty"))
	}
	if r.Name == "" {
		errs = append(errs, field.Invalid(p.Child("name"), r.Name, "name must not be empty"))
	}
	if r.UID == "" {
		errs = append(errs, field.Invalid(p.Child("uid"), r.UID, "uid must not be empty"))
	}
	return errs
}

// The finalizers Kubernetes itself understands; any other finalizer must be
// a domain-qualified name such as example.com/cleanup.
var standardFinalizers = []string{"kubernetes", "orphan", "foregroundDeletion"}

func validateFinalizers(fs []string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range fs {
		errs = append(errs, validateFinalizerName(f, p)...)
	}
	if slices.Contains(fs, "orphan") && slices.Contains(fs, "foregroundDeletion") {
		errs = append(errs, field.Invalid(p, printable(fs), "finalizer orphan and foregroundDeletion cannot be both set"))
	}
	return errs
}

func validateFinalizerName(f string, p *field.Path) field.ErrorList {
	if errs := validateQualifiedName(f, p); len(errs) > 0 {
		return errs
	}
	if !strings.Contains(f, "/") && !slices.Contains(standardFinalizers, f) {
		return field.ErrorList{field.Invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified")}
	}
	return nil
}

// validateObjectMetaUpdate keeps identity fixed: name, namespace, uid and
// creation time may not change, a deletion timestamp once set stays, and no
// finalizer may be added to an object being deleted.
func validateObjectMetaUpdate(old, m *api.ObjectMeta, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, immutable(old.Name, m.Name, p.Child("name"))...)
	errs = append(errs, immutable(old.Namespace, m.Namespace, p.Child("namespace"))...)
	errs = append(errs, immutable(old.UID, m.UID, p.Child("uid"))...)
	errs = append(errs, immutable(old.CreationTimestamp, m.CreationTimestamp, p.Child("creationTimestamp"))...)
	if old.DeletionTimestamp == nil {
		return errs
	}
	errs = append(errs, immutable(old.DeletionTimestamp, m.DeletionTimestamp, p.Child("deletionTimestamp"))...)
	var added []string
	for _, f := range m.Finalizers {
		if !slices.Contains(old.Finalizers, f) {
			added = append(added, f)
		}
	}
	if len(added) > 0 {
		errs = append(errs, field.Forbidden(p.Child("finalizers"), fmt.Sprintf(
			"no new finalizers can be added if the object is being deleted, found new finalizers %q", added)))
	}
	return errs
}

// validateLabelSelector checks an API label selector: valid keys and
// values, and operators with the right number of values.
func validateLabelSelector(s *api.LabelSelector, p *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	errs := validateLabels(s.MatchLabels, p.Child("matchLabels"))
	for i, r := range s.MatchExpressions {
		errs = append(errs, validateSelectorRequirement(r, p.Child("matchExpressions").Index(i))...)
	}
	return errs
}

func validateSelectorRequirement(r api.LabelSelectorRequirement, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch r.Operator {
	case api.LabelSelectorOpIn, api.LabelSelectorOpNotIn:
		if len(r.Values) == 0 {
			errs = append(errs, field.Required(p.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case api.LabelSelectorOpExists, api.LabelSelectorOpDoesNotExist:
		if len(r.Values) > 0 {
			errs = append(errs, field.Forbidden(p.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	default:
		errs = append(errs, field.Invalid(p.Child("operator"), string(r.Operator), "not a valid selector operator"))
	}
	errs = append(errs, validateQualifiedName(r.Key, p.Child("key"))...)
	for i, v := range r.Values {
		errs = append(errs, problems(p.Child("values").Index(i), v, labels.ValidateLabelValue(v))...)
	}
	return errs
}

// sortedKeys lists a map's keys in order, so errors come out in a fixed order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
