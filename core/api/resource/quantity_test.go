package resource

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

const (
	ki = int64(1) << 10
	mi = int64(1) << 20
	gi = int64(1) << 30
	pi = int64(1) << 50
)

func TestParseQuantity(t *testing.T) {
	tests := []struct {
		in     string
		milli  int64
		format Format
		str    string // canonical String()
	}{
		{"0", 0, DecimalSI, "0"},
		{"100m", 100, DecimalSI, "100m"},
		{"1.5", 1500, DecimalSI, "1500m"},
		{"0.5", 500, DecimalSI, "500m"},
		{".5", 500, DecimalSI, "500m"},
		{"5.", 5000, DecimalSI, "5"},
		{"+5", 5000, DecimalSI, "5"},
		{"-1", -1000, DecimalSI, "-1"},
		{"-0", 0, DecimalSI, "0"},
		{"00012", 12000, DecimalSI, "12"},
		{"1000m", 1000, DecimalSI, "1"},
		{"1500", 1500000, DecimalSI, "1500"},
		{"1024", 1024000, DecimalSI, "1024"},
		{"1k", 1000000, DecimalSI, "1k"},
		{"1000k", 1000000000, DecimalSI, "1M"},
		{"500M", 500000000000, DecimalSI, "500M"},
		{"1.5G", 1500000000000, DecimalSI, "1500M"},
		{"1P", 1000000000000000000, DecimalSI, "1P"},
		{"-1500m", -1500, DecimalSI, "-1500m"},
		{"0.001", 1, DecimalSI, "1m"},
		{"1u", 1, DecimalSI, "1m"},
		{"1n", 1, DecimalSI, "1m"},
		{"1001u", 2, DecimalSI, "2m"},
		{"0.0001", 1, DecimalSI, "1m"},
		{"-0.0001", 0, DecimalSI, "0"},
		{"-1u", 0, DecimalSI, "0"},
		{"-1001u", -1, DecimalSI, "-1m"},
		{"1Ki", ki * 1000, BinarySI, "1Ki"},
		{"1Gi", gi * 1000, BinarySI, "1Gi"},
		{"-1Gi", -gi * 1000, BinarySI, "-1Gi"},
		{"1536Mi", 1536 * mi * 1000, BinarySI, "1536Mi"},
		{"1.5Gi", 1536 * mi * 1000, BinarySI, "1536Mi"},
		{"1024Ki", mi * 1000, BinarySI, "1Mi"},
		{"1000Ki", 1000 * ki * 1000, BinarySI, "1000Ki"},
		{"0.5Ki", 512000, BinarySI, "512"},
		{"1.5Ki", 1536000, BinarySI, "1536"},
		{"0.1Ki", 102400, BinarySI, "102400m"},
		{"0Gi", 0, BinarySI, "0"},
		{"8Pi", 8 * pi * 1000, BinarySI, "8Pi"},
		{"2e3", 2000000, DecimalExponent, "2e3"},
		{"12e6", 12000000000, DecimalExponent, "12e6"},
		{"12e+6", 12000000000, DecimalExponent, "12e6"},
		{"1E3", 1000000, DecimalExponent, "1e3"},
		{"1e-3", 1, DecimalExponent, "1e-3"},
		{"1E-3", 1, DecimalExponent, "1e-3"},
		{"1.5e3", 1500000, DecimalExponent, "1500"},
		{"1.5e-3", 2, DecimalExponent, "2e-3"},
		{"-1.5e-3", -1, DecimalExponent, "-1e-3"},
		{"15e-1", 1500, DecimalExponent, "1500e-3"},
		{"1e0", 1000, DecimalExponent, "1"},
		{"1e-1000000", 1, DecimalExponent, "1e-3"},
		{"-1e-1000000", 0, DecimalExponent, "0"},
		{"0e999999999", 0, DecimalExponent, "0"},
		{"0.001Ei", 1 << 60, BinarySI, "1152921504606846976m"},
		{"9223372036854775807m", math.MaxInt64, DecimalSI, "9223372036854775807m"},
		{"-9223372036854775808m", math.MinInt64, DecimalSI, "-9223372036854775808m"},
		{"9223372036854775.807", math.MaxInt64, DecimalSI, "9223372036854775807m"},
		{"000000000000000000000000001.000000000000000000000", 1000, DecimalSI, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := ParseQuantity(tt.in)
			if err != nil {
				t.Fatalf("ParseQuantity(%q) error: %v", tt.in, err)
			}
			if q.MilliValue() != tt.milli || q.Format() != tt.format {
				t.Errorf("ParseQuantity(%q) = %d milli %s, want %d milli %s",
					tt.in, q.MilliValue(), q.Format(), tt.milli, tt.format)
			}
			if got := q.String(); got != tt.str {
				t.Errorf("ParseQuantity(%q).String() = %q, want %q", tt.in, got, tt.str)
			}
		})
	}
}

func TestParseQuantityErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrFormatWrong},
		{"abc", ErrFormatWrong},
		{"1.2.3", ErrFormatWrong},
		{"--1", ErrFormatWrong},
		{"+-1", ErrFormatWrong},
		{"1 Gi", ErrFormatWrong},
		{" 1", ErrFormatWrong},
		{"1 ", ErrFormatWrong},
		{"1Mx", ErrFormatWrong},
		{"1Kib", ErrFormatWrong},
		{"1.5.Gi", ErrFormatWrong},
		{"e3", ErrFormatWrong},
		{".", ErrFormatWrong},
		{"+", ErrFormatWrong},
		{"-", ErrFormatWrong},
		{"Gi", ErrFormatWrong},
		{"1E3.5", ErrFormatWrong},
		{"1e3e3", ErrFormatWrong},
		{"0x10", ErrFormatWrong},
		{"1_000", ErrFormatWrong},
		{"１", ErrFormatWrong}, // a full-width digit is not ASCII
		{"1K", ErrSuffix},
		{"1e", ErrSuffix},
		{"1e+", ErrSuffix},
		{"1ki", ErrSuffix},
		{"1kk", ErrSuffix},
		{"1mi", ErrSuffix},
		{"1Ki5", ErrSuffix},
		{"8Ei", ErrNumeric},
		{"1Ei", ErrNumeric},
		{"9Pi", ErrNumeric},
		{"1E", ErrNumeric},
		{"10P", ErrNumeric},
		{"1e16", ErrNumeric},
		{"1e999999999", ErrNumeric},
		{"1e99999999999", ErrNumeric},
		{"0e99999999999", ErrNumeric}, // the exponent itself does not fit in an int32
		{"9223372036854775808m", ErrNumeric},
		{"-9223372036854775809m", ErrNumeric},
		{"9223372036854775.8071", ErrNumeric}, // rounds up past the maximum
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := ParseQuantity(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseQuantity(%q) = %v, %v; want error %v", tt.in, q, err, tt.want)
			}
			if !strings.Contains(err.Error(), `"`+tt.in+`"`) {
				t.Errorf("error %q does not quote the input %q", err, tt.in)
			}
			if q != (Quantity{}) {
				t.Errorf("ParseQuantity(%q) returned %#v alongside an error", tt.in, q)
			}
		})
	}
}

func TestMustParse(t *testing.T) {
	if got := MustParse("250m").MilliValue(); got != 250 {
		t.Errorf("MustParse(250m) = %d milli, want 250", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParse(1K) did not panic")
		}
	}()
	MustParse("1K")
}

