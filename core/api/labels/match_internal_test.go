package labels

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// TestMatchersAgreeWithTheFormats holds the hand-written matchers to the
// regular expressions they replace, on strings drawn from the characters
// that matter (and some that do not), of lengths around the edge cases.
func TestMatchersAgreeWithTheFormats(t *testing.T) {
	anchored := func(f string) *regexp.Regexp { return regexp.MustCompile("^" + f + "$") }
	checks := []struct {
		name  string
		re    *regexp.Regexp
		match func(string) bool
	}{
		{"dns1123 label", anchored(dns1123LabelFmt), matchDNS1123Label},
		{"dns1123 subdomain", anchored(dns1123SubdomainFmt), matchDNS1123Subdomain},
		{"qualified name", anchored(qualifiedNameFmt), matchQualifiedName},
		{"label value", anchored(labelValueFmt), func(s string) bool { return s == "" || matchQualifiedName(s) }},
	}
	const alphabet = "az09AZ-._/ é"
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		b := make([]byte, r.IntN(7))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		s := string(b)
		for _, c := range checks {
			if got, want := c.match(s), c.re.MatchString(s); got != want {
				t.Fatalf("%s %q: matcher %v, regexp %v", c.name, s, got, want)
			}
		}
	}
}
