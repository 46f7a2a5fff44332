package validation

import (
	"regexp"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

var httpHeaderNameRegexp = regexp.MustCompile(`^[-A-Za-z0-9]+$`)

// validateResourceList checks every entry of a capacity, allocatable or
// overhead list.
func validateResourceList(l api.ResourceList, p *field.Path, forContainer bool) field.ErrorList {
	var errs field.ErrorList
	for _, name := range sortedKeys(l) {
		errs = append(errs, validateResourceEntry(name, l[name], p.Key(string(name)), forContainer)...)
	}
	return errs
}

// validateResourceEntry checks one resource name and its quantity: never
// negative, and a whole number for resources counted in units (extended
// resources such as nvidia.com/gpu).
func validateResourceEntry(name api.ResourceName, q resource.Quantity, p *field.Path, forContainer bool) field.ErrorList {
	errs := validateResourceName(name, p, forContainer)
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(p, q.String(), nonNegativeMsg))
	}
	if isIntegerResource(name) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(p, q.String(), notIntegerMsg))
	}
	return errs
}

// validateResourceName accepts the standard names (cpu, memory, ...) and
// domain-qualified extended resources.
func validateResourceName(name api.ResourceName, p *field.Path, forContainer bool) field.ErrorList {
	s := string(name)
	if errs := validateQualifiedName(s, p); len(errs) > 0 {
		return errs
	}
	switch {
	case !strings.Contains(s, "/"):
		if forContainer && !isStandardContainerResource(name) {
			return field.ErrorList{field.Invalid(p, s, "must be a standard resource for containers")}
		}
		if !forContainer && !isStandardResource(name) {
			return field.ErrorList{field.Invalid(p, s, "must be a standard resource type or fully qualified")}
		}
	case !isNativeResource(name) && !isExtendedResource(name):
		return field.ErrorList{field.Invalid(p, s, "doesn't follow extended resource name standard")}
	}
	return nil
}

func isStandardContainerResource(name api.ResourceName) bool {
	switch name {
	case api.ResourceCPU, api.ResourceMemory, api.ResourceEphemeralStorage:
		return true
	}
	return isHugePages(name)
}

func isStandardResource(name api.ResourceName) bool {
	return isStandardContainerResource(name) || name == api.ResourcePods || name == "storage"
}

func isHugePages(name api.ResourceName) bool {
	return strings.HasPrefix(string(name), "hugepages-")
}

// isNativeResource is a resource Kubernetes itself defines: unprefixed or
// in the kubernetes.io domain.
func isNativeResource(name api.ResourceName) bool {
	s := string(name)
	return !strings.Contains(s, "/") || strings.Contains(s, "kubernetes.io/")
}

// isExtendedResource is a device or other resource a node advertises under
// its own domain, such as nvidia.com/gpu.
func isExtendedResource(name api.ResourceName) bool {
	s := string(name)
	if isNativeResource(name) || strings.HasPrefix(s, "requests.") {
		return false
	}
	return len(labels.IsQualifiedName("requests."+s)) == 0
}

func isIntegerResource(name api.ResourceName) bool {
	return isExtendedResource(name) || name == api.ResourcePods
}

// overcommitAllowed says whether a request may be below its limit; devices
// and hugepages can't be shared, so they must request exactly their limit.
func overcommitAllowed(name api.ResourceName) bool {
	return isNativeResource(name) && !isHugePages(name)
}
