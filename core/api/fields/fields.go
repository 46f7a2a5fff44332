// Package fields holds field selectors as the Kubernetes API takes them
// (`fieldSelector=metadata.name=foo,spec.nodeName!=`): terms that compare one
// field of an object with a literal value using "=", "==" or "!=".
//
// A field the object does not expose reads as the empty string, so on an
// absent field "f=v" (v non-empty) does not match, "f!=v" matches, "f="
// matches and "f!=" does not. Which fields each kind exposes is decided
// elsewhere (see api.Kind.Fields); this package only parses and matches.
package fields

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Set holds the field values an object exposes to field selectors, keyed by
// field path such as "spec.nodeName".
type Set map[string]string

// The operators a Requirement may hold; Parse normalises "==" to Equals.
const (
	Equals    = "="  // the field has exactly the value
	NotEquals = "!=" // the field has any other value
)

// Requirement is one term of a field selector, such as spec.nodeName!=node-1.
type Requirement struct {
	Field    string
	Operator string // Equals or NotEquals
	Value    string
}

// Matches reports whether the field values satisfy the term; an absent field
// reads as "".
func (r Requirement) Matches(set Set) bool {
	equal := set[r.Field] == r.Value
	if r.Operator == NotEquals {
		return !equal
	}
	return equal
}

// String renders the term with its value escaped, so Parse reads it back.
func (r Requirement) String() string {
	return r.Field + r.Operator + EscapeValue(r.Value)
}

// compareRequirements orders terms by field, operator and value, which gives
// selectors one canonical form.
func compareRequirements(a, b Requirement) int {
	if c := cmp.Compare(a.Field, b.Field); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Operator, b.Operator); c != 0 {
		return c
	}
	return cmp.Compare(a.Value, b.Value)
}

// Selector decides which objects' field values it selects; stores and the
// API server filter lists and watches through it.
type Selector interface {
	// Matches reports whether the field values satisfy every term.
	Matches(Set) bool
	// Empty reports whether the selector has no terms and so selects everything.
	Empty() bool
	// String is the canonical syntax: terms sorted by field, operator and
	// value, values escaped, e.g. "metadata.name=foo,spec.nodeName!=".
	String() string
	// Requirements returns a copy of the terms in canonical order.
	Requirements() []Requirement
	// RequiresExactMatch returns the value a field must equal when the
	// selector pins it with "field=value".
	RequiresExactMatch(field string) (value string, found bool)
}

// selector is the conjunction of its terms, kept sorted.
type selector struct {
	reqs []Requirement
}

// Everything returns the selector that matches every object; its String is "".
func Everything() Selector {
	return selector{}
}

// OneTermEqualSelector selects objects whose field equals value, the
// selector controllers build most often (e.g. spec.nodeName=node-1).
func OneTermEqualSelector(field, value string) Selector {
	return selector{reqs: []Requirement{{Field: field, Operator: Equals, Value: value}}}
}

// newSelector sorts the terms into canonical order.
func newSelector(reqs []Requirement) selector {
	slices.SortFunc(reqs, compareRequirements)
	return selector{reqs: reqs}
}

func (s selector) Matches(set Set) bool {
	for _, r := range s.reqs {
		if !r.Matches(set) {
			return false
		}
	}
	return true
}

func (s selector) Empty() bool {
	return len(s.reqs) == 0
}

