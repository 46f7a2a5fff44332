package validation

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// Kubernetes caps Indexed Jobs at this many completions and this much parallelism.
const (
	maxIndexedJobCompletions = 100000
	maxIndexedJobParallelism = 100000
)

func validateReplicaSet(rs *api.ReplicaSet) field.ErrorList {
	sp := field.NewPath("spec")
	errs := validateObjectMeta(&rs.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	errs = append(errs, validateReplicas(rs.Spec.Replicas, sp)...)
	errs = append(errs, nonNegative(int64(rs.Spec.MinReadySeconds), sp.Child("minReadySeconds"))...)
	// Kubernetes names deployments in this message for ReplicaSets too.
	errs = append(errs, validateWorkloadSelector(rs.Spec.Selector, &rs.Spec.Template, sp, "deployment", true)...)
	errs = append(errs, validateAlwaysTemplate(&rs.Spec.Template, sp.Child("template"), "ReplicaSet")...)
	return errs
}

func validateDeployment(d *api.Deployment) field.ErrorList {
	s, sp := &d.Spec, field.NewPath("spec")
	errs := validateObjectMeta(&d.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	errs = append(errs, validateReplicas(s.Replicas, sp)...)
	errs = append(errs, validateWorkloadSelector(s.Selector, &s.Template, sp, "deployment", true)...)
	errs = append(errs, validateAlwaysTemplate(&s.Template, sp.Child("template"), "ReplicaSet")...)
	errs = append(errs, validateDeploymentStrategy(&s.Strategy, sp.Child("strategy"))...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), sp.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*s.RevisionHistoryLimit), sp.Child("revisionHistoryLimit"))...)
	}
	if pd := s.ProgressDeadlineSeconds; pd != nil {
		errs = append(errs, nonNegative(int64(*pd), sp.Child("progressDeadlineSeconds"))...)
		if *pd <= s.MinReadySeconds {
			errs = append(errs, field.Invalid(sp.Child("progressDeadlineSeconds"), *pd, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDaemonSet(ds *api.DaemonSet) field.ErrorList {
	s, sp := &ds.Spec, field.NewPath("spec")
	errs := validateObjectMeta(&ds.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	errs = append(errs, validateWorkloadSelector(s.Selector, &s.Template, sp, "daemonset", true)...)
	errs = append(errs, validateAlwaysTemplate(&s.Template, sp.Child("template"), "DaemonSet")...)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), sp.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(int64(*s.RevisionHistoryLimit), sp.Child("revisionHistoryLimit"))...)
	}
	errs = append(errs, validateDaemonSetStrategy(&s.UpdateStrategy, sp.Child("updateStrategy"))...)
	return errs
}

func validateReplicas(r *int32, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	return nonNegative(int64(*r), p.Child("replicas"))
}

// validateWorkloadSelector checks a controller's selector: present (when
// required), valid, not empty (it would adopt every pod in the namespace)
// and matching the template's labels (or the controller would never see the
// pods it creates).
func validateWorkloadSelector(sel *api.LabelSelector, t *api.PodTemplateSpec, p *field.Path, kind string, required bool) field.ErrorList {
	sp := p.Child("selector")
	if sel == nil {
		if required {
			return field.ErrorList{field.Required(sp, "")}
		}
		return nil
	}
	errs := validateLabelSelector(sel, sp)
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(sp, printable(sel), "empty selector is invalid for "+kind))
	}
	if len(errs) > 0 {
		return errs
	}
	s, err := api.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(sp, printable(sel), "invalid label selector")}
	}
	if !s.Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(p.Child("template", "metadata", "labels"), printable(t.Labels),
			"`selector` does not match template `labels`"))
	}
	return errs
}

// validateAlwaysTemplate checks the template of a controller that keeps
// pods running: restartPolicy Always and no active deadline.
func validateAlwaysTemplate(t *api.PodTemplateSpec, p *field.Path, kind string) field.ErrorList {
	errs := validatePodTemplate(t, p)
	if rp := t.Spec.RestartPolicy; rp != "" && rp != api.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(p.Child("spec", "restartPolicy"), string(rp), []string{string(api.RestartPolicyAlways)}))
	}
	if d := t.Spec.ActiveDeadlineSeconds; d != nil {
		errs = append(errs, field.Invalid(p.Child("spec", "activeDeadlineSeconds"), *d,
			fmt.Sprintf("activeDeadlineSeconds in %s is not Supported", kind)))
	}
	return errs
}

func validateDeploymentStrategy(s *api.DeploymentStrategy, p *field.Path) field.ErrorList {
	switch s.Type {
	case api.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case api.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(p.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdateDeployment(s.RollingUpdate, p.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(p, string(s.Type), []string{string(api.RecreateDeploymentStrategyType),
		string(api.RollingUpdateDeploymentStrategyType)})}
}

// validateRollingUpdateDeployment requires counts or percentages, at most
// 100% unavailable, and some room to move (surge and unavailability can't
// both be zero).
func validateRollingUpdateDeployment(ru *api.RollingUpdateDeployment, p *field.Path) field.ErrorList {
	up, sp := p.Child("maxUnavailable"), p.Child("maxSurge")
	errs := validateIntOrPercent(ru.MaxUnavailable, up)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, sp)...)
	if intOrPercentIsZero(ru.MaxUnavailable) && intOrPercentIsZero(ru.MaxSurge) {
		errs = append(errs, field.Invalid(up, printable(ru.MaxUnavailable), "may not be 0 when `maxSurge` is 0"))
	}
	errs = append(errs, notMoreThan100Percent(ru.MaxUnavailable, up)...)
	return errs
}

