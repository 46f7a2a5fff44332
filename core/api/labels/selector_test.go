package labels

import (
	"reflect"
	"strings"
	"testing"
)

func TestSetMethods(t *testing.T) {
	s := Set{"c": "d", "a": "b", "e": ""}
	if got, want := s.String(), "a=b,c=d,e="; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !s.Has("e") || s.Has("x") {
		t.Errorf("Has: e present with empty value, x absent")
	}
	if s.Get("a") != "b" || s.Get("x") != "" {
		t.Errorf("Get: a=%q x=%q", s.Get("a"), s.Get("x"))
	}
	var empty Set
	if empty.String() != "" || empty.Has("a") || empty.Get("a") != "" {
		t.Errorf("nil Set should behave as empty")
	}
}

func TestRequirementMatches(t *testing.T) {
	ls := Set{"env": "prod", "tier": "", "replicas": "3", "name": "web"}
	tests := []struct {
		sel  string
		want bool
	}{
		{"env=prod", true},
		{"env=dev", false},
		{"absent=x", false},
		{"tier=", true},
		{"absent=", false}, // Equals needs the key, even for the empty value
		{"env!=dev", true},
		{"env!=prod", false},
		{"absent!=x", true}, // absent key satisfies !=
		{"tier!=", false},
		{"absent!=", true},
		{"env in (dev,prod)", true},
		{"env in (dev,test)", false},
		{"absent in (x)", false},
		{"tier in ()", true},
		{"env notin (dev,test)", true},
		{"env notin (prod)", false},
		{"absent notin (x)", true}, // absent key satisfies notin
		{"env", true},
		{"tier", true},
		{"absent", false},
		{"!env", false},
		{"!absent", true},
		{"replicas>2", true},
		{"replicas>3", false},
		{"replicas<4", true},
		{"replicas<3", false},
		{"replicas>-1", true},
		{"absent>0", false},   // absent key never compares
		{"absent<100", false}, // absent key never compares
		{"name>0", false},     // non-integer label value never compares
		{"name<0", false},
		{"tier<1", false}, // empty value is not an integer
		{"env=prod,replicas>1,!absent", true},
		{"env=prod,replicas>5", false},
		{"", true},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.sel)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.sel, err)
		}
		if got := sel.Matches(ls); got != tt.want {
			t.Errorf("%q.Matches(%v) = %v, want %v", tt.sel, ls, got, tt.want)
		}
	}
}

func TestMatchesNilLabels(t *testing.T) {
	sel, err := Parse("a!=b,!c")
	if err != nil {
		t.Fatal(err)
	}
	if !sel.Matches(nil) || !sel.Matches(Set(nil)) {
		t.Errorf("negative requirements should match no labels at all")
	}
	if Everything().Matches(nil) != true {
		t.Errorf("Everything should match nil labels")
	}
}

func TestNewRequirement(t *testing.T) {
	tests := []struct {
		key     string
		op      Operator
		vals    []string
		want    Requirement
		wantErr string
	}{
		{key: "a", op: Equals, vals: []string{"b"}, want: req("a", Equals, "b")},
		{key: "a", op: DoubleEquals, vals: []string{"b"}, want: req("a", Equals, "b")},
		{key: "a", op: In, vals: []string{"z", "y", "z"}, want: req("a", In, "y", "z")},
		{key: "a", op: Exists, want: req("a", Exists)},
		{key: "a", op: Exists, vals: []string{}, want: req("a", Exists)},
		{key: "a", op: GreaterThan, vals: []string{"10"}, want: req("a", GreaterThan, "10")},
		{key: "a", op: Equals, wantErr: `operator "=" takes exactly one value, got 0`},
		{key: "a", op: NotEquals, vals: []string{"x", "y"}, wantErr: `operator "!=" takes exactly one value, got 2`},
		{key: "a", op: In, wantErr: `operator "in" takes at least one value`},
		{key: "a", op: NotIn, vals: []string{}, wantErr: `operator "notin" takes at least one value`},
		{key: "a", op: DoesNotExist, vals: []string{"x"}, wantErr: `operator "!" takes no values, got 1`},
		{key: "a", op: LessThan, vals: []string{"1", "2"}, wantErr: `operator "lt" takes exactly one value, got 2`},
		{key: "a", op: GreaterThan, vals: []string{"x"}, wantErr: `operator "gt" takes an integer value, got "x"`},
		{key: "a", op: "~", vals: []string{"x"}, wantErr: `unknown operator "~"`},
		{key: "", op: Exists, wantErr: `invalid label key "": name part must be non-empty`},
		{key: "a", op: In, vals: []string{"ok", "bad value"}, wantErr: `invalid label value "bad value"`},
	}
	for _, tt := range tests {
		got, err := NewRequirement(tt.key, tt.op, tt.vals)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewRequirement(%q, %q, %q) error = %v, want %q", tt.key, tt.op, tt.vals, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("NewRequirement(%q, %q, %q): unexpected error %v", tt.key, tt.op, tt.vals, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("NewRequirement(%q, %q, %q) = %#v, want %#v", tt.key, tt.op, tt.vals, got, tt.want)
		}
	}
}

