// Package resource holds Kubernetes resource quantities ("100m", "1.5Gi",
// "2e3") as plain int64 counts of milli-units, so that schedulers compare and
// add integers instead of parsing strings.
//
// Parsing follows the Kubernetes quantity grammar and printing reproduces
// Kubernetes' canonical form for every value that is a whole number of
// milli-units. Precision finer than a milli-unit is rounded up when parsing.
package resource

import "math"

// Format records which family of suffixes a quantity was written with, so it
// can be printed back the way its author wrote it.
type Format string

// DecimalExponent exists for quantities written with a power-of-ten exponent, such as "12e6".
const DecimalExponent Format = "DecimalExponent"

// BinarySI exists for quantities written with a power-of-1024 suffix, such as "12Mi".
const BinarySI Format = "BinarySI"

// DecimalSI exists for quantities written with a metric suffix, such as "12M" or "500m".
const DecimalSI Format = "DecimalSI"

// Quantity is a fixed-point number of milli-units, kept together with the
// format it was written in so it can be printed back in that style.
//
// The zero value is "0" in DecimalSI. Quantities are plain values: copying one
// copies everything, and == compares both the amount and the format (use Cmp
// or Equal to compare amounts only).
type Quantity struct {
	milli  int64
	format Format
}

// NewMilliQuantity exists to build a quantity from a milli-unit count without
// going through a string; an unknown format is treated as DecimalSI.
func NewMilliQuantity(milli int64, f Format) Quantity {
	return Quantity{milli: milli, format: knownFormat(f)}
}

// NewQuantity exists to build a quantity from a count of whole units; values
// whose milli-unit count does not fit in an int64 saturate at the int64 limits.
func NewQuantity(value int64, f Format) Quantity {
	return NewMilliQuantity(saturatingMul(value, 1000), f)
}

// MilliValue exists so callers can do integer arithmetic in milli-units, e.g.
// a CPU request of "1.5" is 1500.
func (q Quantity) MilliValue() int64 {
	return q.milli
}

// Value exists for resources counted in whole units (bytes, pods); fractions
// are rounded up towards +infinity, so "1500m" is 2 and "-1500m" is -1.
func (q Quantity) Value() int64 {
	whole := q.milli / 1000 // Go division truncates towards zero.
	if q.milli%1000 > 0 {
		whole++
	}
	return whole
}

// Format exists so callers can see which suffix style the quantity prints in.
func (q Quantity) Format() Format {
	return knownFormat(q.format)
}

// IsZero exists so callers (and encoding/json's omitzero) can detect an empty amount.
func (q Quantity) IsZero() bool {
	return q.milli == 0
}

// Sign exists to test for negative or positive amounts without building a zero quantity.
func (q Quantity) Sign() int {
	switch {
	case q.milli < 0:
		return -1
	case q.milli > 0:
		return 1
	default:
		return 0
	}
}

// Cmp exists to order quantities by amount regardless of their formats,
// returning -1, 0 or +1.
func (q Quantity) Cmp(o Quantity) int {
	switch {
	case q.milli < o.milli:
		return -1
	case q.milli > o.milli:
		return 1
	default:
		return 0
	}
}

// Equal exists so equality helpers such as go-cmp compare amounts, not formats.
func (q Quantity) Equal(o Quantity) bool {
	return q.milli == o.milli
}

// Add exists to accumulate quantities in place; it keeps q's format unless q
// is zero (then it takes o's), and it saturates at the int64 limits instead of
// wrapping around.
func (q *Quantity) Add(o Quantity) {
	q.adoptFormatIfZero(o)
	q.milli = saturatingAdd(q.milli, o.milli)
}

// Sub exists to subtract quantities in place; it keeps q's format unless q is
// zero (then it takes o's), and it saturates at the int64 limits instead of
// wrapping around.
func (q *Quantity) Sub(o Quantity) {
	q.adoptFormatIfZero(o)
	q.milli = saturatingSub(q.milli, o.milli)
}

// Neg exists to flip a quantity's sign; the most negative int64 saturates to
// the most positive one.
func (q Quantity) Neg() Quantity {
	q.milli = saturatingSub(0, q.milli)
	return q
}

// DeepCopy exists for generated deep-copy code; a Quantity holds no pointers,
// so the copy is the value itself.
func (q Quantity) DeepCopy() Quantity {
	return q
}

// DeepCopyInto exists for generated deep-copy code that copies into existing storage.
func (q *Quantity) DeepCopyInto(out *Quantity) {
	*out = *q
}

// adoptFormatIfZero makes an empty accumulator take the format of the first
// value added to it, as Kubernetes does.
func (q *Quantity) adoptFormatIfZero(o Quantity) {
	if q.milli == 0 {
		q.format = o.Format()
	}
}

// knownFormat maps the empty or an unrecognised format to DecimalSI.
func knownFormat(f Format) Format {
	switch f {
	case DecimalExponent, BinarySI:
		return f
	default:
		return DecimalSI
	}
}

// saturatingAdd returns a+b clamped to the int64 range.
func saturatingAdd(a, b int64) int64 {
	sum := a + b
	switch {
	case b > 0 && sum < a:
		return math.MaxInt64
	case b < 0 && sum > a:
		return math.MinInt64
	}
	return sum
}

// saturatingSub returns a-b clamped to the int64 range.
func saturatingSub(a, b int64) int64 {
	diff := a - b
	switch {
	case b < 0 && diff < a:
		return math.MaxInt64
	case b > 0 && diff > a:
		return math.MinInt64
	}
	return diff
}

// saturatingMul returns a*b clamped to the int64 range, for a positive b.
func saturatingMul(a, b int64) int64 {
	switch {
	case a > math.MaxInt64/b:
		return math.MaxInt64
	case a < math.MinInt64/b:
		return math.MinInt64
	}
	return a * b
}
