package reports

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Stats summarise a sample. Quantiles are nearest-rank (gonum's
// Empirical), the same definition the simulator's summary uses, so the
// two agree on the same pods.
type Stats struct {
	Count  int
	Mean   float64
	StdDev float64 // sample standard deviation (n-1); NaN below two values
	P50    float64
	P90    float64
	P99    float64
	Max    float64
}

// Describe summarises xs; every figure but Count is NaN for an empty sample.
func Describe(xs []float64) Stats {
	if len(xs) == 0 {
		nan := math.NaN()
		return Stats{Mean: nan, StdDev: nan, P50: nan, P90: nan, P99: nan, Max: nan}
	}
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	s := Stats{Count: len(xs), Mean: stat.Mean(sorted, nil), StdDev: math.NaN(), Max: sorted[len(sorted)-1]}
	if len(xs) > 1 {
		s.StdDev = stat.StdDev(sorted, nil)
	}
	s.P50 = stat.Quantile(0.50, stat.Empirical, sorted, nil)
	s.P90 = stat.Quantile(0.90, stat.Empirical, sorted, nil)
	s.P99 = stat.Quantile(0.99, stat.Empirical, sorted, nil)
	return s
}

// MeanCI is the mean of xs and its two-sided confidence interval at the
// given level (0.95 for 95%) from Student's t with n-1 degrees of
// freedom: the interval to put on a figure averaged over a few seeds,
// where a normal approximation would be too narrow. lo and hi are NaN
// when xs has fewer than two values or level is not between 0 and 1;
// the mean is NaN for an empty sample.
func MeanCI(xs []float64, level float64) (mean, lo, hi float64) {
	if len(xs) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	if len(xs) < 2 || !(level > 0 && level < 1) {
		return mean, math.NaN(), math.NaN()
	}
	n := float64(len(xs))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}.Quantile(1 - (1-level)/2)
	half := t * sd / math.Sqrt(n)
	return mean, mean - half, mean + half
}

// CDFPoint is one step of an empirical distribution: the fraction of
// the sample at or below X.
type CDFPoint struct{ X, P float64 }

// ECDF is the empirical distribution of xs, one point per distinct value
// in increasing order (ties collapse into one step).
func ECDF(xs []float64) []CDFPoint {
	sorted := slices.Clone(xs)
	slices.Sort(sorted)
	n := float64(len(sorted))
	var out []CDFPoint
	for i, x := range sorted {
		if i+1 < len(sorted) && sorted[i+1] == x {
			continue
		}
		out = append(out, CDFPoint{X: x, P: float64(i+1) / n})
	}
	return out
}

// RatePoint is the rate of a counter over one interval between samples.
type RatePoint struct {
	From, To  float64 // seconds
	Delta     float64 // the counter's increase
	PerSecond float64
}

// Rates turns a cumulative counter sampled at strictly increasing times
// into its rate over each interval. A counter that goes down was reset
// (a restarted process): as Prometheus' rate() does, its new value is
// taken as the increase. Intervals touching a missing (NaN) sample are
// left out.
func Rates(times, totals []float64) []RatePoint {
	var out []RatePoint
	for i := 1; i < len(times) && i < len(totals); i++ {
		prev, cur := totals[i-1], totals[i]
		dt := times[i] - times[i-1]
		if math.IsNaN(prev) || math.IsNaN(cur) || dt <= 0 {
			continue
		}
		delta := cur - prev
		if delta < 0 {
			delta = cur
		}
		out = append(out, RatePoint{From: times[i-1], To: times[i], Delta: delta, PerSecond: delta / dt})
	}
	return out
}
