package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Against R's t.test: t.test(1:5) and t.test(sleep$extra[1:10]) give
// these intervals.
func TestMeanCIKnownValues(t *testing.T) {
	sleep := []float64{0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0}
	cases := []struct {
		name          string
		xs            []float64
		level         float64
		mean, lo, hi  float64
		tolerance     float64
		wantUndefined bool
	}{
		{name: "1..5 at 95%", xs: []float64{1, 2, 3, 4, 5}, level: 0.95, mean: 3, lo: 1.036757, hi: 4.963243, tolerance: 1e-6},
		{name: "1..5 at 90%", xs: []float64{5, 4, 3, 2, 1}, level: 0.90, mean: 3, lo: 1.492557, hi: 4.507443, tolerance: 1e-6},
		{name: "sleep group 1 at 95%", xs: sleep, level: 0.95, mean: 0.75, lo: -0.5297804, hi: 2.0297804, tolerance: 1e-7},
		{name: "constant sample", xs: []float64{2, 2, 2}, level: 0.95, mean: 2, lo: 2, hi: 2, tolerance: 0},
		{name: "one value", xs: []float64{7}, level: 0.95, mean: 7, wantUndefined: true},
		{name: "level 1", xs: []float64{1, 2}, level: 1, mean: 1.5, wantUndefined: true},
		{name: "level 0", xs: []float64{1, 2}, level: 0, mean: 1.5, wantUndefined: true},
	}
	for _, c := range cases {
		mean, lo, hi := MeanCI(c.xs, c.level)
		if !near(mean, c.mean, 1e-12) {
			t.Errorf("%s: mean %v, want %v", c.name, mean, c.mean)
		}
		if c.wantUndefined {
			if !math.IsNaN(lo) || !math.IsNaN(hi) {
				t.Errorf("%s: interval [%v, %v], want NaN", c.name, lo, hi)
			}
			continue
		}
		if !near(lo, c.lo, c.tolerance) || !near(hi, c.hi, c.tolerance) {
			t.Errorf("%s: interval [%.8f, %.8f], want [%.8f, %.8f]", c.name, lo, hi, c.lo, c.hi)
		}
	}
	if m, lo, hi := MeanCI(nil, 0.95); !math.IsNaN(m) || !math.IsNaN(lo) || !math.IsNaN(hi) {
		t.Errorf("empty sample: %v %v %v", m, lo, hi)
	}
}

// A wider level gives a wider interval around the same mean.
func TestMeanCIWidensWithLevel(t *testing.T) {
	xs := []float64{3.1, 2.7, 3.9, 3.3, 2.8, 3.6}
	_, lo90, hi90 := MeanCI(xs, 0.90)
	_, lo99, hi99 := MeanCI(xs, 0.99)
	if !(lo99 < lo90 && hi90 < hi99) {
		t.Fatalf("99%% [%v, %v] is not wider than 90%% [%v, %v]", lo99, hi99, lo90, hi90)
	}
}

