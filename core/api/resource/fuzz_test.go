package resource

import "testing"

// FuzzParseQuantity checks that ParseQuantity never panics and that whatever
// it accepts prints in a form that parses back to the same amount.
func FuzzParseQuantity(f *testing.F) {
	for _, seed := range []string{
		"100m", "1.5", "1Gi", "500M", "2e3", "0.5", "1536Mi", "1.5Gi", "1000Ki", "1u", "1n",
		"-1", "+5", ".5", "5.", "12e6", "1E3", "1e-3", "0", "0Gi", "8Ei", "1Ki", "1024", "1k",
		"", "1K", "abc", "1.2.3", "--1", "1 Gi", "1e", "1Mx", " 1", "1.5.Gi", "e3", ".", "1E",
		"12e+6", "-1500m", "0.5Ki", "8Pi", "9223372036854775807m", "-9223372036854775808m",
		"9223372036854775808m", "1e-1000000", "0e99999999999", "1e+", "-1u", "0.001Ei",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuantity(s)
		if err != nil {
			if q != (Quantity{}) {
				t.Fatalf("ParseQuantity(%q) returned %#v alongside error %v", s, q, err)
			}
			return
		}
		printed := q.String()
		back, err := ParseQuantity(printed)
		if err != nil {
			t.Fatalf("ParseQuantity(%q) = %d milli, but its form %q does not parse: %v", s, q.MilliValue(), printed, err)
		}
		if back.MilliValue() != q.MilliValue() {
			t.Fatalf("ParseQuantity(%q) = %d milli, printed %q, parsed back as %d milli", s, q.MilliValue(), printed, back.MilliValue())
		}
		if q.Format() != BinarySI && back.String() != printed {
			t.Fatalf("ParseQuantity(%q) printed %q, which reprints as %q", s, printed, back.String())
		}
	})
}
