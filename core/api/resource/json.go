package resource

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// MarshalJSON exists so quantities serialise as Kubernetes does: a JSON
// string holding the canonical form.
func (q Quantity) MarshalJSON() ([]byte, error) {
	s := q.String() // digits, letters and '-' only: nothing to escape
	out := make([]byte, 0, len(s)+2)
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"'), nil
}

// UnmarshalJSON exists to read quantities from manifests, which write them as
// JSON strings ("1.5Gi") or bare numbers (0.5, 2e3); null sets the zero
// quantity, and on error q is left unchanged.
func (q *Quantity) UnmarshalJSON(data []byte) error {
	text := bytes.TrimSpace(data)
	switch {
	case string(text) == "null":
		*q = Quantity{}
		return nil
	case len(text) > 0 && text[0] == '"':
		return q.unmarshalJSONString(text)
	case isJSONNumber(text):
		return q.setParsed(string(text))
	default:
		return fmt.Errorf("quantity must be a JSON string or number, not %s: %w", excerpt(text), ErrFormatWrong)
	}
}

// unmarshalJSONString decodes a JSON string literal and parses its contents;
// surrounding spaces inside the string are ignored, as Kubernetes does.
func (q *Quantity) unmarshalJSONString(text []byte) error {
	var s string
	if err := json.Unmarshal(text, &s); err != nil {
		return fmt.Errorf("quantity: invalid JSON string %s: %w", excerpt(text), err)
	}
	return q.setParsed(strings.TrimSpace(s))
}

// setParsed replaces q with the parse of s, leaving q alone on error.
func (q *Quantity) setParsed(s string) error {
	parsed, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*q = parsed
	return nil
}

// isJSONNumber reports whether text is exactly one JSON number literal.
func isJSONNumber(text []byte) bool {
	if len(text) == 0 || (text[0] != '-' && !isDigit(text[0])) {
		return false
	}
	return json.Valid(text)
}

// excerpt shortens raw JSON for use in an error message.
func excerpt(text []byte) string {
	const limit = 40
	if len(text) > limit {
		return string(text[:limit]) + "..."
	}
	return string(text)
}
