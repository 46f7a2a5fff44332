package sim

import (
	"maps"
	"slices"
)

// sortedKeys returns m's keys in order, so every sweep over a map is
// deterministic.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
