// Package labels holds label sets and label selectors with Kubernetes
// semantics, including the string syntax of `kubectl get -l`, and the one
// place in the project where DNS-style names are validated.
package labels

import (
	"slices"
	"strings"
)

// Labels is what a selector reads, so objects can be matched without
// copying their labels into a Set.
type Labels interface {
	// Has reports whether the key is present, even with an empty value.
	Has(key string) bool
	// Get is the value of the key, or "" when it is absent.
	Get(key string) string
}

// Set is a plain map of labels, the form objects carry them in.
type Set map[string]string

// String renders the set as "a=b,c=d" sorted by key, so output never depends
// on map order.
func (s Set) String() string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = k + "=" + s[k]
	}
	return strings.Join(pairs, ",")
}

// Has reports whether the key is present; it lets Set satisfy Labels.
func (s Set) Has(key string) bool {
	_, ok := s[key]
	return ok
}

// Get returns the key's value or ""; it lets Set satisfy Labels.
func (s Set) Get(key string) string {
	return s[key]
}
