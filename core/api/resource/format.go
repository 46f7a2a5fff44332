package resource

import "strconv"

// String exists to print the quantity in Kubernetes' canonical form: the
// largest suffix of its format that keeps the mantissa an integer.
func (q Quantity) String() string {
	if q.milli == 0 {
		return "0"
	}
	var storage [32]byte // room for a sign, 20 digits and a suffix
	buf := storage[:0]
	if q.milli < 0 {
		buf = append(buf, '-')
	}
	mag := magnitude(q.milli)
	switch q.Format() {
	case BinarySI:
		if units, ok := binaryPrintable(mag); ok {
			return string(appendBinary(buf, units))
		}
		return string(appendDecimal(buf, mag, siSuffix))
	case DecimalExponent:
		return string(appendDecimal(buf, mag, exponentSuffix))
	default:
		return string(appendDecimal(buf, mag, siSuffix))
	}
}

// magnitude returns |milli| without overflowing for the most negative int64.
func magnitude(milli int64) uint64 {
	if milli < 0 {
		return uint64(-(milli + 1)) + 1
	}
	return uint64(milli)
}

// binaryPrintable reports whether a milli magnitude can be printed with a
// binary suffix (a whole number of at least 1024 units) and returns the units.
func binaryPrintable(mag uint64) (units uint64, ok bool) {
	if mag%1000 != 0 || mag/1000 < 1024 {
		return 0, false
	}
	return mag / 1000, true
}

// binarySuffixNames lists the binary suffixes by power of 1024.
var binarySuffixNames = [...]string{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"}

// appendBinary appends units scaled down by the largest power of 1024 that
// divides them exactly, followed by that power's suffix.
func appendBinary(buf []byte, units uint64) []byte {
	pow := 0
	for pow < len(binarySuffixNames)-1 && units%1024 == 0 {
		units /= 1024
		pow++
	}
	buf = strconv.AppendUint(buf, units, 10)
	return append(buf, binarySuffixNames[pow]...)
}

// maxDecimalExp is the largest power of ten a canonical suffix uses (E, 10^18).
const maxDecimalExp = 18

// appendDecimal appends a milli magnitude scaled down by the largest power of
// 1000 that divides it exactly (from 10^-3 up to 10^18), followed by the
// suffix that suffix returns for that power of ten.
func appendDecimal(buf []byte, mag uint64, suffix func(exp int) string) []byte {
	exp := -3
	for exp < maxDecimalExp && mag%1000 == 0 {
		mag /= 1000
		exp += 3
	}
	buf = strconv.AppendUint(buf, mag, 10)
	return append(buf, suffix(exp)...)
}

// siSuffixNames maps each power of ten that is a multiple of three, from -3, to its suffix.
var siSuffixNames = map[int]string{
	-3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E",
}

// siSuffix returns the metric suffix for a power of ten.
func siSuffix(exp int) string {
	return siSuffixNames[exp]
}

// exponentSuffix returns "e<exp>", or nothing for exp 0.
func exponentSuffix(exp int) string {
	if exp == 0 {
		return ""
	}
	return "e" + strconv.Itoa(exp)
}
