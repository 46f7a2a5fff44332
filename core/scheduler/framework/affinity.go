package framework

import (
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// AffinityTerm is a pod (anti-)affinity term parsed once per pod, so
// plugins match it against many pods without re-parsing selectors.
type AffinityTerm struct {
	// Selector selects pods by label (matchLabelKeys and mismatchLabelKeys merged in).
	Selector labels.Selector
	// Namespaces are the namespaces listed, or the pod's own when neither
	// namespaces nor namespaceSelector is given.
	Namespaces []string
	// NamespaceSelector selects more namespaces by label; nil when absent.
	NamespaceSelector labels.Selector
	// TopologyKey is the node label whose value names the domain.
	TopologyKey string
}

// WeightedAffinityTerm is a preferred term with its weight.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// NamespaceLabels resolves a namespace's labels for namespaceSelector; ok
// is false when the namespace is unknown.
type NamespaceLabels func(namespace string) (map[string]string, bool)

// Matches reports whether pod is selected by the term; nsLabels may be nil,
// in which case a non-empty namespaceSelector matches no namespace beyond the listed ones.
func (t *AffinityTerm) Matches(pod *api.Pod, nsLabels NamespaceLabels) bool {
	return t.namespaceMatches(pod.Namespace, nsLabels) && t.Selector.Matches(labels.Set(pod.Labels))
}

func (t *AffinityTerm) namespaceMatches(ns string, nsLabels NamespaceLabels) bool {
	if slices.Contains(t.Namespaces, ns) {
		return true
	}
	if t.NamespaceSelector == nil {
		return false
	}
	if t.NamespaceSelector.Empty() {
		return true
	}
	if nsLabels == nil {
		return false
	}
	l, ok := nsLabels(ns)
	return ok && t.NamespaceSelector.Matches(labels.Set(l))
}

// podAffinityTerms holds a pod's parsed affinity terms.
type podAffinityTerms struct {
	RequiredAffinity      []AffinityTerm
	RequiredAntiAffinity  []AffinityTerm
	PreferredAffinity     []WeightedAffinityTerm
	PreferredAntiAffinity []WeightedAffinityTerm
}

// parseAffinityTerms parses every pod affinity term of pod.
func parseAffinityTerms(pod *api.Pod) (podAffinityTerms, error) {
	var out podAffinityTerms
	a := pod.Spec.Affinity
	if a == nil {
		return out, nil
	}
	var err error
	if pa := a.PodAffinity; pa != nil {
		if out.RequiredAffinity, err = parseTerms(pod, pa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return out, err
		}
		if out.PreferredAffinity, err = parseWeighted(pod, pa.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return out, err
		}
	}
	if aa := a.PodAntiAffinity; aa != nil {
		if out.RequiredAntiAffinity, err = parseTerms(pod, aa.RequiredDuringSchedulingIgnoredDuringExecution); err != nil {
			return out, err
		}
		if out.PreferredAntiAffinity, err = parseWeighted(pod, aa.PreferredDuringSchedulingIgnoredDuringExecution); err != nil {
			return out, err
		}
	}
	return out, nil
}

func parseTerms(pod *api.Pod, terms []api.PodAffinityTerm) ([]AffinityTerm, error) {
	out := make([]AffinityTerm, 0, len(terms))
	for i := range terms {
		t, err := parseTerm(pod, &terms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseWeighted(pod *api.Pod, terms []api.WeightedPodAffinityTerm) ([]WeightedAffinityTerm, error) {
	out := make([]WeightedAffinityTerm, 0, len(terms))
	for i := range terms {
		if terms[i].Weight == 0 {
			continue
		}
		t, err := parseTerm(pod, &terms[i].PodAffinityTerm)
		if err != nil {
			return nil, err
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: t, Weight: terms[i].Weight})
	}
	return out, nil
}

// parseTerm builds one term: the selector with the pod's own values for
// matchLabelKeys (In) and mismatchLabelKeys (NotIn), and the namespaces.
func parseTerm(pod *api.Pod, t *api.PodAffinityTerm) (AffinityTerm, error) {
	sel, err := api.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return AffinityTerm{}, fmt.Errorf("pod %s/%s affinity term selector: %w", pod.Namespace, pod.Name, err)
	}
	if t.LabelSelector != nil {
		if sel, err = mergeLabelKeys(sel, pod, t.MatchLabelKeys, t.MismatchLabelKeys); err != nil {
			return AffinityTerm{}, fmt.Errorf("pod %s/%s affinity term label keys: %w", pod.Namespace, pod.Name, err)
		}
	}
	out := AffinityTerm{Selector: sel, Namespaces: slices.Clone(t.Namespaces), TopologyKey: t.TopologyKey}
	if t.NamespaceSelector != nil {
		if out.NamespaceSelector, err = api.LabelSelectorAsSelector(t.NamespaceSelector); err != nil {
			return AffinityTerm{}, fmt.Errorf("pod %s/%s affinity namespaceSelector: %w", pod.Namespace, pod.Name, err)
		}
	} else if len(out.Namespaces) == 0 {
		out.Namespaces = []string{pod.Namespace}
	}
	return out, nil
}

// mergeLabelKeys adds "key in (pod's value)" for matchLabelKeys and "key
// notin (pod's value)" for mismatchLabelKeys, skipping keys the pod lacks.
func mergeLabelKeys(sel labels.Selector, pod *api.Pod, match, mismatch []string) (labels.Selector, error) {
	if len(match)+len(mismatch) == 0 {
		return sel, nil
	}
	reqs := sel.Requirements()
	add := func(keys []string, op labels.Operator) error {
		for _, k := range keys {
			v, ok := pod.Labels[k]
			if !ok {
				continue
			}
			r, err := labels.NewRequirement(k, op, []string{v})
			if err != nil {
				return err
			}
			reqs = append(reqs, r)
		}
		return nil
	}
	if err := add(match, labels.In); err != nil {
		return nil, err
	}
	if err := add(mismatch, labels.NotIn); err != nil {
		return nil, err
	}
	return labels.NewSelector(reqs...), nil
}
