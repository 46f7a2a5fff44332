package resource

import "testing"

var benchInputs = []string{"100m", "1.5", "1Gi", "500M", "2e3", "1536Mi", "1.5Gi", "1u"}

func BenchmarkParseQuantity(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range benchInputs {
			if _, err := ParseQuantity(s); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkString(b *testing.B) {
	qs := make([]Quantity, len(benchInputs))
	for i, s := range benchInputs {
		qs[i] = MustParse(s)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range qs {
			_ = q.String()
		}
	}
}
