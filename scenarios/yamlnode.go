package scenarios

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// The short tags of YAML's core schema that the decoder tells apart.
const (
	tagNull  = "!!null"
	tagBool  = "!!bool"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagStr   = "!!str"
)

// deref follows aliases to the node they stand for.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// isNull reports whether n is absent or an explicit null, which the
// format treats alike: `lifecycle:` with nothing after it is no lifecycle.
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull)
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a scalar"
	}
	return "something else"
}

// sequence returns the items of a list node; null is the empty list.
func (p *problems) sequence(n *yaml.Node, path string) []*yaml.Node {
	n = deref(n)
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.add(n, path, "must be a list, have %s", kindName(n))
		return nil
	}
	return n.Content
}

// scalar checks that n is a scalar, reporting it otherwise.
func (p *problems) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind != yaml.ScalarNode {
		p.add(n, path, "must be %s, have %s", want, kindName(n))
		return false
	}
	return true
}

// str reads a string; numbers and booleans are taken as written.
func (p *problems) str(n *yaml.Node, path string) string {
	n = deref(n)
	if !p.scalar(n, path, "a string") {
		return ""
	}
	return n.Value
}

// integer reads a whole number.
func (p *problems) integer(n *yaml.Node, path string) (int64, bool) {
	n = deref(n)
	if !p.scalar(n, path, "an integer") {
		return 0, false
	}
	var v int64
	if n.ShortTag() != tagInt || n.Decode(&v) != nil {
		p.add(n, path, "must be an integer, have %q", n.Value)
		return 0, false
	}
	return v, true
}

// number reads an integer or a decimal number.
func (p *problems) number(n *yaml.Node, path string) (float64, bool) {
	n = deref(n)
	if !p.scalar(n, path, "a number") {
		return 0, false
	}
	var v float64
	tag := n.ShortTag()
	if (tag != tagInt && tag != tagFloat) || n.Decode(&v) != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		p.add(n, path, "must be a number, have %q", n.Value)
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (p *problems) boolean(n *yaml.Node, path string) (bool, bool) {
	n = deref(n)
	if !p.scalar(n, path, "true or false") {
		return false, false
	}
	var v bool
	if n.ShortTag() != tagBool || n.Decode(&v) != nil {
		p.add(n, path, "must be true or false, have %q", n.Value)
		return false, false
	}
	return v, true
}

// duration reads a Go duration string ("1m30s") or a number of seconds.
func (p *problems) duration(n *yaml.Node, path string) (time.Duration, bool) {
	n = deref(n)
	if !p.scalar(n, path, "a duration") {
		return 0, false
	}
	if tag := n.ShortTag(); tag == tagInt || tag == tagFloat {
		s, err := strconv.ParseFloat(n.Value, 64)
		if err != nil || math.IsNaN(s) || math.Abs(s) >= math.MaxInt64/float64(time.Second) {
			p.add(n, path, "bad duration %q: want a number of seconds or a duration such as 1m30s", n.Value)
			return 0, false
		}
		return time.Duration(s * float64(time.Second)), true
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.add(n, path, "bad duration %q: want a number of seconds or a duration such as 1m30s", n.Value)
		return 0, false
	}
	return d, true
}

// stringMapNodes returns a mapping's value nodes by key, reporting
// duplicate and non-string keys.
func (p *problems) stringMapNodes(n *yaml.Node, path string) map[string]*yaml.Node {
	n = deref(n)
	out := map[string]*yaml.Node{}
	if isNull(n) {
		return out
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, path, "must be a mapping, have %s", kindName(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := p.str(n.Content[i], path)
		if _, dup := out[k]; dup {
			p.add(n.Content[i], child(path, k), "given twice")
		}
		out[k] = n.Content[i+1]
	}
	return out
}

// sortedKeys lists a map's keys in order, for deterministic messages.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// stringList reads a list of strings.
func (p *problems) stringList(n *yaml.Node, path string) []string {
	items := p.sequence(n, path)
	out := make([]string, 0, len(items))
	for i, item := range items {
		out = append(out, p.str(item, index(path, i)))
	}
	return out
}
