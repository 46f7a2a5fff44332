package scenarios

import (
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// paramNameRE is what a parameter may be called: something that reads
// the same in ${name} and in --set name=value.
var paramNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readParams checks the params mapping (scalars only) and returns the
// value node of each parameter by name.
func (p *problems) readParams(n *yaml.Node) map[string]*yaml.Node {
	params := map[string]*yaml.Node{}
	n = deref(n)
	if isNull(n) {
		return params
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, "params", "must be a mapping, have %s", kindName(n))
		return params
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), deref(n.Content[i+1])
		path := child("params", k.Value)
		switch {
		case k.Kind != yaml.ScalarNode || !paramNameRE.MatchString(k.Value):
			p.add(k, "params", "bad parameter name %q: want letters, digits and '_'", k.Value)
		case params[k.Value] != nil:
			p.add(k, path, "given twice")
		case v.Kind != yaml.ScalarNode:
			p.add(v, path, "must be a scalar, have %s", kindName(v))
		case strings.Contains(v.Value, "${"):
			p.add(v, path, "parameters may not refer to other parameters")
		default:
			params[k.Value] = v
		}
	}
	return params
}

// paramValues turns parameter nodes into Go values of their YAML types,
// for Scenario.Params.
func paramValues(params map[string]*yaml.Node) map[string]any {
	out := make(map[string]any, len(params))
	for name, n := range params {
		var v any
		if err := n.Decode(&v); err != nil {
			v = n.Value
		}
		out[name] = v
	}
	return out
}

// substitute replaces ${name} in every scalar value under n. A scalar
// that is exactly ${name} takes the parameter's value and type (quoted or
// not, since flow mappings need "${name}" quoted); anywhere else the
// parameter's text is spliced in, and "$${" stands for a literal "${".
func (p *problems) substitute(n *yaml.Node, path string, params map[string]*yaml.Node) {
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			p.substitute(c, itemPath(n, path, i), params)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := n.Content[i].Value
			if path == "" && key == "params" {
				continue
			}
			p.substitute(n.Content[i+1], child(path, key), params)
		}
	case yaml.ScalarNode:
		p.substituteScalar(n, path, params)
	}
}

// itemPath is the path of a document's or a list's i-th child.
func itemPath(n *yaml.Node, path string, i int) string {
	if n.Kind == yaml.DocumentNode {
		return path
	}
	return index(path, i)
}

// substituteScalar rewrites one scalar in place, keeping its line.
func (p *problems) substituteScalar(n *yaml.Node, path string, params map[string]*yaml.Node) {
	if !strings.Contains(n.Value, "${") {
		return
	}
	if name, ok := wholeParam(n.Value); ok {
		v := params[name]
		if v == nil {
			p.add(n, path, "undeclared parameter ${%s} (declare it under params)", name)
			return
		}
		n.Tag, n.Value, n.Style = v.ShortTag(), v.Value, 0
		return
	}
	s, at, err := interpolate(n.Value, params)
	if err != nil {
		p.addLine(scalarLine(n, at), path, "%v", err)
		return
	}
	n.Value = s
	if n.Style&yaml.TaggedStyle == 0 && n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		n.Tag = "" // a plain scalar's type is what its new text reads as
	}
}

// wholeParam reports whether s is exactly one ${name} reference.
func wholeParam(s string) (string, bool) {
	if !strings.HasPrefix(s, "${") || !strings.HasSuffix(s, "}") {
		return "", false
	}
	name := s[2 : len(s)-1]
	return name, paramNameRE.MatchString(name)
}

// scalarLine is the file line of byte at of a scalar's value: block
// scalars ("|", ">") start on the line after the node's.
func scalarLine(n *yaml.Node, at int) int {
	if n.Line == 0 || n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return n.Line
	}
	return n.Line + 1 + strings.Count(n.Value[:at], "\n")
}

// interpolate splices parameter values into s; on failure it says at
// which byte of s the bad reference starts.
func interpolate(s string, params map[string]*yaml.Node) (string, int, error) {
	var b strings.Builder
	for done := 0; ; {
		i := strings.Index(s[done:], "${")
		if i < 0 {
			b.WriteString(s[done:])
			return b.String(), 0, nil
		}
		i += done
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[done:i-1] + "${")
			done = i + 2
			continue
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", i, fmt.Errorf("unterminated ${ (write $${ for a literal ${)")
		}
		v := params[s[i+2:i+end]]
		if v == nil {
			return "", i, fmt.Errorf("undeclared parameter ${%s} (declare it under params, or write $${ for a literal ${)", s[i+2:i+end])
		}
		b.WriteString(s[done:i] + v.Value)
		done = i + end + 1
	}
}