func TestValues(t *testing.T) {
	tests := []struct {
		in    string
		milli int64
		value int64
	}{
		{"0", 0, 0},
		{"1", 1000, 1},
		{"1m", 1, 1},
		{"999m", 999, 1},
		{"1001m", 1001, 2},
		{"1500m", 1500, 2},
		{"2.5", 2500, 3},
		{"-1m", -1, 0},
		{"-1001m", -1001, -1},
		{"-1500m", -1500, -1},
		{"-2.5", -2500, -2},
		{"-2", -2000, -2},
		{"1Gi", gi * 1000, gi},
		{"1.5", 1500, 2},
		{"100m", 100, 1},
		{"9223372036854775807m", math.MaxInt64, math.MaxInt64/1000 + 1},
		{"-9223372036854775808m", math.MinInt64, math.MinInt64 / 1000},
	}
	for _, tt := range tests {
		q := MustParse(tt.in)
		if got := q.MilliValue(); got != tt.milli {
			t.Errorf("MustParse(%q).MilliValue() = %d, want %d", tt.in, got, tt.milli)
		}
		if got := q.Value(); got != tt.value {
			t.Errorf("MustParse(%q).Value() = %d, want %d", tt.in, got, tt.value)
		}
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		name   string
		q      Quantity
		milli  int64
		format Format
		str    string
	}{
		{"zero value", Quantity{}, 0, DecimalSI, "0"},
		{"NewQuantity binary", NewQuantity(2048, BinarySI), 2048000, BinarySI, "2Ki"},
		{"NewQuantity small binary", NewQuantity(5, BinarySI), 5000, BinarySI, "5"},
		{"NewQuantity decimal", NewQuantity(3000, DecimalSI), 3000000, DecimalSI, "3k"},
		{"NewQuantity negative", NewQuantity(-4, DecimalSI), -4000, DecimalSI, "-4"},
		{"NewQuantity saturates high", NewQuantity(math.MaxInt64, DecimalSI), math.MaxInt64, DecimalSI, "9223372036854775807m"},
		{"NewQuantity saturates low", NewQuantity(math.MinInt64, DecimalSI), math.MinInt64, DecimalSI, "-9223372036854775808m"},
		{"NewMilliQuantity exponent", NewMilliQuantity(1500, DecimalExponent), 1500, DecimalExponent, "1500e-3"},
		{"NewMilliQuantity SI", NewMilliQuantity(250, DecimalSI), 250, DecimalSI, "250m"},
		{"NewMilliQuantity empty format", NewMilliQuantity(1, ""), 1, DecimalSI, "1m"},
		{"NewMilliQuantity unknown format", NewMilliQuantity(1, "Roman"), 1, DecimalSI, "1m"},
	}
	for _, tt := range tests {
		if tt.q.MilliValue() != tt.milli || tt.q.Format() != tt.format || tt.q.String() != tt.str {
			t.Errorf("%s: got %d milli %s %q, want %d milli %s %q", tt.name,
				tt.q.MilliValue(), tt.q.Format(), tt.q.String(), tt.milli, tt.format, tt.str)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		milli  int64
		format Format
		want   string
	}{
		{1500, DecimalSI, "1500m"},
		{1000, DecimalSI, "1"},
		{2000000000, DecimalSI, "2M"},
		{500, DecimalSI, "500m"},
		{1500000, DecimalSI, "1500"},
		{0, DecimalSI, "0"},
		{0, DecimalExponent, "0"},
		{0, BinarySI, "0"},
		{-2000000, DecimalSI, "-2k"},
		{2000000, DecimalExponent, "2e3"},
		{1500, DecimalExponent, "1500e-3"},
		{12000, DecimalExponent, "12"},
		{-12000000000, DecimalExponent, "-12e6"},
		{gi * 1000, BinarySI, "1Gi"},
		{1536 * mi * 1000, BinarySI, "1536Mi"},
		{512000, BinarySI, "512"},
		{1023000, BinarySI, "1023"},
		{1024000, BinarySI, "1Ki"},
		{-1024000, BinarySI, "-1Ki"},
		{-1023000, BinarySI, "-1023"},
		{1500, BinarySI, "1500m"},
		{1024500, BinarySI, "1024500m"},
		{1000000000000, BinarySI, "1000000000"},
		{1000 * (1 << 40) * 1000, BinarySI, "1000Ti"},
		{math.MaxInt64, DecimalSI, "9223372036854775807m"},
		{math.MaxInt64, DecimalExponent, "9223372036854775807e-3"},
		{math.MaxInt64, BinarySI, "9223372036854775807m"},
		{math.MinInt64, DecimalSI, "-9223372036854775808m"},
		{math.MinInt64, DecimalExponent, "-9223372036854775808e-3"},
		{math.MinInt64, BinarySI, "-9223372036854775808m"},
		{9000000000000000000, DecimalSI, "9P"},
		{9000000000000000000, DecimalExponent, "9e15"},
	}
	for _, tt := range tests {
		if got := NewMilliQuantity(tt.milli, tt.format).String(); got != tt.want {
			t.Errorf("NewMilliQuantity(%d, %s).String() = %q, want %q", tt.milli, tt.format, got, tt.want)
		}
	}
}

// randomMilli draws milli-unit counts that exercise every suffix: arbitrary
// int64s, small numbers, and round decimal and binary multiples.
func randomMilli(r *rand.Rand) int64 {
	var v int64
	switch r.IntN(4) {
	case 0:
		v = int64(r.Uint64())
	case 1:
		v = r.Int64N(1 << 20)
	case 2:
		v = r.Int64N(10000)
		for range r.IntN(7) {
			v = saturatingMul(v, 1000)
		}
	default:
		v = r.Int64N(4096) * 1000
		v <<= 10 * r.IntN(5)
	}
	if r.IntN(2) == 0 {
		v = -v
	}
	return v
}

func TestStringRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 11))
	formats := []Format{DecimalSI, DecimalExponent, BinarySI}
	for range 20000 {
		q := NewMilliQuantity(randomMilli(r), formats[r.IntN(len(formats))])
		s := q.String()
		back, err := ParseQuantity(s)
		if err != nil {
			t.Fatalf("ParseQuantity(%q) of %d milli %s: %v", s, q.MilliValue(), q.Format(), err)
		}
		if back.MilliValue() != q.MilliValue() {
			t.Fatalf("%d milli %s printed %q parses back as %d milli", q.MilliValue(), q.Format(), s, back.MilliValue())
		}
		if q.Format() != BinarySI && back.String() != s {
			t.Fatalf("%q reprints as %q", s, back.String())
		}
	}
}

