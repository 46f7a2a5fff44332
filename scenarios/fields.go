package scenarios

import (
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// fields is a checked mapping: only known keys, none twice, explicit
// nulls dropped. Its getters report bad values against the key's path and
// return the default for absent or bad ones, so decoding goes on and
// collects every problem.
type fields struct {
	p    *problems
	node *yaml.Node
	path string
	vals map[string]*yaml.Node
}

// mapping checks that n is a mapping whose keys are all in known.
func (p *problems) mapping(n *yaml.Node, path string, known ...string) fields {
	f := fields{p: p, node: deref(n), path: path, vals: map[string]*yaml.Node{}}
	if isNull(f.node) {
		return f
	}
	if f.node.Kind != yaml.MappingNode {
		p.add(f.node, path, "must be a mapping, have %s", kindName(f.node))
		return f
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(f.node.Content); i += 2 {
		k, v := deref(f.node.Content[i]), f.node.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode:
			p.add(k, path, "keys must be strings, have %s", kindName(k))
		case !slices.Contains(known, k.Value):
			p.add(k, child(path, k.Value), "unknown field (known: %s)", joinNames(known))
		case seen[k.Value]:
			p.add(k, child(path, k.Value), "given twice")
		default:
			seen[k.Value] = true
			if !isNull(v) {
				f.vals[k.Value] = v
			}
		}
	}
	return f
}

// has reports whether key was given a non-null value.
func (f fields) has(key string) bool { _, ok := f.vals[key]; return ok }

// get is key's value node, nil when absent.
func (f fields) get(key string) *yaml.Node { return f.vals[key] }

// at is key's field path.
func (f fields) at(key string) string { return child(f.path, key) }

// line is the mapping's own line, for problems about missing keys.
func (f fields) line() *yaml.Node { return f.node }

// require reports each of keys that is absent, and whether all are present.
func (f fields) require(keys ...string) bool {
	ok := true
	for _, k := range keys {
		if !f.has(k) {
			f.p.add(f.node, f.at(k), "required")
			ok = false
		}
	}
	return ok
}

// only reports keys given together that exclude each other, and returns
// the one given ("" for none).
func (f fields) only(keys ...string) string {
	var given []string
	for _, k := range keys {
		if f.has(k) {
			given = append(given, k)
		}
	}
	if len(given) > 1 {
		f.p.add(f.node, f.path, "%s exclude each other; give one", joinNames(given))
	}
	if len(given) == 0 {
		return ""
	}
	return given[0]
}

// str is key's string value, or def.
func (f fields) str(key, def string) string {
	if n := f.vals[key]; n != nil {
		return f.p.str(n, f.at(key))
	}
	return def
}

// int is key's integer value, or def; it must lie in [lo, hi].
func (f fields) int(key string, def, lo, hi int64) int64 {
	n := f.vals[key]
	if n == nil {
		return def
	}
	v, ok := f.p.integer(n, f.at(key))
	if !ok {
		return def
	}
	if v < lo {
		f.p.add(n, f.at(key), "must be at least %d, have %d", lo, v)
		return def
	}
	if v > hi {
		f.p.add(n, f.at(key), "must be at most %d, have %d", hi, v)
		return def
	}
	return v
}

// float is key's numeric value, or def.
func (f fields) float(key string, def float64) float64 {
	if n := f.vals[key]; n != nil {
		if v, ok := f.p.number(n, f.at(key)); ok {
			return v
		}
	}
	return def
}

// bool is key's boolean value, or def.
func (f fields) bool(key string, def bool) bool {
	if n := f.vals[key]; n != nil {
		if v, ok := f.p.boolean(n, f.at(key)); ok {
			return v
		}
	}
	return def
}

// duration is key's duration, or def; it must not be negative.
func (f fields) duration(key string, def time.Duration) time.Duration {
	n := f.vals[key]
	if n == nil {
		return def
	}
	d, ok := f.p.duration(n, f.at(key))
	if !ok {
		return def
	}
	if d < 0 {
		f.p.add(n, f.at(key), "must not be negative, have %v", d)
		return def
	}
	return d
}

// positiveDuration is key's duration, or def; it must be above zero.
func (f fields) positiveDuration(key string, def time.Duration) time.Duration {
	d := f.duration(key, def)
	if n := f.vals[key]; n != nil && d == 0 {
		f.p.add(n, f.at(key), "must be more than 0")
		return def
	}
	return d
}

// joinNames lists names for a message: "a, b, c".
func joinNames(names []string) string { return strings.Join(names, ", ") }
