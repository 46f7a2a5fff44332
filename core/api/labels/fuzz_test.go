package labels

import "testing"

// FuzzParseLabelSelector checks that Parse never panics and that whatever it
// accepts prints canonically and parses back to the same selector.
func FuzzParseLabelSelector(f *testing.F) {
	for _, seed := range []string{
		"", "a", "!a", "a=b", "a==b", "a!=b", "a=", "a in (x,y)", "a notin (x)", "a in ()",
		"a in (x,)", "a>1", "a<-5", "example.com/app=web,tier in (api, db),!canary",
		"in in (in,notin)", "a=)", "a in )", "<none>", "a>=1", "a=b,", ",", "!", "a b",
		"a\tin\n(\rx )", "a>9223372036854775807", "a>+1", "a in (x,,y)",
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
		// Matching must not panic either, whatever the labels.
		sel.Matches(Set{"a": s, "x": "1"})
	})
}
