package validation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

func validateNode(n *api.Node) field.ErrorList {
	sp := field.NewPath("spec")
	errs := validateObjectMeta(&n.ObjectMeta, false, subdomainName, field.NewPath("metadata"))
	if n.Spec.PodCIDR != "" {
		errs = append(errs, validateCIDR(n.Spec.PodCIDR, sp.Child("podCIDR"))...)
	}
	for i, c := range n.Spec.PodCIDRs {
		errs = append(errs, validateCIDR(c, sp.Child("podCIDRs").Index(i))...)
	}
	if n.Spec.PodCIDR != "" && len(n.Spec.PodCIDRs) > 0 && n.Spec.PodCIDRs[0] != n.Spec.PodCIDR {
		errs = append(errs, field.Invalid(sp.Child("podCIDRs"), printable(n.Spec.PodCIDRs), "first value must match `podCIDR`"))
	}
	errs = append(errs, validateTaints(n.Spec.Taints, sp.Child("taints"))...)
	return append(errs, validateNodeStatus(n)...)
}

func validateNodeStatus(n *api.Node) field.ErrorList {
	st := field.NewPath("status")
	errs := validateResourceList(n.Status.Capacity, st.Child("capacity"), false)
	return append(errs, validateResourceList(n.Status.Allocatable, st.Child("allocatable"), false)...)
}

// validateTaints checks each taint and that no two share a key and effect,
// which would make one of them meaningless.
func validateTaints(ts []api.Taint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, t := range ts {
		tp := p.Index(i)
		errs = append(errs, validateQualifiedName(t.Key, tp.Child("key"))...)
		errs = append(errs, problems(tp.Child("value"), t.Value, labels.ValidateLabelValue(t.Value))...)
		errs = append(errs, validateTaintEffect(t.Effect, false, tp.Child("effect"))...)
		key := string(t.Effect) + "\x00" + t.Key
		if seen[key] {
			dup := field.Duplicate(tp, printable(t))
			dup.Detail = "taints must be unique by key and effect pair"
			errs = append(errs, dup)
		}
		seen[key] = true
	}
	return errs
}

func validateNamespace(ns *api.Namespace) field.ErrorList {
	errs := validateObjectMeta(&ns.ObjectMeta, false, labelName, field.NewPath("metadata"))
	for _, f := range ns.Spec.Finalizers {
		errs = append(errs, validateFinalizerName(f, field.NewPath("spec", "finalizers"))...)
	}
	return append(errs, validateNamespaceStatus(ns)...)
}

func validateNamespaceStatus(ns *api.Namespace) field.ErrorList {
	if ph := ns.Status.Phase; ph != "" {
		return validateEnum(string(ph), field.NewPath("status", "phase"),
			string(api.NamespaceActive), string(api.NamespaceTerminating))
	}
	return nil
}

func validateLease(l *api.Lease) field.ErrorList {
	sp := field.NewPath("spec")
	errs := validateObjectMeta(&l.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	if d := l.Spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(sp.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if t := l.Spec.LeaseTransitions; t != nil {
		errs = append(errs, nonNegative(int64(*t), sp.Child("leaseTransitions"))...)
	}
	return errs
}

// The length limits Kubernetes puts on an Event's free-text fields.
const (
	eventShortFieldMax = 128
	eventMessageMax    = 1024
)

// validateEvent checks a core/v1 Event. An event lives in the namespace of
// the object it is about; legacy events (without eventTime) about
// cluster-scoped objects live in "default", newer ones in "default" or
// "kube-system" and must name their reporter, action and reason.
func validateEvent(e *api.Event) field.ErrorList {
	errs := validateObjectMeta(&e.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	ion := e.InvolvedObject.Namespace
	allowed := []string{"", "default"}
	if !e.EventTime.IsZero() {
		allowed = []string{"default", "kube-system"}
	}
	if (ion == "" && !slices.Contains(allowed, e.Namespace)) || (ion != "" && e.Namespace != ion) {
		errs = append(errs, field.Invalid(field.NewPath("involvedObject", "namespace"), ion, "does not match event.namespace"))
	}
	if e.EventTime.IsZero() {
		return errs
	}
	errs = append(errs, requiredText(e.ReportingController, eventShortFieldMax, field.NewPath("reportingComponent"))...)
	if e.ReportingController != "" {
		errs = append(errs, validateQualifiedName(e.ReportingController, field.NewPath("reportingComponent"))...)
	}
	errs = append(errs, requiredText(e.ReportingInstance, eventShortFieldMax, field.NewPath("reportingInstance"))...)
	errs = append(errs, requiredText(e.Action, eventShortFieldMax, field.NewPath("action"))...)
	errs = append(errs, requiredText(e.Reason, eventShortFieldMax, field.NewPath("reason"))...)
	if len(e.Message) > eventMessageMax {
		errs = append(errs, field.Invalid(field.NewPath("message"), "", fmt.Sprintf("can have at most %d characters", eventMessageMax)))
	}
	if e.Type != api.EventTypeNormal && e.Type != api.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	return errs
}

// requiredText reports an empty or over-long free-text field.
func requiredText(s string, limit int, p *field.Path) field.ErrorList {
	if s == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(s) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %d characters", limit))}
	}
	return nil
}

// systemPriorityClasses are the classes Kubernetes reserves, with the only
// values they may have.
var systemPriorityClasses = map[string]int32{
	"system-node-critical":    api.SystemCriticalPriority + 1000,
	"system-cluster-critical": api.SystemCriticalPriority,
}

const systemPriorityPrefix = "system-"

func validatePriorityClass(pc *api.PriorityClass) field.ErrorList {
	errs := validateObjectMeta(&pc.ObjectMeta, false, subdomainName, field.NewPath("metadata"))
	if strings.HasPrefix(pc.Name, systemPriorityPrefix) {
		if problem := systemPriorityClassProblem(pc); problem != "" {
			errs = append(errs, field.Forbidden(field.NewPath("metadata", "name"), "priority class names with '"+
				systemPriorityPrefix+"' prefix are reserved for system use only. error: "+problem))
		}
	} else if pc.Value > api.HighestUserDefinablePriority {
		errs = append(errs, field.Forbidden(field.NewPath("value"), fmt.Sprintf(
			"maximum allowed value of a user defined priority is %v", api.HighestUserDefinablePriority)))
	}
	if pp := pc.PreemptionPolicy; pp != nil {
		errs = append(errs, validateEnum(string(*pp), field.NewPath("preemptionPolicy"),
			string(api.PreemptLowerPriority), string(api.PreemptNever))...)
	}
	return errs
}

// systemPriorityClassProblem says why a system- class isn't one of the
// reserved classes as Kubernetes defines them, or "" when it is.
func systemPriorityClassProblem(pc *api.PriorityClass) string {
	want, ok := systemPriorityClasses[pc.Name]
	switch {
	case !ok:
		return fmt.Sprintf("%v is not a known system priority class", pc.Name)
	case pc.Value != want:
		return fmt.Sprintf("value of %v PriorityClass must be %v", pc.Name, want)
	case pc.GlobalDefault:
		return fmt.Sprintf("globalDefault of %v PriorityClass must be false", pc.Name)
	}
	return ""
}

// validatePriorityClassUpdate keeps a class's value and policy: pods already
// carry the value they were admitted with.
func validatePriorityClassUpdate(old, pc *api.PriorityClass) field.ErrorList {
	var errs field.ErrorList
	if pc.Value != old.Value {
		errs = append(errs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	errs = append(errs, immutable(old.PreemptionPolicy, pc.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
	return errs
}