// referenceMilli computes ceil(value * 1000) for a number and its suffix
// scale with big.Rat, as an independent check of ParseQuantity's arithmetic.
func referenceMilli(negative bool, whole, frac string, sc scale) (int64, bool) {
	v, _ := new(big.Rat).SetString("0" + whole + "." + frac + "0")
	if negative {
		v.Neg(v)
	}
	factor := new(big.Int).Exp(big.NewInt(10), big.NewInt(abs(sc.pow10)), nil)
	if sc.pow10 < 0 {
		v.Quo(v, new(big.Rat).SetInt(factor))
	} else {
		v.Mul(v, new(big.Rat).SetInt(factor))
	}
	v.Mul(v, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1000), 10*sc.pow1024)))
	ceil, rem := new(big.Int).DivMod(v.Num(), v.Denom(), new(big.Int))
	if rem.Sign() != 0 {
		ceil.Add(ceil, big.NewInt(1))
	}
	return ceil.Int64(), ceil.IsInt64()
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// randomDigits returns up to n random digits, often padded with zeros.
func randomDigits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range r.IntN(n + 1) {
		if r.IntN(3) == 0 {
			b.WriteByte('0')
		} else {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	return b.String()
}

func TestParseMatchesRational(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 99))
	suffixes := []string{"", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}
	for range 20000 {
		negative := r.IntN(2) == 0
		whole, frac := randomDigits(r, 22), randomDigits(r, 30)
		if whole == "" && frac == "" {
			whole = "0"
		}
		suffix := suffixes[r.IntN(len(suffixes))]
		if r.IntN(4) == 0 {
			suffix = "e" + strconv.Itoa(r.IntN(80)-50)
		}
		s := whole + "." + frac + suffix
		if negative {
			s = "-" + s
		}
		sc, err := interpretSuffix(suffix)
		if err != nil {
			t.Fatal(err)
		}
		want, fits := referenceMilli(negative, whole, frac, sc)
		q, err := ParseQuantity(s)
		switch {
		case !fits && !errors.Is(err, ErrNumeric):
			t.Fatalf("ParseQuantity(%q) = %d, %v; want ErrNumeric", s, q.MilliValue(), err)
		case fits && (err != nil || q.MilliValue() != want):
			t.Fatalf("ParseQuantity(%q) = %d, %v; want %d milli", s, q.MilliValue(), err, want)
		}
	}
}

