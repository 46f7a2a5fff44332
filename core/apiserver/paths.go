package apiserver

import (
	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// target is what a REST path addresses: a collection (name empty) or an
// object, optionally a subresource of it.
type target struct {
	kind      *api.Kind
	namespace string // from /namespaces/{ns}/...; "" for all namespaces
	name      string
	sub       string
}

// nsOK reports whether a collection write (create, deletecollection) has
// the namespace it needs.
func (t target) nsOK() bool { return !t.kind.Namespaced || t.namespace != "" }

// notFoundPath is the Status for a path that names nothing.
func notFoundPath() error {
	st := registry.NewNotFound(&api.Kind{Resource: "path"}, "")
	st.Status.Message = "the server could not find the requested resource"
	st.Status.Details = nil
	return st
}

// parseTarget reads /api/v1/... or /apis/{group}/{version}/... after the
// prefix into a target.
func parseTarget(segs []string) (target, error) {
	var group, version string
	var rest []string
	switch {
	case len(segs) >= 3 && segs[0] == "api":
		version, rest = segs[1], segs[2:]
	case len(segs) >= 4 && segs[0] == "apis":
		group, version, rest = segs[1], segs[2], segs[3:]
	default:
		return target{}, notFoundPath()
	}
	for _, s := range rest {
		if s == "" {
			return target{}, notFoundPath()
		}
	}
	var t target
	var resource string
	switch {
	case len(rest) >= 3 && rest[0] == "namespaces" && !isNamespaceSub(rest):
		t.namespace, resource, rest = rest[1], rest[2], rest[3:]
	default:
		resource, rest = rest[0], rest[1:]
	}
	if len(rest) > 2 {
		return target{}, notFoundPath()
	}
	if len(rest) > 0 {
		t.name = rest[0]
	}
	if len(rest) > 1 {
		t.sub = rest[1]
	}
	return resolveKind(t, group, version, resource)
}

// isNamespaceSub tells /namespaces/{name}/status (a namespace's
// subresource) from /namespaces/{ns}/{resource}.
func isNamespaceSub(rest []string) bool {
	return len(rest) == 3 && (rest[2] == "status" || rest[2] == "finalize")
}

// resolveKind finds the kind served at group/version/resource and checks
// the path's scope and subresource against it.
func resolveKind(t target, group, version, resource string) (target, error) {
	k, err := api.LookupResource(group, resource)
	if err != nil || k.Version != version {
		return target{}, notFoundPath()
	}
	t.kind = k
	switch {
	case !k.Namespaced && t.namespace != "":
		return target{}, notFoundPath()
	case k.Namespaced && t.name != "" && t.namespace == "":
		return target{}, notFoundPath()
	case t.sub != "" && !hasSubresource(k, t.sub):
		return target{}, notFoundPath()
	}
	return t, nil
}

// hasSubresource reports whether objects of k serve subresource sub.
func hasSubresource(k *api.Kind, sub string) bool {
	switch sub {
	case registry.SubresourceStatus:
		return registry.HasStatus(k)
	case registry.SubresourceScale:
		return registry.HasScale(k)
	case registry.SubresourceBinding, subresourceLog:
		return k.Group == "" && k.Kind == "Pod"
	}
	return false
}

// discoveryGroupVersion recognises /api/v1 and /apis/{group}/{version}.
func discoveryGroupVersion(segs []string) (string, bool) {
	switch {
	case len(segs) == 2 && segs[0] == "api":
		return segs[1], true
	case len(segs) == 3 && segs[0] == "apis":
		return segs[1] + "/" + segs[2], true
	}
	return "", false
}
