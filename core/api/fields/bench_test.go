package fields

import "testing"

const benchSelector = "metadata.namespace=default,spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"

func BenchmarkSelectorMatches(b *testing.B) {
	sel, err := Parse(benchSelector)
	if err != nil {
		b.Fatal(err)
	}
	pod := Set{
		"metadata.name": "web-1", "metadata.namespace": "default", "spec.nodeName": "node-7",
		"spec.schedulerName": "default-scheduler", "status.phase": "Running",
	}
	b.ReportAllocs()
	for b.Loop() {
		if !sel.Matches(pod) {
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
