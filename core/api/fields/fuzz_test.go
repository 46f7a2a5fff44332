package fields

import "testing"

// FuzzParseFieldSelector checks that Parse never panics and that whatever it
// accepts prints canonically and parses back to the same selector.
func FuzzParseFieldSelector(f *testing.F) {
	for _, seed := range []string{
		"", "metadata.name=foo", "metadata.name==foo", "spec.nodeName!=", "spec.nodeName=",
		"metadata.name=foo,spec.nodeName!=", `reason=a\,b\=c\\d`, "a=b=c", `a=b\`, `a=\x`,
		"a=b,", ",", "x", "=x", "a=!=b", " a = b ", `a\=b=c`, "a=Back off",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := Parse(s)
		if err != nil {
			if sel != nil {
				t.Fatalf("Parse(%q) returned both a selector and an error", s)
			}
			return
		}
		assertRoundTrip(t, sel)
		sel.Matches(Set{"a": s})
	})
}

// FuzzEscapeValue checks that UnescapeValue inverts EscapeValue for any string.
func FuzzEscapeValue(f *testing.F) {
	for _, seed := range []string{"", "a", `a,b=c\d`, `\\\`, "=,"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := UnescapeValue(EscapeValue(s))
		if err != nil || got != s {
			t.Fatalf("UnescapeValue(EscapeValue(%q)) = %q, %v", s, got, err)
		}
	})
}