func validateDaemonSetStrategy(s *api.DaemonSetUpdateStrategy, p *field.Path) field.ErrorList {
	errs := validateEnum(string(s.Type), p.Child("type"), string(api.OnDeleteDaemonSetStrategyType),
		string(api.RollingUpdateDaemonSetStrategyType))
	if s.Type != api.RollingUpdateDaemonSetStrategyType {
		return errs
	}
	ru, rp := s.RollingUpdate, p.Child("rollingUpdate")
	if ru == nil {
		return append(errs, field.Required(rp, ""))
	}
	up, sp := rp.Child("maxUnavailable"), rp.Child("maxSurge")
	errs = append(errs, validateIntOrPercent(ru.MaxUnavailable, up)...)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, sp)...)
	errs = append(errs, notMoreThan100Percent(ru.MaxUnavailable, up)...)
	errs = append(errs, notMoreThan100Percent(ru.MaxSurge, sp)...)
	// A DaemonSet either surges or takes pods down on each node, never both.
	hasUnavailable, hasSurge := !intOrPercentIsZero(ru.MaxUnavailable), !intOrPercentIsZero(ru.MaxSurge)
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(sp, printable(ru.MaxSurge), "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Required(up, "cannot be 0 when maxSurge is 0"))
	}
	return errs
}

// validateSelectorUpdate keeps an apps/v1 controller's selector fixed: a new
// selector would orphan the pods the old one owned.
func validateSelectorUpdate(old, cur *api.LabelSelector) field.ErrorList {
	return immutable(old, cur, field.NewPath("spec", "selector"))
}

func validateJob(j *api.Job) field.ErrorList {
	s, sp := &j.Spec, field.NewPath("spec")
	errs := validateObjectMeta(&j.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	for _, f := range []struct {
		name string
		v    *int64
	}{
		{"parallelism", widen(s.Parallelism)}, {"completions", widen(s.Completions)},
		{"activeDeadlineSeconds", s.ActiveDeadlineSeconds}, {"backoffLimit", widen(s.BackoffLimit)},
		{"ttlSecondsAfterFinished", widen(s.TTLSecondsAfterFinished)},
	} {
		if f.v != nil {
			errs = append(errs, nonNegative(*f.v, sp.Child(f.name))...)
		}
	}
	errs = append(errs, validateCompletionMode(s, sp)...)
	if r := s.PodReplacementPolicy; r != nil {
		errs = append(errs, validateEnum(*r, sp.Child("podReplacementPolicy"), "Failed", "TerminatingOrFailed")...)
	}
	// The API layer generates the selector unless manualSelector is set.
	errs = append(errs, validateWorkloadSelector(s.Selector, &s.Template, sp, "job", false)...)
	errs = append(errs, validatePodTemplate(&s.Template, sp.Child("template"))...)
	if rp := s.Template.Spec.RestartPolicy; rp != "" && rp != api.RestartPolicyOnFailure && rp != api.RestartPolicyNever {
		errs = append(errs, field.NotSupported(sp.Child("template", "spec", "restartPolicy"), string(rp),
			[]string{string(api.RestartPolicyOnFailure), string(api.RestartPolicyNever)}))
	}
	return errs
}

func validateCompletionMode(s *api.JobSpec, p *field.Path) field.ErrorList {
	if s.CompletionMode == nil {
		return nil
	}
	mode := *s.CompletionMode
	errs := validateEnum(string(mode), p.Child("completionMode"), string(api.NonIndexedCompletion), string(api.IndexedCompletion))
	if mode != api.IndexedCompletion {
		return errs
	}
	if s.Completions == nil {
		errs = append(errs, field.Required(p.Child("completions"), fmt.Sprintf("when completion mode is %s", mode)))
	} else if *s.Completions > maxIndexedJobCompletions {
		errs = append(errs, field.Invalid(p.Child("completions"), *s.Completions, fmt.Sprintf(
			"must be less than or equal to %d when completion mode is %s", maxIndexedJobCompletions, mode)))
	}
	if s.Parallelism != nil && *s.Parallelism > maxIndexedJobParallelism {
		errs = append(errs, field.Invalid(p.Child("parallelism"), *s.Parallelism, fmt.Sprintf(
			"must be less than or equal to %d when completion mode is %s", maxIndexedJobParallelism, mode)))
	}
	return errs
}

// validateJobUpdate keeps what a running Job was created to do: its
// completions, completion mode, selector and pod template.
func validateJobUpdate(old, j *api.Job) field.ErrorList {
	sp := field.NewPath("spec")
	errs := immutable(old.Spec.Completions, j.Spec.Completions, sp.Child("completions"))
	errs = append(errs, immutable(old.Spec.CompletionMode, j.Spec.CompletionMode, sp.Child("completionMode"))...)
	errs = append(errs, immutable(old.Spec.Selector, j.Spec.Selector, sp.Child("selector"))...)
	if !semanticEqual(old.Spec.Template, j.Spec.Template) {
		errs = append(errs, field.Invalid(sp.Child("template"), nil, immutableMsg))
	}
	return errs
}

func widen(v *int32) *int64 {
	if v == nil {
		return nil
	}
	w := int64(*v)
	return &w
}