func TestNewRequirementDoesNotAliasInput(t *testing.T) {
	vals := []string{"b", "a"}
	r, err := NewRequirement("k", In, vals)
	if err != nil {
		t.Fatal(err)
	}
	if vals[0] != "b" {
		t.Errorf("NewRequirement sorted the caller's slice")
	}
	vals[0] = "zzz"
	if r.Values[0] != "a" || r.Values[1] != "b" {
		t.Errorf("requirement shares the caller's slice: %q", r.Values)
	}
}

func TestRequirementString(t *testing.T) {
	tests := []struct {
		r    Requirement
		want string
	}{
		{req("a", Equals, "b"), "a=b"},
		{req("a", DoubleEquals, "b"), "a==b"},
		{req("a", NotEquals, ""), "a!="},
		{req("a", In, "x", "y"), "a in (x,y)"},
		{req("a", NotIn, "x"), "a notin (x)"},
		{req("a", Exists), "a"},
		{req("a", DoesNotExist), "!a"},
		{req("a", GreaterThan, "1"), "a>1"},
		{req("a", LessThan, "1"), "a<1"},
	}
	for _, tt := range tests {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestRequiresExactMatch(t *testing.T) {
	tests := []struct {
		sel       string
		label     string
		wantValue string
		wantFound bool
	}{
		{"a=b", "a", "b", true},
		{"a==b", "a", "b", true},
		{"a in (b)", "a", "b", true},
		{"a=", "a", "", true},
		{"a in (b,c)", "a", "", false},
		{"a!=b", "a", "", false},
		{"a notin (b)", "a", "", false},
		{"a", "a", "", false},
		{"a>1", "a", "", false},
		{"x=y,a=b", "a", "b", true},
		{"x=y", "a", "", false},
		{"", "a", "", false},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.sel)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.sel, err)
		}
		v, found := sel.RequiresExactMatch(tt.label)
		if v != tt.wantValue || found != tt.wantFound {
			t.Errorf("%q.RequiresExactMatch(%q) = %q, %v; want %q, %v", tt.sel, tt.label, v, found, tt.wantValue, tt.wantFound)
		}
	}
}

func TestEverythingAndNothing(t *testing.T) {
	every := Everything()
	if !every.Empty() || every.String() != "" || every.Requirements() != nil || !every.Matches(Set{"a": "b"}) {
		t.Errorf("Everything: empty, \"\", no requirements, matches all")
	}
	none := Nothing()
	if none.Empty() || none.Matches(Set{}) || none.Matches(Set{"a": "b"}) || none.Requirements() != nil {
		t.Errorf("Nothing: not empty and matches nothing")
	}
	if none.String() != "<none>" {
		t.Errorf("Nothing().String() = %q", none.String())
	}
	if _, err := Parse(none.String()); err == nil {
		t.Errorf("Nothing().String() must not parse, else it would widen to Everything")
	}
	if _, found := none.RequiresExactMatch("a"); found {
		t.Errorf("Nothing requires no exact match")
	}
}

func TestSelectorFromSet(t *testing.T) {
	sel := SelectorFromSet(Set{"b": "2", "a": "1"})
	if got, want := sel.String(), "a=1,b=2"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !sel.Matches(Set{"a": "1", "b": "2", "c": "3"}) || sel.Matches(Set{"a": "1"}) {
		t.Errorf("SelectorFromSet should require every pair")
	}
	assertRoundTrip(t, sel)
	if !SelectorFromSet(nil).Empty() || !SelectorFromSet(Set{}).Matches(Set{"x": "y"}) {
		t.Errorf("an empty set selects everything")
	}

	if _, err := ValidatedSelectorFromSet(Set{"a": "1", "B_/x": "y"}); err == nil {
		t.Errorf("ValidatedSelectorFromSet accepted an invalid key")
	}
	v, err := ValidatedSelectorFromSet(Set{"b": "2", "a": "1"})
	if err != nil || v.String() != "a=1,b=2" {
		t.Errorf("ValidatedSelectorFromSet = %v, %v", v, err)
	}
}

func TestNewSelectorCanonicalises(t *testing.T) {
	sel := NewSelector(
		Requirement{Key: "b", Operator: In, Values: []string{"y", "x", "x"}},
		Requirement{Key: "a", Operator: DoubleEquals, Values: []string{"1"}},
	)
	if got, want := sel.String(), "a=1,b in (x,y)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	reqs := sel.Requirements()
	reqs[1].Values[0] = "changed"
	if sel.String() != "a=1,b in (x,y)" {
		t.Errorf("Requirements() must return a copy")
	}
	if !NewSelector().Empty() {
		t.Errorf("NewSelector() should be empty")
	}
}
