package labels

import "testing"

const benchSelector = "app=web,tier in (api,frontend),env!=dev,!canary,replicas>2"

func BenchmarkSelectorMatches(b *testing.B) {
	sel, err := Parse(benchSelector)
	if err != nil {
		b.Fatal(err)
	}
	ls := Set{
		"app": "web", "tier": "frontend", "env": "prod", "replicas": "5",
		"team": "payments", "version": "v1.2.3", "region": "eu-west-1",
	}
	b.ReportAllocs()
	for b.Loop() {
		if !sel.Matches(ls) {
			b.Fatal("expected a match")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(benchSelector); err != nil {
			b.Fatal(err)
		}
	}
}
