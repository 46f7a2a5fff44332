package bench

import (
	"math"
	"slices"
)

// Summary is the mean and nearest-rank percentiles of samples, in the
// shape scheduler_perf reports them.
type Summary struct {
	Average float64 `json:"average"`
	P50     float64 `json:"p50"`
	P90     float64 `json:"p90"`
	P99     float64 `json:"p99"`
}

// Throughput summarises per-interval samples of pods bound per second.
type Throughput = Summary

// Summarize returns the mean and nearest-rank percentiles of samples (zero when empty).
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	sorted := slices.Clone(samples)
	slices.Sort(sorted)
	sum := 0.0
	for _, v := range sorted {
		sum += v
	}
	return Summary{Average: sum / float64(len(sorted)), P50: percentile(sorted, 50),
		P90: percentile(sorted, 90), P99: percentile(sorted, 99)}
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}
