package fields

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical String()
		reqs []Requirement
	}{
		{"", "", nil},
		{"  ", "", nil},
		{"metadata.name=foo", "metadata.name=foo", []Requirement{{"metadata.name", Equals, "foo"}}},
		{"metadata.name==foo", "metadata.name=foo", []Requirement{{"metadata.name", Equals, "foo"}}},
		{"spec.nodeName!=node-1", "spec.nodeName!=node-1", []Requirement{{"spec.nodeName", NotEquals, "node-1"}}},
		{"spec.nodeName=", "spec.nodeName=", []Requirement{{"spec.nodeName", Equals, ""}}},
		{"spec.nodeName!=", "spec.nodeName!=", []Requirement{{"spec.nodeName", NotEquals, ""}}},
		{"spec.nodeName!=,metadata.name=foo", "metadata.name=foo,spec.nodeName!=",
			[]Requirement{{"metadata.name", Equals, "foo"}, {"spec.nodeName", NotEquals, ""}}},
		{" metadata.name =foo, status.phase=Running", "metadata.name=foo,status.phase=Running",
			[]Requirement{{"metadata.name", Equals, "foo"}, {"status.phase", Equals, "Running"}}},
		{`reason=a\,b`, `reason=a\,b`, []Requirement{{"reason", Equals, "a,b"}}},
		{`reason=a\=b`, `reason=a\=b`, []Requirement{{"reason", Equals, "a=b"}}},
		{`reason=a\\b`, `reason=a\\b`, []Requirement{{"reason", Equals, `a\b`}}},
		{`reason=\\\,\=`, `reason=\\\,\=`, []Requirement{{"reason", Equals, `\,=`}}},
		{"reason=Back off", "reason=Back off", []Requirement{{"reason", Equals, "Back off"}}},
		{"metadata.name=a!b", "metadata.name=a!b", []Requirement{{"metadata.name", Equals, "a!b"}}},
		{"a=1,a!=2,a=0", "a!=2,a=0,a=1", []Requirement{{"a", NotEquals, "2"}, {"a", Equals, "0"}, {"a", Equals, "1"}}},
		{"involvedObject.kind=Pod", "involvedObject.kind=Pod", []Requirement{{"involvedObject.kind", Equals, "Pod"}}},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error %v", tt.in, err)
			continue
		}
		if got := sel.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		if got := sel.Requirements(); !reflect.DeepEqual(got, tt.reqs) {
			t.Errorf("Parse(%q).Requirements() = %#v, want %#v", tt.in, got, tt.reqs)
		}
		if sel.Empty() != (len(tt.reqs) == 0) {
			t.Errorf("Parse(%q).Empty() = %v", tt.in, sel.Empty())
		}
		assertRoundTrip(t, sel)
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"x", `invalid field selector "x": term "x" has no operator`},
		{"metadata.name", `has no operator`},
		{"=foo", "empty field name"},
		{"!=foo", "empty field name"},
		{"a=b,", "empty term"},
		{",a=b", "empty term"},
		{"a=b,,c=d", "empty term"},
		{"a=b,c", `term "c" has no operator`},
		{"a=b=c", `unescaped '=' at offset 1`},
		{"a=!=b", `unescaped '='`},
		{`a=b\`, `trailing '\' escapes nothing`},
		{`a=b\n`, `unknown escape sequence '\n'`},
		{`a\=b=c`, `field name "a\\=b" must consist of`},
		{"meta data=x", `field name "meta data" must consist of`},
		{"spec.nodeName<x", "has no operator"},
		{"a==", ""}, // valid: empty value after "=="
	}
	for _, tt := range tests {
		sel, err := Parse(tt.in)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("Parse(%q): unexpected error %v", tt.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Parse(%q) = %q, want error containing %q", tt.in, sel.String(), tt.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
		}
		if prefix := fmt.Sprintf("invalid field selector %q: ", tt.in); !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("Parse(%q) error = %q, want prefix %q", tt.in, err, prefix)
		}
	}
}

func assertRoundTrip(t testing.TB, sel Selector) {
	t.Helper()
	again, err := Parse(sel.String())
	if err != nil {
		t.Fatalf("Parse(%q) of a selector's own String failed: %v", sel.String(), err)
	}
	if again.String() != sel.String() {
		t.Fatalf("round trip changed String: %q -> %q", sel.String(), again.String())
	}
	if !reflect.DeepEqual(again.Requirements(), sel.Requirements()) {
		t.Fatalf("round trip of %q changed requirements: %#v -> %#v", sel.String(), sel.Requirements(), again.Requirements())
	}
}

