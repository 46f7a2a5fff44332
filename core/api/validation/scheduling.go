package validation

import (
	"fmt"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

var taintEffects = []string{string(api.TaintEffectNoSchedule), string(api.TaintEffectPreferNoSchedule),
	string(api.TaintEffectNoExecute)}

// validateTaintEffect checks a taint or toleration effect; a toleration may
// leave it empty to match every effect.
func validateTaintEffect(e api.TaintEffect, allowEmpty bool, p *field.Path) field.ErrorList {
	if e == "" && allowEmpty {
		return nil
	}
	return validateEnum(string(e), p, taintEffects...)
}

// validateTolerations checks each toleration: an empty key needs operator
// Exists, Exists takes no value, and only NoExecute tolerations may bound
// how long they tolerate.
func validateTolerations(ts []api.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		tp := p.Index(i)
		if t.Key != "" {
			errs = append(errs, validateQualifiedName(t.Key, tp.Child("key"))...)
		} else if t.Operator != api.TolerationOpExists {
			errs = append(errs, field.Invalid(tp.Child("operator"), string(t.Operator),
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != api.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(tp.Child("effect"), string(t.Effect),
				"effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case api.TolerationOpEqual, "":
			errs = append(errs, problems(tp.Child("value"), t.Value, labels.ValidateLabelValue(t.Value))...)
		case api.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(tp.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(tp.Child("operator"), string(t.Operator),
				[]string{string(api.TolerationOpEqual), string(api.TolerationOpExists)}))
		}
		errs = append(errs, validateTaintEffect(t.Effect, true, tp.Child("effect"))...)
	}
	return errs
}

func validateAffinity(a *api.Affinity, p *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	if na := a.NodeAffinity; na != nil {
		np := p.Child("nodeAffinity")
		if r := na.RequiredDuringSchedulingIgnoredDuringExecution; r != nil {
			errs = append(errs, validateNodeSelector(r, np.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		}
		pp := np.Child("preferredDuringSchedulingIgnoredDuringExecution")
		for i, t := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			errs = append(errs, validateWeight(t.Weight, pp.Index(i).Child("weight"))...)
			errs = append(errs, validateNodeSelectorTerm(t.Preference, pp.Index(i).Child("preference"))...)
		}
	}
	if pa := a.PodAffinity; pa != nil {
		errs = append(errs, validatePodAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution,
			pa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAffinity"))...)
	}
	if aa := a.PodAntiAffinity; aa != nil {
		errs = append(errs, validatePodAffinityTerms(aa.RequiredDuringSchedulingIgnoredDuringExecution,
			aa.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("podAntiAffinity"))...)
	}
	return errs
}

func validateWeight(w int32, p *field.Path) field.ErrorList {
	if w < 1 || w > 100 {
		return field.ErrorList{field.Invalid(p, w, "must be in the range 1-100")}
	}
	return nil
}

func validateNodeSelector(s *api.NodeSelector, p *field.Path) field.ErrorList {
	tp := p.Child("nodeSelectorTerms")
	if len(s.NodeSelectorTerms) == 0 {
		return field.ErrorList{field.Required(tp, "must have at least one node selector term")}
	}
	var errs field.ErrorList
	for i, t := range s.NodeSelectorTerms {
		errs = append(errs, validateNodeSelectorTerm(t, tp.Index(i))...)
	}
	return errs
}

func validateNodeSelectorTerm(t api.NodeSelectorTerm, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, r := range t.MatchExpressions {
		errs = append(errs, validateNodeSelectorRequirement(r, p.Child("matchExpressions").Index(i))...)
	}
	for i, r := range t.MatchFields {
		errs = append(errs, validateNodeFieldRequirement(r, p.Child("matchFields").Index(i))...)
	}
	return errs
}

// validateNodeSelectorRequirement checks one node label requirement: In and
// NotIn need values, Exists and DoesNotExist take none, Gt and Lt take one
// integer.
func validateNodeSelectorRequirement(r api.NodeSelectorRequirement, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	vp := p.Child("values")
	switch r.Operator {
	case api.NodeSelectorOpIn, api.NodeSelectorOpNotIn:
		if len(r.Values) == 0 {
			errs = append(errs, field.Required(vp, "must be specified when `operator` is 'In' or 'NotIn'"))
		}
	case api.NodeSelectorOpExists, api.NodeSelectorOpDoesNotExist:
		if len(r.Values) > 0 {
			errs = append(errs, field.Forbidden(vp, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
		}
	case api.NodeSelectorOpGt, api.NodeSelectorOpLt:
		if len(r.Values) != 1 {
			errs = append(errs, field.Required(vp, "must be specified single value when `operator` is 'Lt' or 'Gt'"))
		} else if _, err := strconv.ParseInt(r.Values[0], 10, 64); err != nil {
			errs = append(errs, field.Invalid(vp.Index(0), r.Values[0], notIntegerMsg))
		}
	default:
		errs = append(errs, field.NotSupported(p.Child("operator"), string(r.Operator), []string{"DoesNotExist",
			"Exists", "Gt", "In", "Lt", "NotIn"}))
	}
	errs = append(errs, validateQualifiedName(r.Key, p.Child("key"))...)
	return errs
}

// validateNodeFieldRequirement checks a matchFields entry: only
// metadata.name, with In or NotIn and one value.
func validateNodeFieldRequirement(r api.NodeSelectorRequirement, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if r.Operator != api.NodeSelectorOpIn && r.Operator != api.NodeSelectorOpNotIn {
		errs = append(errs, field.NotSupported(p.Child("operator"), string(r.Operator), []string{"In", "NotIn"}))
	}
	if len(r.Values) != 1 {
		errs = append(errs, field.Required(p.Child("values"),
			"must be only one value when `operator` is 'In' or 'NotIn' for node field selector"))
	}
	if r.Key != "metadata.name" {
		errs = append(errs, field.NotSupported(p.Child("key"), r.Key, []string{"metadata.name"}))
	}
	return errs
}

func validatePodAffinityTerms(req []api.PodAffinityTerm, pref []api.WeightedPodAffinityTerm, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	rp := p.Child("requiredDuringSchedulingIgnoredDuringExecution")
	for i := range req {
		errs = append(errs, validatePodAffinityTerm(&req[i], rp.Index(i))...)
	}
	pp := p.Child("preferredDuringSchedulingIgnoredDuringExecution")
	for i := range pref {
		errs = append(errs, validateWeight(pref[i].Weight, pp.Index(i).Child("weight"))...)
		errs = append(errs, validatePodAffinityTerm(&pref[i].PodAffinityTerm, pp.Index(i).Child("podAffinityTerm"))...)
	}
	return errs
}

func validatePodAffinityTerm(t *api.PodAffinityTerm, p *field.Path) field.ErrorList {
	errs := validateLabelSelector(t.LabelSelector, p.Child("labelSelector"))
	errs = append(errs, validateLabelSelector(t.NamespaceSelector, p.Child("namespaceSelector"))...)
	for _, ns := range t.Namespaces {
		errs = append(errs, validateDNSLabel(ns, p.Child("namespace"))...)
	}
	if t.TopologyKey == "" {
		errs = append(errs, field.Required(p.Child("topologyKey"), "can not be empty"))
	} else {
		errs = append(errs, validateQualifiedName(t.TopologyKey, p.Child("topologyKey"))...)
	}
	for i, k := range t.MatchLabelKeys {
		errs = append(errs, validateQualifiedName(k, p.Child("matchLabelKeys").Index(i))...)
	}
	for i, k := range t.MismatchLabelKeys {
		errs = append(errs, validateQualifiedName(k, p.Child("mismatchLabelKeys").Index(i))...)
	}
	return errs
}

// validateSpreadConstraints checks each constraint and that no two share a
// topology key and action.
func validateSpreadConstraints(cs []api.TopologySpreadConstraint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range cs {
		c, cp := &cs[i], p.Index(i)
		errs = append(errs, validateSpreadConstraint(c, cp)...)
		key := fmt.Sprintf("{%v, %v}", c.TopologyKey, c.WhenUnsatisfiable)
		if seen[key] {
			errs = append(errs, field.Duplicate(cp.Child("{topologyKey, whenUnsatisfiable}"), key))
		}
		seen[key] = true
	}
	return errs
}

func validateSpreadConstraint(c *api.TopologySpreadConstraint, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.MaxSkew <= 0 {
		errs = append(errs, field.Invalid(p.Child("maxSkew"), c.MaxSkew, positiveMsg))
	}
	if c.TopologyKey == "" {
		errs = append(errs, field.Required(p.Child("topologyKey"), "can not be empty"))
	} else {
		errs = append(errs, validateQualifiedName(c.TopologyKey, p.Child("topologyKey"))...)
	}
	errs = append(errs, validateEnum(string(c.WhenUnsatisfiable), p.Child("whenUnsatisfiable"),
		string(api.DoNotSchedule), string(api.ScheduleAnyway))...)
	if m := c.MinDomains; m != nil {
		if *m <= 0 {
			errs = append(errs, field.Invalid(p.Child("minDomains"), *m, positiveMsg))
		}
		if c.WhenUnsatisfiable != api.DoNotSchedule {
			errs = append(errs, field.Invalid(p.Child("minDomains"), *m, fmt.Sprintf(
				"can only use minDomains if whenUnsatisfiable=%s, not %s", api.DoNotSchedule, c.WhenUnsatisfiable)))
		}
	}
	for _, f := range []struct {
		name string
		v    *api.NodeInclusionPolicy
	}{{"nodeAffinityPolicy", c.NodeAffinityPolicy}, {"nodeTaintsPolicy", c.NodeTaintsPolicy}} {
		if f.v != nil {
			errs = append(errs, validateEnum(string(*f.v), p.Child(f.name), string(api.NodeInclusionPolicyHonor),
				string(api.NodeInclusionPolicyIgnore))...)
		}
	}
	errs = append(errs, validateLabelSelector(c.LabelSelector, p.Child("labelSelector"))...)
	for i, k := range c.MatchLabelKeys {
		errs = append(errs, validateQualifiedName(k, p.Child("matchLabelKeys").Index(i))...)
	}
	return errs
}
