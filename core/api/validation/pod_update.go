package validation

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
)

// podUpdateMsg is Kubernetes' refusal of a pod spec change, naming what may change.
const podUpdateMsg = "pod updates may not change fields other than `spec.containers[*].image`," +
	"`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`," +
	"`spec.tolerations` (only additions to existing tolerations)"

// validatePodUpdate enforces that a running pod's spec is fixed except for
// container images, a shrinking active deadline and added tolerations.
// Binding (setting spec.nodeName) is the binding subresource's business and
// doesn't come through here.
func validatePodUpdate(old, pod *api.Pod) field.ErrorList {
	sp := field.NewPath("spec")
	if len(old.Spec.Containers) != len(pod.Spec.Containers) {
		return field.ErrorList{field.Forbidden(sp.Child("containers"), "pod updates may not add or remove containers")}
	}
	errs := validateDeadlineUpdate(old.Spec.ActiveDeadlineSeconds, pod.Spec.ActiveDeadlineSeconds, sp.Child("activeDeadlineSeconds"))
	errs = append(errs, validateOnlyAddedTolerations(old.Spec.Tolerations, pod.Spec.Tolerations, sp.Child("tolerations"))...)
	if changed := changedFields(maskMutable(old.Spec), maskMutable(pod.Spec)); len(changed) > 0 {
		errs = append(errs, field.Forbidden(sp, podUpdateMsg+"\n  changed: "+strings.Join(changed, ", ")))
	}
	return errs
}

// validateDeadlineUpdate lets an active deadline be set or shortened, never
// lengthened or removed.
func validateDeadlineUpdate(old, cur *int64, p *field.Path) field.ErrorList {
	switch {
	case cur == nil && old != nil:
		return field.ErrorList{field.Invalid(p, nil, "must not update from a positive integer to nil value")}
	case cur != nil && old != nil && *cur > *old:
		return field.ErrorList{field.Invalid(p, *cur, "must be less than or equal to previous value")}
	}
	return nil
}

// validateOnlyAddedTolerations requires every old toleration to survive an
// update unchanged but for its tolerationSeconds.
func validateOnlyAddedTolerations(old, cur []api.Toleration, p *field.Path) field.ErrorList {
	for _, o := range old {
		if !slices.ContainsFunc(cur, func(t api.Toleration) bool { return sameToleration(o, t) }) {
			return field.ErrorList{field.Forbidden(p, "existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

func sameToleration(a, b api.Toleration) bool {
	return a.Key == b.Key && a.Operator == b.Operator && a.Value == b.Value && a.Effect == b.Effect
}

// maskMutable blanks the fields a pod update may change, so what is left
// must compare equal.
func maskMutable(s api.PodSpec) api.PodSpec {
	s.Containers = withoutImages(s.Containers)
	s.InitContainers = withoutImages(s.InitContainers)
	s.ActiveDeadlineSeconds = nil
	s.Tolerations = nil
	return s
}

func withoutImages(cs []api.Container) []api.Container {
	if len(cs) == 0 {
		return nil
	}
	out := slices.Clone(cs)
	for i := range out {
		out[i].Image = ""
	}
	return out
}

// changedFields lists the top-level spec fields whose JSON differs, in order.
func changedFields(a, b api.PodSpec) []string {
	ma, mb := jsonFields(a), jsonFields(b)
	keys := sortedKeys(ma)
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		if string(ma[k]) != string(mb[k]) {
			out = append(out, "spec."+k)
		}
	}
	return out
}

func jsonFields(s api.PodSpec) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	b, err := json.Marshal(s)
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		return map[string]json.RawMessage{"": json.RawMessage(err.Error())}
	}
	return m
}
