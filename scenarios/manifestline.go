package scenarios

import (
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// problemPathRE finds the field path in a decoder problem: the quoted
// name of an unknown or duplicate field, or a leading "path: ".
var problemPathRE = regexp.MustCompile(`^(?:items\[\d+\]: )?(?:(?:unknown|duplicate) field "([^"]+)"|([A-Za-z0-9_.\[\]/-]+): )`)

// problemPath is the field path a decoder problem names, or "".
func problemPath(problem string) string {
	m := problemPathRE.FindStringSubmatch(problem)
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}

// fieldLine is the 1-based line, within body, of the deepest part of
// path that body holds ("spec.template.spec.containers[0].image"), or 0
// when it can't tell. It only makes messages point closer.
func fieldLine(body []byte, path string) int {
	var doc yaml.Node
	if path == "" || yaml.Unmarshal(body, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], doc.Content[0].Line
	for _, seg := range splitFieldPath(path) {
		next, at := descend(deref(n), seg)
		if next == nil {
			break
		}
		n, line = next, at
	}
	return line
}

// descend steps from n into a key or index, returning the value and the
// line its key (or item) is on.
func descend(n *yaml.Node, seg string) (*yaml.Node, int) {
	switch n.Kind {
	case yaml.MappingNode:
		if i := findKey(n, seg); i >= 0 {
			return n.Content[i+1], n.Content[i].Line
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i], n.Content[i].Line
		}
	}
	return nil, 0
}

// splitFieldPath cuts "a.b[0].c[x.io/y]" into a, b, 0, c, x.io/y.
func splitFieldPath(path string) []string {
	var segs []string
	start := 0
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '.':
			segs = appendSeg(segs, path[start:i])
			start = i + 1
		case '[':
			segs = appendSeg(segs, path[start:i])
			j := strings.IndexByte(path[i:], ']')
			if j < 0 {
				return appendSeg(segs, path[i+1:])
			}
			segs = appendSeg(segs, path[i+1:i+j])
			i += j
			start = i + 1
		}
	}
	return appendSeg(segs, path[start:])
}

// appendSeg appends a non-empty path segment.
func appendSeg(segs []string, s string) []string {
	if s == "" {
		return segs
	}
	return append(segs, s)
}
