package reports

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// KS is a two-sample Kolmogorov–Smirnov test of whether two samples
// come from one distribution. Pod latencies are skewed and often have
// several modes (a pod that waited for a node, one that did not), so a
// test of the means alone would miss a changed tail.
type KS struct {
	D float64 // the largest vertical gap between the samples' empirical distributions
	P float64 // the asymptotic p-value of D when both come from one distribution
}

// KSTest tests samples a and b. P is Kolmogorov's limiting
// distribution at sqrt(n·m/(n+m))·D, as R's ks.test(exact = FALSE)
// gives it: approximate for small samples and, with tied values,
// conservative (too large). Both are NaN when
// either sample is empty.
func KSTest(a, b []float64) KS {
	if len(a) == 0 || len(b) == 0 {
		return KS{D: math.NaN(), P: math.NaN()}
	}
	sa, sb := slices.Clone(a), slices.Clone(b)
	slices.Sort(sa)
	slices.Sort(sb)
	d := stat.KolmogorovSmirnov(sa, nil, sb, nil)
	n, m := float64(len(a)), float64(len(b))
	return KS{D: d, P: KolmogorovQ(math.Sqrt(n*m/(n+m)) * d)}
}

// KolmogorovQ is the probability that Kolmogorov's distribution exceeds
// x: Q(x) = 2 Σ_{k≥1} (−1)^(k−1) exp(−2k²x²). That series converges
// slowly for small x, where its Jacobi theta form,
// 1 − √(2π)/x · Σ_{k≥1} exp(−(2k−1)²π²/(8x²)), converges fast; each is
// used on its own side of x = 1.
func KolmogorovQ(x float64) float64 {
	switch {
	case math.IsNaN(x):
		return math.NaN()
	case x <= 0:
		return 1
	case x < 1:
		var sum float64
		for k := 1; k <= 100; k++ {
			j := float64(2*k - 1)
			term := math.Exp(-j * j * math.Pi * math.Pi / (8 * x * x))
			sum += term
			if term <= 1e-17*sum || term == 0 {
				break
			}
		}
		return clamp01(1 - math.Sqrt(2*math.Pi)/x*sum)
	}
	var sum float64
	sign := 1.0
	for k := 1; k <= 100; k++ {
		kf := float64(k)
		term := math.Exp(-2 * kf * kf * x * x)
		sum += sign * term
		if term <= 1e-17 {
			break
		}
		sign = -sign
	}
	return clamp01(2 * sum)
}

func clamp01(x float64) float64 { return min(1, max(0, x)) }
