package labels

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Operator is the comparison a Requirement makes between a label and its values.
type Operator string

// The operators of Kubernetes label selectors; the string values are what
// the selector syntax and the API's matchExpressions use.
const (
	Equals       Operator = "="      // the label has exactly this value
	DoubleEquals Operator = "=="     // a synonym of Equals that NewRequirement normalises away
	NotEquals    Operator = "!="     // the label is absent or has another value
	In           Operator = "in"     // the label has one of the values
	NotIn        Operator = "notin"  // the label is absent or has none of the values
	Exists       Operator = "exists" // the label is present, whatever its value
	DoesNotExist Operator = "!"      // the label is absent
	GreaterThan  Operator = "gt"     // the label is an integer above the value
	LessThan     Operator = "lt"     // the label is an integer below the value
)

// Requirement is one condition of a selector, such as "tier in (web,api)".
// Build it with NewRequirement so the key, the values and their number are
// checked and Values is sorted and free of duplicates.
type Requirement struct {
	Key      string
	Operator Operator
	Values   []string
}

// NewRequirement checks and builds one requirement; it is the only way the
// selector parser and API conversion create requirements, so both reject the
// same input.
func NewRequirement(key string, op Operator, vals []string) (Requirement, error) {
	if problems := ValidateLabelKey(key); len(problems) > 0 {
		return Requirement{}, fmt.Errorf("invalid label key %q: %s", key, strings.Join(problems, "; "))
	}
	if op == DoubleEquals {
		op = Equals
	}
	if err := checkValues(op, vals); err != nil {
		return Requirement{}, fmt.Errorf("key %q: %w", key, err)
	}
	return Requirement{Key: key, Operator: op, Values: sortedUnique(vals)}, nil
}

// checkValues enforces how many values each operator takes and what they look like.
func checkValues(op Operator, vals []string) error {
	switch op {
	case Equals, NotEquals:
		if len(vals) != 1 {
			return fmt.Errorf("operator %q takes exactly one value, got %d", op, len(vals))
		}
	case In, NotIn:
		if len(vals) == 0 {
			return fmt.Errorf("operator %q takes at least one value", op)
		}
	case Exists, DoesNotExist:
		if len(vals) != 0 {
			return fmt.Errorf("operator %q takes no values, got %d", op, len(vals))
		}
	case GreaterThan, LessThan:
		if len(vals) != 1 {
			return fmt.Errorf("operator %q takes exactly one value, got %d", op, len(vals))
		}
		if _, err := strconv.ParseInt(vals[0], 10, 64); err != nil {
			return fmt.Errorf("operator %q takes an integer value, got %q", op, vals[0])
		}
		return nil // integers are compared numerically, not as label values
	default:
		return fmt.Errorf("unknown operator %q", op)
	}
	for _, v := range vals {
		if problems := ValidateLabelValue(v); len(problems) > 0 {
			return fmt.Errorf("invalid label value %q: %s", v, strings.Join(problems, "; "))
		}
	}
	return nil
}

// sortedUnique returns a sorted copy of vals without duplicates, or nil if empty.
func sortedUnique(vals []string) []string {
	if len(vals) == 0 {
		return nil
	}
	out := slices.Clone(vals)
	slices.Sort(out)
	return slices.Compact(out)
}

// Matches reports whether the labels satisfy the requirement. As in
// Kubernetes, NotEquals and NotIn match when the key is absent, and
// GreaterThan and LessThan never match an absent key or a non-integer value.
func (r Requirement) Matches(ls Labels) bool { return r.matches(ls) }

// matches is Matches without copying the requirement, and with one map
// lookup per requirement when ls is a Set (nearly always): selectors are
// matched against every pod of a workload on every reconcile.
func (r *Requirement) matches(ls Labels) bool {
	if ls == nil {
		ls = Set(nil)
	}
	v, has := lookup(ls, r.Key)
	switch r.Operator {
	case Exists:
		return has
	case DoesNotExist:
		return !has
	case Equals, DoubleEquals, In:
		return has && slices.Contains(r.Values, v)
	case NotEquals, NotIn:
		return !has || !slices.Contains(r.Values, v)
	case GreaterThan, LessThan:
		return r.matchesInteger(ls)
	}
	return false
}

// lookup is a label's value and whether it is set.
func lookup(ls Labels, key string) (string, bool) {
	if s, ok := ls.(Set); ok {
		v, has := s[key]
		return v, has
	}
	if !ls.Has(key) {
		return "", false
	}
	return ls.Get(key), true
}

// matchesInteger compares the label's value with the requirement's as integers.
func (r Requirement) matchesInteger(ls Labels) bool {
	if !ls.Has(r.Key) || len(r.Values) != 1 {
		return false
	}
	have, err := strconv.ParseInt(ls.Get(r.Key), 10, 64)
	if err != nil {
		return false
	}
	want, err := strconv.ParseInt(r.Values[0], 10, 64)
	if err != nil {
		return false
	}
	if r.Operator == GreaterThan {
		return have > want
	}
	return have < want
}

// String renders the requirement in selector syntax, e.g. "a=b", "a in (x,y)",
// "!a" or "a>3", which Parse reads back.
func (r Requirement) String() string {
	switch r.Operator {
	case Exists:
		return r.Key
	case DoesNotExist:
		return "!" + r.Key
	case In, NotIn:
		return r.Key + " " + string(r.Operator) + " (" + strings.Join(r.Values, ",") + ")"
	case GreaterThan:
		return r.Key + ">" + strings.Join(r.Values, ",")
	case LessThan:
		return r.Key + "<" + strings.Join(r.Values, ",")
	}
	return r.Key + string(r.Operator) + strings.Join(r.Values, ",")
}

// compareRequirements orders requirements by key, then operator, then values,
// which gives selectors one canonical form.
func compareRequirements(a, b Requirement) int {
	if c := cmp.Compare(a.Key, b.Key); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Operator, b.Operator); c != 0 {
		return c
	}
	return slices.Compare(a.Values, b.Values)
}
