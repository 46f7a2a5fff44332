package job

import (
	"slices"
	"strconv"
	"strings"
)

// indexSet is a sorted set of completion indexes, kept as ranges so a
// Job with many completions stays small, as Kubernetes' completedIndexes.
type indexSet []indexRange

// indexRange is the closed interval [first, last].
type indexRange struct{ first, last int }

// parseIndexes reads Kubernetes' compressed form "0-2,5"; malformed parts
// are skipped, since status is ours to rewrite.
func parseIndexes(s string) indexSet {
	var out indexSet
	for part := range strings.SplitSeq(s, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := first, error(nil)
		if isRange {
			last, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || first < 0 || last < first {
			continue
		}
		for i := first; i <= last; i++ {
			out = out.add(i)
		}
	}
	return out
}

// add returns the set with i in it, merging adjacent ranges.
func (s indexSet) add(i int) indexSet {
	if s.has(i) {
		return s
	}
	pos, _ := slices.BinarySearchFunc(s, i, func(r indexRange, v int) int { return r.first - v })
	s = slices.Insert(slices.Clone(s), pos, indexRange{i, i})
	if pos+1 < len(s) && s[pos+1].first == i+1 {
		s[pos].last = s[pos+1].last
		s = slices.Delete(s, pos+1, pos+2)
	}
	if pos > 0 && s[pos-1].last == i-1 {
		s[pos-1].last = s[pos].last
		s = slices.Delete(s, pos, pos+1)
	}
	return s
}

// has reports whether i is in the set.
func (s indexSet) has(i int) bool {
	return slices.ContainsFunc(s, func(r indexRange) bool { return r.first <= i && i <= r.last })
}

// len is the number of indexes in the set.
func (s indexSet) len() int {
	n := 0
	for _, r := range s {
		n += r.last - r.first + 1
	}
	return n
}

// String prints the set in Kubernetes' compressed form, e.g. "0-2,5".
func (s indexSet) String() string {
	parts := make([]string, len(s))
	for i, r := range s {
		parts[i] = strconv.Itoa(r.first)
		if r.last > r.first {
			parts[i] += "-" + strconv.Itoa(r.last)
		}
	}
	return strings.Join(parts, ",")
}
