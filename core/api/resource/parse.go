package resource

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// ErrFormatWrong exists to report text that is not a signed decimal number followed by a suffix.
var ErrFormatWrong = errors.New("quantity must be an optionally signed decimal number followed by an optional suffix")

// ErrSuffix exists to report a well-formed suffix that is not one Kubernetes knows, such as "K".
var ErrSuffix = errors.New("unknown quantity suffix")

// ErrNumeric exists to report a quantity whose milli-unit count does not fit in an int64.
var ErrNumeric = errors.New("quantity out of range")

// ParseQuantity exists to turn the Kubernetes text form of a quantity into
// milli-units once, at decode time; errors wrap ErrFormatWrong, ErrSuffix or
// ErrNumeric.
func ParseQuantity(s string) (Quantity, error) {
	num, ok := splitQuantity(s)
	if !ok {
		return Quantity{}, fmt.Errorf("quantity %q: %w", s, ErrFormatWrong)
	}
	sc, err := interpretSuffix(num.suffix)
	if err != nil {
		return Quantity{}, fmt.Errorf("quantity %q: %w", s, err)
	}
	milli, err := toMilli(num, sc)
	if err != nil {
		return Quantity{}, fmt.Errorf("quantity %q: %w", s, err)
	}
	return Quantity{milli: milli, format: sc.format}, nil
}

// MustParse exists for tests and package-level constants whose text is known
// to be valid; it panics on an error.
func MustParse(s string) Quantity {
	q, err := ParseQuantity(s)
	if err != nil {
		panic(err)
	}
	return q
}

// number is a quantity string cut into its lexical pieces.
type number struct {
	negative bool
	whole    string // digits before the decimal point, possibly empty
	frac     string // digits after the decimal point, possibly empty
	suffix   string // everything after the number, possibly empty
}

// splitQuantity cuts s into sign, digits and suffix, reporting false when s
// does not have the shape of a quantity at all.
func splitQuantity(s string) (number, bool) {
	var n number
	rest := s
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		n.negative = rest[0] == '-'
		rest = rest[1:]
	}
	n.whole, rest = cutDigits(rest)
	if strings.HasPrefix(rest, ".") {
		n.frac, rest = cutDigits(rest[1:])
	}
	if n.whole == "" && n.frac == "" {
		return n, false
	}
	n.suffix = rest
	return n, suffixShaped(rest)
}

