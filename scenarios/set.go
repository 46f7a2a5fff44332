package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// applySets applies --set overrides to the document's root mapping, in
// order: KEY=VALUE sets a declared parameter, or else the scalar at the
// dotted path KEY (numeric segments index lists, missing keys are made).
// VALUE is read as a YAML scalar, so "5" is an integer and "true" a bool.
func (p *problems) applySets(root *yaml.Node, sets []string) {
	for _, s := range sets {
		key, value, ok := strings.Cut(s, "=")
		if !ok || key == "" {
			p.list = append(p.list, &FieldError{Source: p.source, Set: s, Msg: "want KEY=VALUE with a non-empty KEY"})
			continue
		}
		v := p.newNode(yaml.ScalarNode, s)
		v.Value = value
		if param := findKey(deref(findValue(root, "params")), key); param >= 0 {
			deref(findValue(root, "params")).Content[param+1] = v
			continue
		}
		if err := p.setPath(root, strings.Split(key, "."), v, s); err != nil {
			p.list = append(p.list, &FieldError{Source: p.source, Set: s, Field: key, Msg: err.Error()})
		}
	}
}

// newNode makes a node that --set s brought into being, remembering s
// so that problems with it name the --set rather than a line.
func (p *problems) newNode(kind yaml.Kind, s string) *yaml.Node {
	n := &yaml.Node{Kind: kind}
	if kind == yaml.MappingNode {
		n.Tag = "!!map"
	}
	p.origin[n] = s
	return n
}

// setPath puts v at the path segs under root.
func (p *problems) setPath(root *yaml.Node, segs []string, v *yaml.Node, s string) error {
	cur := root
	for i, seg := range segs {
		slot, err := p.slot(cur, seg, s)
		if err != nil {
			return fmt.Errorf("at %q: %w", strings.Join(segs[:i+1], "."), err)
		}
		if i == len(segs)-1 {
			if old := deref(*slot); !isNull(old) && old.Kind != yaml.ScalarNode {
				return fmt.Errorf("is %s; --set can only set scalars", kindName(old))
			}
			*slot = v
			return nil
		}
		if isNull(*slot) {
			*slot = p.newNode(yaml.MappingNode, s)
		}
		cur = deref(*slot)
	}
	return nil
}

// slot finds where seg's value lives in n, adding a key to a mapping
// when it is missing.
func (p *problems) slot(n *yaml.Node, seg, s string) (**yaml.Node, error) {
	switch n.Kind {
	case yaml.MappingNode:
		if i := findKey(n, seg); i >= 0 {
			return &n.Content[i+1], nil
		}
		k := p.newNode(yaml.ScalarNode, s)
		k.Value, k.Tag = seg, tagStr
		n.Content = append(n.Content, k, nil)
		return &n.Content[len(n.Content)-1], nil
	case yaml.SequenceNode:
		i, err := strconv.Atoi(seg)
		if err != nil || i < 0 || i >= len(n.Content) {
			return nil, fmt.Errorf("a list of %d items needs an index in [0, %d)", len(n.Content), len(n.Content))
		}
		return &n.Content[i], nil
	}
	return nil, fmt.Errorf("the value above is %s, which has no fields", kindName(n))
}

// findKey is the index of key in a mapping's Content, or -1.
func findKey(n *yaml.Node, key string) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return -1
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if deref(n.Content[i]).Value == key {
			return i
		}
	}
	return -1
}

// findValue is key's value in a mapping, or nil.
func findValue(n *yaml.Node, key string) *yaml.Node {
	if i := findKey(n, key); i >= 0 {
		return n.Content[i+1]
	}
	return nil
}