func TestAddSub(t *testing.T) {
	tests := []struct {
		name   string
		got    func() Quantity
		milli  int64
		format Format
	}{
		{"add keeps receiver format", func() Quantity {
			q := MustParse("1")
			q.Add(MustParse("1Gi"))
			return q
		}, (gi + 1) * 1000, DecimalSI},
		{"add to zero value takes operand format", func() Quantity {
			var q Quantity
			q.Add(MustParse("1Gi"))
			return q
		}, gi * 1000, BinarySI},
		{"add to parsed zero takes operand format", func() Quantity {
			q := MustParse("0")
			q.Add(MustParse("2e3"))
			return q
		}, 2000000, DecimalExponent},
		{"add mixes units", func() Quantity {
			q := MustParse("1.5")
			q.Add(MustParse("250m"))
			return q
		}, 1750, DecimalSI},
		{"sub goes negative", func() Quantity {
			q := MustParse("1")
			q.Sub(MustParse("1500m"))
			return q
		}, -500, DecimalSI},
		{"sub from zero value takes operand format", func() Quantity {
			var q Quantity
			q.Sub(MustParse("1Ki"))
			return q
		}, -ki * 1000, BinarySI},
		{"add saturates high", func() Quantity {
			q := NewMilliQuantity(math.MaxInt64-1, DecimalSI)
			q.Add(MustParse("1"))
			return q
		}, math.MaxInt64, DecimalSI},
		{"add saturates low", func() Quantity {
			q := NewMilliQuantity(math.MinInt64+1, DecimalSI)
			q.Add(MustParse("-1"))
			return q
		}, math.MinInt64, DecimalSI},
		{"sub saturates high", func() Quantity {
			q := NewMilliQuantity(math.MaxInt64, DecimalSI)
			q.Sub(NewMilliQuantity(math.MinInt64, DecimalSI))
			return q
		}, math.MaxInt64, DecimalSI},
		{"sub saturates low", func() Quantity {
			q := NewMilliQuantity(math.MinInt64, DecimalSI)
			q.Sub(MustParse("1m"))
			return q
		}, math.MinInt64, DecimalSI},
		{"neg", func() Quantity { return MustParse("1Gi").Neg() }, -gi * 1000, BinarySI},
		{"neg of minimum saturates", func() Quantity {
			return NewMilliQuantity(math.MinInt64, DecimalSI).Neg()
		}, math.MaxInt64, DecimalSI},
	}
	for _, tt := range tests {
		q := tt.got()
		if q.MilliValue() != tt.milli || q.Format() != tt.format {
			t.Errorf("%s: got %d milli %s, want %d milli %s", tt.name, q.MilliValue(), q.Format(), tt.milli, tt.format)
		}
	}
}

func TestCmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "1000m", 0},
		{"1k", "1e3", 0},
		{"1Ki", "1k", 1},
		{"-1", "0", -1},
		{"0", "0Gi", 0},
		{"100m", "0.1", 0},
		{"1u", "1m", 0},
		{"1.5Gi", "1536Mi", 0},
		{"999m", "1", -1},
	}
	for _, tt := range tests {
		a, b := MustParse(tt.a), MustParse(tt.b)
		if got := a.Cmp(b); got != tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := b.Cmp(a); got != -tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
		if got := a.Equal(b); got != (tt.want == 0) {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

func TestSignIsZero(t *testing.T) {
	tests := []struct {
		in   string
		sign int
	}{
		{"0", 0}, {"-0", 0}, {"0Gi", 0}, {"1m", 1}, {"1Gi", 1}, {"-1m", -1}, {"-1u", 0},
	}
	for _, tt := range tests {
		q := MustParse(tt.in)
		if q.Sign() != tt.sign || q.IsZero() != (tt.sign == 0) {
			t.Errorf("%q: Sign() = %d, IsZero() = %v; want sign %d", tt.in, q.Sign(), q.IsZero(), tt.sign)
		}
	}
	if !(Quantity{}).IsZero() {
		t.Error("the zero value is not IsZero")
	}
}

func TestDeepCopy(t *testing.T) {
	q := MustParse("1.5Gi")
	if c := q.DeepCopy(); c != q {
		t.Errorf("DeepCopy = %#v, want %#v", c, q)
	}
	var out Quantity
	q.DeepCopyInto(&out)
	if out != q {
		t.Errorf("DeepCopyInto = %#v, want %#v", out, q)
	}
}

type jsonResources struct {
	CPU     Quantity  `json:"cpu"`
	Memory  *Quantity `json:"memory,omitempty"`
	Divisor Quantity  `json:"divisor,omitzero"`
}

func TestMarshalJSON(t *testing.T) {
	mem := MustParse("1.5Gi")
	got, err := json.Marshal(jsonResources{CPU: MustParse("1.5"), Memory: &mem})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"cpu":"1500m","memory":"1536Mi"}`; string(got) != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	got, err = json.Marshal(NewMilliQuantity(-2000000, DecimalExponent))
	if err != nil || string(got) != `"-2e3"` {
		t.Errorf(`Marshal(-2e3) = %s, %v; want "-2e3"`, got, err)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	tests := []struct {
		in     string
		milli  int64
		format Format
	}{
		{`"1.5Gi"`, 1536 * mi * 1000, BinarySI},
		{`"100m"`, 100, DecimalSI},
		{`" 100m "`, 100, DecimalSI},
		{`"\u0031k"`, 1000000, DecimalSI},
		{`1`, 1000, DecimalSI},
		{`0.5`, 500, DecimalSI},
		{`-1.25`, -1250, DecimalSI},
		{`2e3`, 2000000, DecimalExponent},
		{`1.5E-3`, 2, DecimalExponent},
		{` 7 `, 7000, DecimalSI},
		{`null`, 0, DecimalSI},
	}
	for _, tt := range tests {
		q := MustParse("42Ki") // must be overwritten, including by null
		if err := q.UnmarshalJSON([]byte(tt.in)); err != nil {
			t.Errorf("UnmarshalJSON(%s) error: %v", tt.in, err)
			continue
		}
		if q.MilliValue() != tt.milli || q.Format() != tt.format {
			t.Errorf("UnmarshalJSON(%s) = %d milli %s, want %d milli %s", tt.in, q.MilliValue(), q.Format(), tt.milli, tt.format)
		}
	}
}

func TestUnmarshalJSONErrors(t *testing.T) {
	tests := []struct {
		in   string
		want error // nil: any error will do
	}{
		{`{}`, ErrFormatWrong},
		{`{"cpu":"1"}`, ErrFormatWrong},
		{`true`, ErrFormatWrong},
		{`false`, ErrFormatWrong},
		{`[1]`, ErrFormatWrong},
		{``, ErrFormatWrong},
		{`1Gi`, ErrFormatWrong},
		{`01`, ErrFormatWrong},
		{`1 2`, ErrFormatWrong},
		{`"1K"`, ErrSuffix},
		{`"abc"`, ErrFormatWrong},
		{`""`, ErrFormatWrong},
		{`"8Ei"`, ErrNumeric},
		{`1e999`, ErrNumeric},
		{`"1`, nil},
		{`"\x"`, nil},
	}
	for _, tt := range tests {
		q := MustParse("3")
		err := q.UnmarshalJSON([]byte(tt.in))
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("UnmarshalJSON(%s) = %v, want error %v", tt.in, err, tt.want)
		}
		if q != MustParse("3") {
			t.Errorf("UnmarshalJSON(%s) changed the quantity to %v on error", tt.in, q)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, s := range []string{"0", "100m", "1.5", "1Gi", "1.5Gi", "500M", "2e3", "1500e-3", "-1Ki", "1u", "9223372036854775807m"} {
		var got Quantity
		want := MustParse(s)
		data, err := json.Marshal(want)
		if err == nil {
			err = json.Unmarshal(data, &got)
		}
		if err != nil || got.Cmp(want) != 0 || got.String() != want.String() {
			t.Errorf("%q: JSON %s decodes to %v (%v), want %v", s, data, got, err, want)
		}
	}
}

func TestJSONStruct(t *testing.T) {
	var r jsonResources
	err := json.Unmarshal([]byte(`{"cpu": 0.25, "memory": "2Gi", "divisor": null}`), &r)
	if err != nil {
		t.Fatal(err)
	}
	if r.CPU.MilliValue() != 250 || r.Memory == nil || r.Memory.Value() != 2*gi || !r.Divisor.IsZero() {
		t.Errorf("decoded %+v", r)
	}
	err = json.Unmarshal([]byte(`{"cpu": true}`), &r)
	if !errors.Is(err, ErrFormatWrong) {
		t.Errorf("decoding a bool: %v, want ErrFormatWrong", err)
	}
	err = json.Unmarshal([]byte(`{"cpu": {"value": 1}}`), &r)
	if !errors.Is(err, ErrFormatWrong) {
		t.Errorf("decoding an object: %v, want ErrFormatWrong", err)
	}
}