// cutDigits splits s after its leading run of ASCII digits.
func cutDigits(s string) (digits, rest string) {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

// isDigit reports whether c is an ASCII decimal digit.
func isDigit(c byte) bool {
	return '0' <= c && c <= '9'
}

// suffixLetters are the only letters any suffix is built from.
const suffixLetters = "eEinumkKMGTP"

// suffixShaped reports whether s looks like a suffix: suffix letters, then an
// optional sign, then digits. Whether it is a known suffix is decided later,
// so "K" is shaped like a suffix (ErrSuffix) while " Gi" is not (ErrFormatWrong).
func suffixShaped(s string) bool {
	i := 0
	for i < len(s) && strings.IndexByte(suffixLetters, s[i]) >= 0 {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	_, rest := cutDigits(s[i:])
	return rest == ""
}

// scale says what a suffix multiplies the number by: 10^pow10 * 1024^pow1024.
type scale struct {
	pow10   int64
	pow1024 uint
	format  Format
}

// decimalSuffixes maps each metric suffix to its power of ten.
var decimalSuffixes = map[string]int64{
	"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
}

// binarySuffixes maps each binary suffix to its power of 1024.
var binarySuffixes = map[string]uint{
	"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6,
}

// interpretSuffix returns the scale a suffix stands for. A lone "E" is the exa
// suffix; "e" or "E" followed by a signed integer is an exponent.
func interpretSuffix(suf string) (scale, error) {
	if p, ok := decimalSuffixes[suf]; ok {
		return scale{pow10: p, format: DecimalSI}, nil
	}
	if p, ok := binarySuffixes[suf]; ok {
		return scale{pow1024: p, format: BinarySI}, nil
	}
	if len(suf) > 1 && (suf[0] == 'e' || suf[0] == 'E') {
		return exponentScale(suf[1:])
	}
	return scale{}, fmt.Errorf("%w %q", ErrSuffix, suf)
}

// exponentScale parses the signed integer after "e"; exponents beyond the
// int32 range are reported as out of range rather than evaluated.
func exponentScale(exp string) (scale, error) {
	p, err := strconv.ParseInt(exp, 10, 32)
	if errors.Is(err, strconv.ErrRange) {
		return scale{}, fmt.Errorf("%w: exponent %s", ErrNumeric, exp)
	}
	if err != nil {
		return scale{}, fmt.Errorf("%w %q", ErrSuffix, "e"+exp)
	}
	return scale{pow10: p, format: DecimalExponent}, nil
}

// maxPow10 is the largest power of ten that fits in an int64 (10^18), so a
// milli count of 10^19 or more is out of range.
const maxPow10 = 18

// toMilli computes ceil(±digits * 1024^pow1024 * 10^pow10 * 1000), with the
// decimal point placed by len(frac), exactly, and checks that it fits in an int64.
func toMilli(n number, sc scale) (int64, error) {
	digits := strings.TrimLeft(n.whole+n.frac, "0")
	if digits == "" {
		return 0, nil // Zero stays zero, however large its exponent.
	}
	// The milli count is ±digits * 2^bits * 10^shift.
	bits := 10 * sc.pow1024
	shift := 3 + sc.pow10 - int64(len(n.frac))
	if int64(len(digits))+shift > maxPow10+1 {
		return 0, ErrNumeric // digits >= 10^(len-1), so the count is at least 10^19.
	}
	mant, shift := dropDigits(digits, shift, bits, n.negative)
	mant.Lsh(mant, bits)
	if n.negative {
		mant.Neg(mant)
	}
	if shift >= 0 {
		mant.Mul(mant, pow10(shift))
	} else {
		mant = ceilDiv(mant, pow10(-shift))
	}
	if !mant.IsInt64() {
		return 0, ErrNumeric
	}
	return mant.Int64(), nil
}

// dropDigits converts digits to a big integer, first cutting off the trailing
// digits that dividing by 10^-shift would discard anyway, so big-integer work
// stays small however long the input is. It returns the integer and the
// shift that is left to apply.
//
// Rounding is towards +infinity: a positive magnitude is bumped up when a cut
// digit is nonzero, a negative one is truncated. This is exact because
// ceil(x/(a*b)) == ceil(ceil(x/a)/b) for positive integers a and b, and only
// as many digits are cut as leave 10^-shift still divisible by 2^bits.
func dropDigits(digits string, shift int64, bits uint, negative bool) (*big.Int, int64) {
	mant := new(big.Int)
	drop := -shift - int64(bits)
	if drop <= 0 {
		mant.SetString(digits, 10)
		return mant, shift
	}
	kept, cut := "", digits
	if drop < int64(len(digits)) {
		kept, cut = digits[:len(digits)-int(drop)], digits[len(digits)-int(drop):]
	}
	if kept != "" {
		mant.SetString(kept, 10)
	}
	if !negative && strings.Trim(cut, "0") != "" {
		mant.Add(mant, big.NewInt(1))
	}
	return mant, shift + drop
}

// ceilDiv returns ceil(x / d) for a positive d.
func ceilDiv(x, d *big.Int) *big.Int {
	quo, rem := new(big.Int).DivMod(x, d, new(big.Int)) // floor division for a positive d
	if rem.Sign() != 0 {
		quo.Add(quo, big.NewInt(1))
	}
	return quo
}

// smallPow10 caches 10^0 through 10^maxPow10, the powers most parses need;
// the entries are only ever read.
var smallPow10 = func() [maxPow10 + 1]*big.Int {
	var table [maxPow10 + 1]*big.Int
	p := int64(1)
	for k := range table {
		table[k] = big.NewInt(p)
		p *= 10
	}
	return table
}()

// pow10 returns 10^k as a big integer that the caller must not modify.
func pow10(k int64) *big.Int {
	if k <= maxPow10 {
		return smallPow10[k]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil)
}