// nearestRank is the textbook definition the simulator uses too.
func nearestRank(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func TestDescribeMatchesNearestRank(t *testing.T) {
	s := Describe([]float64{4, 1, 3, 2, 5})
	want := Stats{Count: 5, Mean: 3, StdDev: math.Sqrt(2.5), P50: 3, P90: 5, P99: 5, Max: 5}
	if s.Count != want.Count || s.Mean != want.Mean || !near(s.StdDev, want.StdDev, 1e-12) ||
		s.P50 != want.P50 || s.P90 != want.P90 || s.P99 != want.P99 || s.Max != want.Max {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		xs := make([]float64, 1+rng.IntN(300))
		for i := range xs {
			xs[i] = float64(rng.IntN(50)) / 10 // ties on purpose
		}
		s := Describe(xs)
		sorted := slices.Sorted(slices.Values(xs))
		for _, q := range []struct {
			p   float64
			got float64
		}{{0.5, s.P50}, {0.9, s.P90}, {0.99, s.P99}} {
			if want := nearestRank(sorted, q.p); q.got != want {
				t.Fatalf("n=%d p%v: got %v, nearest rank %v", len(xs), q.p, q.got, want)
			}
		}
	}
	if e := Describe(nil); e.Count != 0 || !math.IsNaN(e.Mean) || !math.IsNaN(e.P99) {
		t.Fatalf("empty sample: %+v", e)
	}
	if one := Describe([]float64{2}); !math.IsNaN(one.StdDev) || one.P50 != 2 {
		t.Fatalf("one value: %+v", one)
	}
}

func TestECDF(t *testing.T) {
	got := ECDF([]float64{3, 1, 2, 2})
	want := []CDFPoint{{1, 0.25}, {2, 0.75}, {3, 1}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if ECDF(nil) != nil {
		t.Fatal("an empty sample has points")
	}
	// Against gonum's own empirical CDF, with ties.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		xs := make([]float64, 1+rng.IntN(100))
		for i := range xs {
			xs[i] = float64(rng.IntN(20))
		}
		sorted := slices.Sorted(slices.Values(xs))
		pts := ECDF(xs)
		for i, pt := range pts {
			if i > 0 && !(pt.X > pts[i-1].X && pt.P > pts[i-1].P) {
				t.Fatalf("points not increasing: %v", pts)
			}
			if want := stat.CDF(pt.X, stat.Empirical, sorted, nil); !near(pt.P, want, 1e-12) {
				t.Fatalf("P(X <= %v) = %v, gonum says %v", pt.X, pt.P, want)
			}
		}
		if pts[len(pts)-1].P != 1 {
			t.Fatalf("the last step is %v, not 1", pts[len(pts)-1].P)
		}
	}
}

func TestRates(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		name           string
		times, totals  []float64
		wantPerSecond  []float64
		wantTotalDelta float64
	}{
		{name: "steady and idle", times: []float64{0, 5, 10}, totals: []float64{0, 10, 10},
			wantPerSecond: []float64{2, 0}, wantTotalDelta: 10},
		{name: "uneven intervals", times: []float64{0, 2, 10}, totals: []float64{1, 5, 9},
			wantPerSecond: []float64{2, 0.5}, wantTotalDelta: 8},
		{name: "reset counts the new value", times: []float64{0, 5, 10, 15}, totals: []float64{0, 10, 4, 8},
			wantPerSecond: []float64{2, 0.8, 0.8}, wantTotalDelta: 18},
		{name: "missing sample", times: []float64{0, 5, 10, 15}, totals: []float64{0, nan, 10, 20},
			wantPerSecond: []float64{2}, wantTotalDelta: 10},
		{name: "one sample", times: []float64{3}, totals: []float64{3}},
	}
	for _, c := range cases {
		got := Rates(c.times, c.totals)
		var per []float64
		var delta float64
		for _, r := range got {
			per = append(per, r.PerSecond)
			delta += r.Delta
			if r.To <= r.From {
				t.Errorf("%s: interval %v..%v", c.name, r.From, r.To)
			}
		}
		if !slices.Equal(per, c.wantPerSecond) || delta != c.wantTotalDelta {
			t.Errorf("%s: rates %v (total %v), want %v (total %v)", c.name, per, delta, c.wantPerSecond, c.wantTotalDelta)
		}
	}
}

// On the fixture, the bindings over all intervals add up to the last
// value of the counter, and match pods.csv.
func TestSchedulingRateOnFixture(t *testing.T) {
	run, err := Load(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	rates := SchedulingRate(run.Series)
	if len(rates) != len(run.Series.Times)-1 {
		t.Fatalf("%d rates for %d samples", len(rates), len(run.Series.Times))
	}
	var sum float64
	for _, r := range rates {
		sum += r.Delta
		if !near(r.PerSecond, r.Delta/(r.To-r.From), 1e-12) {
			t.Fatalf("rate %+v", r)
		}
	}
	col := run.Series.Column("pods_scheduled_total")
	if last := col.Values[len(col.Values)-1]; sum != last {
		t.Fatalf("deltas add up to %v, the counter ends at %v", sum, last)
	}
	xs, _ := Latencies[0].Sample(run.Pods)
	if int(sum) != len(xs) {
		t.Fatalf("the counter says %v bindings, pods.csv %d", sum, len(xs))
	}
}

// Thinning a long distribution keeps its ends and stays within one
// band of the exact curve.
func TestThinCDF(t *testing.T) {
	var xs []float64
	for i := range 50_000 {
		xs = append(xs, float64(i%7919)+float64(i)/1e5)
	}
	exact := ECDF(xs)
	thin := thinCDF(exact, 1000)
	if len(thin) > 1002 || thin[0] != exact[0] || thin[len(thin)-1] != exact[len(exact)-1] {
		t.Fatalf("%d points from %d; ends %v %v", len(thin), len(exact), thin[0], thin[len(thin)-1])
	}
	j := 0
	for _, pt := range exact {
		for j+1 < len(thin) && thin[j+1].X <= pt.X {
			j++
		}
		if pt.P-thin[j].P > 1.0/1000+1e-12 {
			t.Fatalf("at %v the thinned curve is %v below the exact %v", pt.X, pt.P-thin[j].P, pt.P)
		}
	}
	short := []CDFPoint{{1, 0.5}, {2, 1}}
	if got := thinCDF(short, 1000); !slices.Equal(got, short) {
		t.Fatalf("a short curve changed: %v", got)
	}
}
