package labels

import (
	"reflect"
	"strings"
	"testing"
)

func req(key string, op Operator, vals ...string) Requirement {
	if len(vals) == 0 {
		vals = nil
	}
	return Requirement{Key: key, Operator: op, Values: vals}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want string // canonical String()
		reqs []Requirement
	}{
		{"", "", nil},
		{"   \t ", "", nil},
		{"a=b", "a=b", []Requirement{req("a", Equals, "b")}},
		{"a==b", "a=b", []Requirement{req("a", Equals, "b")}},
		{"a!=b", "a!=b", []Requirement{req("a", NotEquals, "b")}},
		{"a=", "a=", []Requirement{req("a", Equals, "")}},
		{"a!=", "a!=", []Requirement{req("a", NotEquals, "")}},
		{"a= ,b", "a=,b", []Requirement{req("a", Equals, ""), req("b", Exists)}},
		{"a", "a", []Requirement{req("a", Exists)}},
		{"!a", "!a", []Requirement{req("a", DoesNotExist)}},
		{" ! a ", "!a", []Requirement{req("a", DoesNotExist)}},
		{"a in (x, y)", "a in (x,y)", []Requirement{req("a", In, "x", "y")}},
		{"a in (y,x,y)", "a in (x,y)", []Requirement{req("a", In, "x", "y")}},
		{"a in(x)", "a in (x)", []Requirement{req("a", In, "x")}},
		{"a notin (x)", "a notin (x)", []Requirement{req("a", NotIn, "x")}},
		{"a in ()", "a in ()", []Requirement{req("a", In, "")}},
		{"a in (x,)", "a in (,x)", []Requirement{req("a", In, "", "x")}},
		{"a>1", "a>1", []Requirement{req("a", GreaterThan, "1")}},
		{"a < 5", "a<5", []Requirement{req("a", LessThan, "5")}},
		{"a>-3", "a>-3", []Requirement{req("a", GreaterThan, "-3")}},
		{"c in (x,y),a=b,!d", "a=b,c in (x,y),!d",
			[]Requirement{req("a", Equals, "b"), req("c", In, "x", "y"), req("d", DoesNotExist)}},
		{" a = b , c != d ", "a=b,c!=d", []Requirement{req("a", Equals, "b"), req("c", NotEquals, "d")}},
		{"example.com/app=web", "example.com/app=web", []Requirement{req("example.com/app", Equals, "web")}},
		{"app.kubernetes.io/name in (My_App.v1)", "app.kubernetes.io/name in (My_App.v1)",
			[]Requirement{req("app.kubernetes.io/name", In, "My_App.v1")}},
		{"in in (in,notin)", "in in (in,notin)", []Requirement{req("in", In, "in", "notin")}},
		{"notin=in", "notin=in", []Requirement{req("notin", Equals, "in")}},
		{"a!=x,a!=b", "a!=b,a!=x", []Requirement{req("a", NotEquals, "b"), req("a", NotEquals, "x")}},
		{"a,!a", "!a,a", []Requirement{req("a", DoesNotExist), req("a", Exists)}},
		{"x>1,x<10", "x>1,x<10", []Requirement{req("x", GreaterThan, "1"), req("x", LessThan, "10")}},
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
		{"a=)", "unable to parse requirement: found ')', expected: identifier (at column 3)"},
		{"a in )", "found ')', expected: '('"},
		{"a in (x", "found end of string, expected: ',' or ')'"},
		{"a in (x y)", "found 'y', expected: ',' or ')'"},
		{"a in x", "found 'x', expected: '('"},
		{"a=b,", "found end of string, expected: identifier"},
		{",a", "found ',', expected: identifier (at column 1)"},
		{"a,,b", "found ',', expected: identifier (at column 3)"},
		{"a b", "found 'b', expected: '=', '==', '!=', 'in', 'notin', '>', '<', ',' or end of string"},
		{"a=b c", "found 'c', expected: ',' or end of string"},
		{"a=b=c", "found '=', expected: ',' or end of string"},
		{"!", "found end of string, expected: identifier"},
		{"!a=b", "found '=', expected: ',' or end of string"},
		{"!=a", "found '!=', expected: identifier"},
		{"=a", "found '=', expected: identifier"},
		{"a>", "found end of string, expected: identifier"},
		{"a>=1", "found '=', expected: identifier"},
		{"a>x", `operator "gt" takes an integer value, got "x"`},
		{"a<1.5", `operator "lt" takes an integer value, got "1.5"`},
		{"a>99999999999999999999", `takes an integer value`},
		{"(a)", "found '(', expected: identifier"},
		{"<none>", "found '<', expected: identifier"},
		{"A_B/c=d", `invalid label key "A_B/c"`},
		{"-a=b", `invalid label key "-a"`},
		{"a/b/c", `invalid label key "a/b/c"`},
		{"a=-b", `invalid label value "-b"`},
		{"a=" + strings.Repeat("v", 64), "must be no more than 63 characters"},
		{strings.Repeat("k", 64) + "=v", "name part must be no more than 63 characters"},
		{"a in (x,-y)", `invalid label value "-y"`},
		{"a=é", `invalid label value "é"`},
	}
	for _, tt := range tests {
		sel, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %q, want error containing %q", tt.in, sel.String(), tt.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, err, tt.wantErr)
		}
		if !strings.HasPrefix(err.Error(), "unable to parse requirement: ") {
			t.Errorf("Parse(%q) error = %q lacks the common prefix", tt.in, err)
		}
	}
}

// assertRoundTrip checks that a selector's String parses back to the same selector.
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

func TestCanonicalStringIgnoresOrder(t *testing.T) {
	a, err := Parse("z notin (b,a), y>3, !x, w, a=1")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("a==1,w,!x,y>3,z notin (a,b)")
	if err != nil {
		t.Fatal(err)
	}
	const want = "a=1,w,!x,y>3,z notin (a,b)"
	if a.String() != want || b.String() != want {
		t.Errorf("got %q and %q, want both %q", a.String(), b.String(), want)
	}
}

func TestLex(t *testing.T) {
	toks := lex("a!=b,!c==(d)>e<f")
	var kinds []tokenKind
	var texts []string
	for _, tk := range toks {
		kinds = append(kinds, tk.kind)
		texts = append(texts, tk.text)
	}
	wantKinds := []tokenKind{tokWord, tokNotEquals, tokWord, tokComma, tokBang, tokWord, tokDoubleEquals,
		tokOpenParen, tokWord, tokCloseParen, tokGreater, tokWord, tokLess, tokWord, tokEnd}
	if !reflect.DeepEqual(kinds, wantKinds) {
		t.Errorf("kinds = %v, want %v", kinds, wantKinds)
	}
	wantTexts := []string{"a", "!=", "b", ",", "!", "c", "==", "(", "d", ")", ">", "e", "<", "f", ""}
	if !reflect.DeepEqual(texts, wantTexts) {
		t.Errorf("texts = %q, want %q", texts, wantTexts)
	}
}
