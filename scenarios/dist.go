package scenarios

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// DistKind names a family of duration distributions.
type DistKind string

// The distributions a scenario may give for a duration.
const (
	DistConstant    DistKind = "constant"    // always A
	DistUniform     DistKind = "uniform"     // between A and B
	DistExponential DistKind = "exponential" // mean A
	DistNormal      DistKind = "normal"      // mean A, standard deviation B, cut at 0
	DistLognormal   DistKind = "lognormal"   // median A, shape (sigma of the log) B
	DistEmpirical   DistKind = "empirical"   // one of Values, equally likely
)

// Dist is a distribution of durations; the zero value is always 0. Its
// parameters are in seconds so that a lognormal's shape, which has no
// unit, fits the same fields.
type Dist struct {
	Kind   DistKind
	A, B   float64
	Values []float64 // empirical, in seconds
}

// Constant returns the distribution that is always d.
func Constant(d time.Duration) Dist { return Dist{Kind: DistConstant, A: d.Seconds()} }

// IsZero reports whether the distribution always gives 0.
func (d Dist) IsZero() bool {
	return d.Kind == "" || (d.Kind == DistConstant && d.A == 0)
}

// Sample draws one duration from r; never negative.
func (d Dist) Sample(r *rand.Rand) time.Duration {
	var s float64
	switch d.Kind {
	case "":
		return 0
	case DistConstant:
		s = d.A
	case DistUniform:
		s = d.A + r.Float64()*(d.B-d.A)
	case DistExponential:
		s = r.ExpFloat64() * d.A
	case DistNormal:
		s = d.A + r.NormFloat64()*d.B
	case DistLognormal:
		s = d.A * math.Exp(d.B*r.NormFloat64())
	case DistEmpirical:
		s = d.Values[r.IntN(len(d.Values))]
	}
	return seconds(max(s, 0))
}

// Validate checks the parameters make a distribution of non-negative durations.
func (d Dist) Validate() error {
	switch d.Kind {
	case "":
		return nil
	case DistConstant, DistExponential:
		if d.A < 0 {
			return fmt.Errorf("%s: must not be negative", d.Kind)
		}
	case DistUniform:
		if d.A < 0 || d.B < d.A {
			return fmt.Errorf("uniform: need 0 <= min <= max, have min %gs max %gs", d.A, d.B)
		}
	case DistNormal:
		if d.A < 0 || d.B < 0 {
			return fmt.Errorf("normal: mean and stddev must not be negative")
		}
	case DistLognormal:
		if d.A <= 0 || d.B < 0 {
			return fmt.Errorf("lognormal: need median > 0 and sigma >= 0")
		}
	case DistEmpirical:
		if len(d.Values) == 0 {
			return fmt.Errorf("empirical: needs at least one value")
		}
		for _, v := range d.Values {
			if v < 0 {
				return fmt.Errorf("empirical: value %gs is negative", v)
			}
		}
	default:
		return fmt.Errorf("unknown distribution %q (have constant, uniform, exponential, normal, lognormal, empirical)", d.Kind)
	}
	return nil
}

func seconds(s float64) time.Duration {
	if s >= math.MaxInt64/float64(time.Second) {
		return math.MaxInt64
	}
	return time.Duration(s * float64(time.Second))
}
