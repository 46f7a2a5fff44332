package labels

import (
	"slices"
	"strings"
)

// Selector decides which label sets it selects; stores, controllers and the
// API server all filter objects through it.
type Selector interface {
	// Matches reports whether the labels satisfy every requirement.
	Matches(Labels) bool
	// Empty reports whether the selector has no requirements and so selects everything.
	Empty() bool
	// String is the canonical selector syntax, e.g. "a=b,c in (x,y),!d",
	// with requirements sorted by key, then operator, then values.
	String() string
	// Requirements returns a copy of the requirements in canonical order.
	Requirements() []Requirement
	// RequiresExactMatch returns the value a label must have when the
	// selector pins it with "label=value" or "label in (value)".
	RequiresExactMatch(label string) (value string, found bool)
}

// selector is the ordinary Selector: the conjunction of its requirements.
type selector struct {
	reqs []Requirement
}

// Everything returns the selector that matches every label set; its String is "".
func Everything() Selector {
	return selector{}
}

// NewSelector combines requirements into one selector that matches when all
// of them do; it sorts them (and their values) into canonical order.
func NewSelector(reqs ...Requirement) Selector {
	if len(reqs) == 0 {
		return selector{}
	}
	out := make([]Requirement, len(reqs))
	for i, r := range reqs {
		if r.Operator == DoubleEquals {
			r.Operator = Equals
		}
		r.Values = sortedUnique(r.Values)
		out[i] = r
	}
	slices.SortFunc(out, compareRequirements)
	return selector{reqs: out}
}

// SelectorFromSet selects label sets containing every key=value of set; the
// keys and values are trusted as they are, so it cannot fail (use
// ValidatedSelectorFromSet for input from users). An empty set selects everything.
func SelectorFromSet(set Set) Selector {
	reqs := make([]Requirement, 0, len(set))
	for k, v := range set {
		reqs = append(reqs, Requirement{Key: k, Operator: Equals, Values: []string{v}})
	}
	return NewSelector(reqs...)
}

// ValidatedSelectorFromSet is SelectorFromSet for untrusted sets: it reports
// the first invalid key or value in key order instead of accepting it.
func ValidatedSelectorFromSet(set Set) (Selector, error) {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	reqs := make([]Requirement, 0, len(keys))
	for _, k := range keys {
		r, err := NewRequirement(k, Equals, []string{set[k]})
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, r)
	}
	return NewSelector(reqs...), nil
}

func (s selector) Matches(ls Labels) bool {
	for i := range s.reqs {
		if !s.reqs[i].matches(ls) {
			return false
		}
	}
	return true
}

func (s selector) Empty() bool {
	return len(s.reqs) == 0
}

func (s selector) String() string {
	parts := make([]string, len(s.reqs))
	for i, r := range s.reqs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (s selector) Requirements() []Requirement {
	if len(s.reqs) == 0 {
		return nil
	}
	out := make([]Requirement, len(s.reqs))
	for i, r := range s.reqs {
		r.Values = slices.Clone(r.Values)
		out[i] = r
	}
	return out
}

func (s selector) RequiresExactMatch(label string) (string, bool) {
	for _, r := range s.reqs {
		if r.Key != label || len(r.Values) != 1 {
			continue
		}
		switch r.Operator {
		case Equals, DoubleEquals, In:
			return r.Values[0], true
		}
	}
	return "", false
}

// nothingString is what Nothing().String() returns. It is deliberately not
// valid selector syntax: "" would parse back as Everything, silently widening
// a selector that was meant to match nothing.
const nothingString = "<none>"

// nothing is the Selector that matches no label set at all.
type nothing struct{}

// Nothing returns the selector that matches no label set, which Kubernetes
// uses for a nil LabelSelector. Its String is "<none>", which Parse rejects
// on purpose so it can never be mistaken for Everything.
func Nothing() Selector {
	return nothing{}
}

func (nothing) Matches(Labels) bool                      { return false }
func (nothing) Empty() bool                              { return false }
func (nothing) String() string                           { return nothingString }
func (nothing) Requirements() []Requirement              { return nil }
func (nothing) RequiresExactMatch(string) (string, bool) { return "", false }
