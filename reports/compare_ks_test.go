package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Kolmogorov's distribution at the critical values of its standard
// table (Q = 0.10, 0.05, 0.01) and at points on both sides of x = 1,
// where KolmogorovQ switches between its two series; the values were
// summed to 200 terms independently of the code under test.
func TestKolmogorovQ(t *testing.T) {
	cases := []struct{ x, want float64 }{
		{0.5, 0.9639452436648751},
		{0.8, 0.5441424115741981},
		{0.95, 0.3274854844795592},
		{1.0, 0.2699996716773546},
		{1.2238, 0.1000234278356778},
		{1.3581, 0.0499996304316674},
		{1.6276, 0.0100015373330608},
		{2.0, 0.0006709252557797},
	}
	for _, c := range cases {
		if got := KolmogorovQ(c.x); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("KolmogorovQ(%v) = %.16f, want %.16f", c.x, got, c.want)
		}
	}
	// The two series meet at x = 1: no step in the p-value there.
	if lo, hi := KolmogorovQ(math.Nextafter(1, 0)), KolmogorovQ(1); math.Abs(lo-hi) > 1e-12 {
		t.Errorf("KolmogorovQ jumps at 1: %v then %v", lo, hi)
	}
	for x, want := range map[float64]float64{0: 1, -1: 1, 0.01: 1, 40: 0} {
		if got := KolmogorovQ(x); got != want {
			t.Errorf("KolmogorovQ(%v) = %v, want %v", x, got, want)
		}
	}
	if !math.IsNaN(KolmogorovQ(math.NaN())) {
		t.Error("KolmogorovQ(NaN) is a number")
	}
}

// D and p of small samples worked out by hand.
func TestKSTestByHand(t *testing.T) {
	// Merged in order: .12a .29b .35a .41a .55b .58a .61b .66b .77a .84b
	// .93a 1.02b 1.10b 1.31b. The gap F_a − F_b is largest after .58:
	// 4/6 − 2/8 = 5/12. Then λ = √(6·8/14)·5/12 = 0.77152 and
	// Q(λ) = 0.59110.
	a := []float64{0.58, 0.12, 0.93, 0.35, 0.77, 0.41} // unsorted on purpose
	b := []float64{0.29, 0.55, 0.61, 0.66, 0.84, 1.02, 1.10, 1.31}
	got := KSTest(a, b)
	if math.Abs(got.D-5.0/12) > 1e-12 || math.Abs(got.P-0.5910986832399528) > 1e-9 {
		t.Errorf("KSTest = %+v, want D = 5/12, p = 0.591099", got)
	}
	if !slices.Equal(a, []float64{0.58, 0.12, 0.93, 0.35, 0.77, 0.41}) {
		t.Error("KSTest sorted its argument")
	}
	// Disjoint samples of five: D = 1, λ = √2.5, Q = 2(e^−5 − e^−20 + …) = 0.0134759.
	got = KSTest([]float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10})
	if got.D != 1 || math.Abs(got.P-0.013475889875863676) > 1e-12 {
		t.Errorf("disjoint samples: %+v, want D = 1, p = 0.0134759", got)
	}
	// Ties: at 1 the distributions are 2/5 and 1/6, at 2 4/5 and 3/6;
	// D = 0.3 and p = Q(√(30/11)·0.3) = 0.96679.
	got = KSTest([]float64{1, 1, 2, 2, 3}, []float64{1, 2, 2, 3, 3, 3})
	if math.Abs(got.D-0.3) > 1e-12 || math.Abs(got.P-0.9667907604932683) > 1e-9 {
		t.Errorf("tied samples: %+v, want D = 0.3, p = 0.96679", got)
	}
	if got := KSTest(nil, []float64{1}); !math.IsNaN(got.D) || !math.IsNaN(got.P) {
		t.Errorf("an empty sample: %+v, want NaN", got)
	}
}

// D agrees with a naive oracle, the largest gap over every value of
// either sample, on random samples with many ties.
func TestKSTestMatchesNaiveOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		a := make([]float64, 1+rng.IntN(30))
		b := make([]float64, 1+rng.IntN(30))
		for i := range a {
			a[i] = float64(rng.IntN(12)) / 4
		}
		for i := range b {
			b[i] = float64(rng.IntN(12))/4 + float64(rng.IntN(2))/4
		}
		if got, want := KSTest(a, b).D, naiveKS(a, b); math.Abs(got-want) > 1e-12 {
			t.Fatalf("KSTest(%v, %v).D = %v, oracle %v", a, b, got, want)
		}
	}
}

func naiveKS(a, b []float64) float64 {
	cdf := func(xs []float64, v float64) float64 {
		n := 0
		for _, x := range xs {
			if x <= v {
				n++
			}
		}
		return float64(n) / float64(len(xs))
	}
	d := 0.0
	for _, v := range append(slices.Clone(a), b...) {
		d = max(d, math.Abs(cdf(a, v)-cdf(b, v)))
	}
	return d
}