func TestMatches(t *testing.T) {
	pod := Set{"metadata.name": "web-1", "spec.nodeName": "", "status.phase": "Running"}
	tests := []struct {
		sel  string
		want bool
	}{
		{"", true},
		{"metadata.name=web-1", true},
		{"metadata.name==web-1", true},
		{"metadata.name=web-2", false},
		{"metadata.name!=web-2", true},
		{"metadata.name!=web-1", false},
		{"spec.nodeName=", true}, // unscheduled
		{"spec.nodeName!=", false},
		{"status.phase=Running,spec.nodeName=", true},
		{"status.phase=Running,spec.nodeName!=", false},
		// Absent fields read as "".
		{"spec.absent=x", false},
		{"spec.absent!=x", true},
		{"spec.absent=", true},
		{"spec.absent!=", false},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.sel)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.sel, err)
		}
		if got := sel.Matches(pod); got != tt.want {
			t.Errorf("%q.Matches(pod) = %v, want %v", tt.sel, got, tt.want)
		}
	}
	if !Everything().Matches(nil) {
		t.Errorf("Everything should match a nil set")
	}
	if OneTermEqualSelector("a", "x").Matches(nil) {
		t.Errorf("a=x should not match a nil set")
	}
}

func TestRequiresExactMatch(t *testing.T) {
	tests := []struct {
		sel       string
		field     string
		wantValue string
		wantFound bool
	}{
		{"spec.nodeName=n1", "spec.nodeName", "n1", true},
		{"spec.nodeName==n1", "spec.nodeName", "n1", true},
		{"spec.nodeName=", "spec.nodeName", "", true},
		{"spec.nodeName!=n1", "spec.nodeName", "", false},
		{"metadata.name=a,spec.nodeName=n1", "spec.nodeName", "n1", true},
		{"metadata.name=a", "spec.nodeName", "", false},
		{"", "spec.nodeName", "", false},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.sel)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.sel, err)
		}
		v, found := sel.RequiresExactMatch(tt.field)
		if v != tt.wantValue || found != tt.wantFound {
			t.Errorf("%q.RequiresExactMatch(%q) = %q, %v; want %q, %v", tt.sel, tt.field, v, found, tt.wantValue, tt.wantFound)
		}
	}
}

func TestOneTermEqualSelector(t *testing.T) {
	sel := OneTermEqualSelector("metadata.name", "a,b=c")
	if got, want := sel.String(), `metadata.name=a\,b\=c`; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if !sel.Matches(Set{"metadata.name": "a,b=c"}) || sel.Matches(Set{"metadata.name": "a"}) {
		t.Errorf("OneTermEqualSelector matches only the exact value")
	}
	if v, ok := sel.RequiresExactMatch("metadata.name"); !ok || v != "a,b=c" {
		t.Errorf("RequiresExactMatch = %q, %v", v, ok)
	}
	assertRoundTrip(t, sel)
	sel.Requirements()[0].Value = "changed"
	if v, _ := sel.RequiresExactMatch("metadata.name"); v != "a,b=c" {
		t.Errorf("Requirements() must return a copy")
	}
}

func TestEverything(t *testing.T) {
	e := Everything()
	if !e.Empty() || e.String() != "" || len(e.Requirements()) != 0 {
		t.Errorf("Everything: empty, \"\", no requirements")
	}
	if _, found := e.RequiresExactMatch("a"); found {
		t.Errorf("Everything requires no exact match")
	}
}

func TestEscaping(t *testing.T) {
	tests := []struct {
		raw, escaped string
	}{
		{"", ""},
		{"plain", "plain"},
		{"a,b", `a\,b`},
		{"a=b", `a\=b`},
		{`a\b`, `a\\b`},
		{`\,=`, `\\\,\=`},
		{`,,==\\`, `\,\,\=\=\\\\`},
		{"héllo wörld", "héllo wörld"},
	}
	for _, tt := range tests {
		if got := EscapeValue(tt.raw); got != tt.escaped {
			t.Errorf("EscapeValue(%q) = %q, want %q", tt.raw, got, tt.escaped)
		}
		got, err := UnescapeValue(tt.escaped)
		if err != nil || got != tt.raw {
			t.Errorf("UnescapeValue(%q) = %q, %v; want %q", tt.escaped, got, err, tt.raw)
		}
	}
	bad := map[string]string{
		`\`:   `trailing '\' escapes nothing`,
		`ab\`: `trailing '\' escapes nothing`,
		`\a`:  `unknown escape sequence '\a' at offset 0`,
		`x\é`: `unknown escape sequence '\é' at offset 1`,
		`a,b`: `unescaped ',' at offset 1 must be written '\,'`,
		`a=b`: `unescaped '=' at offset 1 must be written '\='`,
	}
	for in, want := range bad {
		if _, err := UnescapeValue(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("UnescapeValue(%q) error = %v, want %q", in, err, want)
		}
	}
}