func (s selector) String() string {
	parts := make([]string, len(s.reqs))
	for i, r := range s.reqs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (s selector) Requirements() []Requirement {
	return slices.Clone(s.reqs)
}

func (s selector) RequiresExactMatch(field string) (string, bool) {
	for _, r := range s.reqs {
		if r.Field == field && r.Operator == Equals {
			return r.Value, true
		}
	}
	return "", false
}

// Parse reads a field selector such as "metadata.name=foo,spec.nodeName!=".
// Terms are separated by unescaped commas; each is a field name, then "=",
// "==" or "!=", then a value (possibly empty) in which ',', '=' and '\' must
// be escaped with '\'. Whitespace around field names is ignored; values are
// taken literally. The empty string selects everything.
func Parse(s string) (Selector, error) {
	if strings.TrimSpace(s) == "" {
		return Everything(), nil
	}
	terms := splitTerms(s)
	reqs := make([]Requirement, 0, len(terms))
	for _, term := range terms {
		r, err := parseTerm(term)
		if err != nil {
			return nil, fmt.Errorf("invalid field selector %q: %w", s, err)
		}
		reqs = append(reqs, r)
	}
	return newSelector(reqs), nil
}

// splitTerms splits at commas that are not escaped with a backslash.
func splitTerms(s string) []string {
	var terms []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++ // the next byte is escaped, whatever it is
		case ',':
			terms = append(terms, s[start:i])
			start = i + 1
		}
	}
	return append(terms, s[start:])
}

// parseTerm reads one "field<op>value" term. The operator is the first
// unescaped "!=", "==" or "=".
func parseTerm(term string) (Requirement, error) {
	if strings.TrimSpace(term) == "" {
		return Requirement{}, fmt.Errorf("empty term (a stray ',')")
	}
	for i := 0; i < len(term); i++ {
		if term[i] == '\\' {
			i++
			continue
		}
		for _, op := range []string{"!=", "==", "="} {
			if strings.HasPrefix(term[i:], op) {
				return newTerm(term[:i], op, term[i+len(op):])
			}
		}
	}
	return Requirement{}, fmt.Errorf("term %q has no operator; expected \"=\", \"==\" or \"!=\"", term)
}

// newTerm checks and assembles the parts of one term.
func newTerm(field, op, rawValue string) (Requirement, error) {
	field = strings.TrimSpace(field)
	if err := checkFieldName(field); err != nil {
		return Requirement{}, err
	}
	value, err := UnescapeValue(rawValue)
	if err != nil {
		return Requirement{}, fmt.Errorf("value of field %q: %w", field, err)
	}
	if op == "==" {
		op = Equals
	}
	return Requirement{Field: field, Operator: op, Value: value}, nil
}

// checkFieldName accepts field paths such as "spec.nodeName" or
// "involvedObject.kind": letters, digits, '.', '-' and '_'.
func checkFieldName(field string) error {
	if field == "" {
		return fmt.Errorf("a term has an empty field name")
	}
	for i := 0; i < len(field); i++ {
		c := field[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '.' || c == '-' || c == '_'
		if !ok {
			return fmt.Errorf("field name %q must consist of letters, digits, '.', '-' or '_'", field)
		}
	}
	return nil
}

// EscapeValue makes an arbitrary value safe to place in a field selector by
// prefixing '\', ',' and '=' with a backslash; UnescapeValue reverses it.
func EscapeValue(s string) string {
	if !strings.ContainsAny(s, `\,=`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\', ',', '=':
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// UnescapeValue decodes a value written with EscapeValue. It rejects the
// forms EscapeValue never produces: unknown escapes, a trailing backslash,
// and bare ',' or '=', which in a selector would be ambiguous.
func UnescapeValue(s string) (string, error) {
	if !strings.ContainsAny(s, `\,=`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 == len(s) {
				return "", fmt.Errorf("invalid value %q: trailing '\\' escapes nothing", s)
			}
			i++
			if next := s[i]; next != '\\' && next != ',' && next != '=' {
				r, _ := utf8.DecodeRuneInString(s[i:])
				return "", fmt.Errorf("invalid value %q: unknown escape sequence '\\%c' at offset %d "+
					"(only '\\\\', '\\,' and '\\=' exist)", s, r, i-1)
			}
			b.WriteByte(s[i])
		case ',', '=':
			return "", fmt.Errorf("invalid value %q: unescaped '%c' at offset %d must be written '\\%c'", s, c, i, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}
