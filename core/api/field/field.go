// Package field names fields by path ("spec.containers[0].image") and
// collects validation errors against them, in the shape the Kubernetes API
// reports as a metav1.Status's causes.
package field

import (
	"fmt"
	"strconv"
	"strings"
)

// Path is a field path built up from the root, e.g. spec.template.metadata.labels[app].
type Path struct {
	name   string
	index  string
	parent *Path
}

// NewPath starts a path at a top-level field, with optional further children.
func NewPath(name string, more ...string) *Path {
	p := &Path{name: name}
	for _, m := range more {
		p = p.Child(m)
	}
	return p
}

// Child descends into a named field.
func (p *Path) Child(name string, more ...string) *Path {
	c := &Path{name: name, parent: p}
	for _, m := range more {
		c = c.Child(m)
	}
	return c
}

// Index descends into a list element.
func (p *Path) Index(i int) *Path { return &Path{index: strconv.Itoa(i), parent: p} }

// Key descends into a map entry.
func (p *Path) Key(k string) *Path { return &Path{index: k, parent: p} }

// String renders the path as Kubernetes does: dots between names, brackets for indexes and keys.
func (p *Path) String() string {
	if p == nil {
		return "<nil>"
	}
	var parts []*Path
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		if q.index != "" || (q.name == "" && q.parent != nil) {
			b.WriteString("[" + q.index + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(q.name)
	}
	return b.String()
}

// ErrorType classifies a field error; the strings are Kubernetes' cause reasons.
type ErrorType string

// The field error types.
const (
	ErrorTypeNotFound     ErrorType = "FieldValueNotFound"
	ErrorTypeRequired     ErrorType = "FieldValueRequired"
	ErrorTypeDuplicate    ErrorType = "FieldValueDuplicate"
	ErrorTypeInvalid      ErrorType = "FieldValueInvalid"
	ErrorTypeNotSupported ErrorType = "FieldValueNotSupported"
	ErrorTypeForbidden    ErrorType = "FieldValueForbidden"
	ErrorTypeTooLong      ErrorType = "FieldValueTooLong"
	ErrorTypeTooMany      ErrorType = "FieldValueTooMany"
)

// Error is one problem with one field.
type Error struct {
	Type     ErrorType
	Field    string
	BadValue any
	Detail   string
}

// Error renders the problem with its field path first, as kubectl prints it.
func (e *Error) Error() string {
	msg := e.Field + ": " + e.Type.summary()
	if e.hasValue() {
		msg += ": " + valueString(e.BadValue)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *Error) hasValue() bool {
	switch e.Type {
	case ErrorTypeRequired, ErrorTypeForbidden, ErrorTypeTooLong, ErrorTypeTooMany:
		return false
	}
	return e.BadValue != nil
}

func (t ErrorType) summary() string {
	switch t {
	case ErrorTypeNotFound:
		return "Not found"
	case ErrorTypeRequired:
		return "Required value"
	case ErrorTypeDuplicate:
		return "Duplicate value"
	case ErrorTypeInvalid:
		return "Invalid value"
	case ErrorTypeNotSupported:
		return "Unsupported value"
	case ErrorTypeForbidden:
		return "Forbidden"
	case ErrorTypeTooLong:
		return "Too long"
	case ErrorTypeTooMany:
		return "Too many"
	}
	return string(t)
}

func valueString(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case fmt.Stringer:
		return strconv.Quote(x.String())
	}
	return fmt.Sprintf("%v", v)
}

// Required reports a missing field.
func Required(p *Path, detail string) *Error {
	return &Error{Type: ErrorTypeRequired, Field: p.String(), Detail: detail}
}

// Invalid reports a field whose value breaks a rule that detail states.
func Invalid(p *Path, value any, detail string) *Error {
	return &Error{Type: ErrorTypeInvalid, Field: p.String(), BadValue: value, Detail: detail}
}

// NotSupported reports a value outside a fixed set, listing the set.
func NotSupported(p *Path, value any, valid []string) *Error {
	quoted := make([]string, len(valid))
	for i, v := range valid {
		quoted[i] = strconv.Quote(v)
	}
	return &Error{Type: ErrorTypeNotSupported, Field: p.String(), BadValue: value,
		Detail: "supported values: " + strings.Join(quoted, ", ")}
}

// Duplicate reports a value that must be unique but isn't.
func Duplicate(p *Path, value any) *Error {
	return &Error{Type: ErrorTypeDuplicate, Field: p.String(), BadValue: value}
}

// Forbidden reports a field that may not be set or changed here.
func Forbidden(p *Path, detail string) *Error {
	return &Error{Type: ErrorTypeForbidden, Field: p.String(), Detail: detail}
}

// NotFound reports a reference to something that doesn't exist.
func NotFound(p *Path, value any) *Error {
	return &Error{Type: ErrorTypeNotFound, Field: p.String(), BadValue: value}
}

// TooLong reports a value over its length limit.
func TooLong(p *Path, maxLength int) *Error {
	return &Error{Type: ErrorTypeTooLong, Field: p.String(),
		Detail: fmt.Sprintf("must have at most %d bytes", maxLength)}
}

// TooMany reports a list over its size limit.
func TooMany(p *Path, actual, limit int) *Error {
	return &Error{Type: ErrorTypeTooMany, Field: p.String(),
		Detail: fmt.Sprintf("%d items: must have at most %d items", actual, limit)}
}

// ErrorList collects every problem found, so a user fixes them all in one pass.
type ErrorList []*Error

// ToAggregate is nil for an empty list and otherwise one error listing every problem.
func (l ErrorList) ToAggregate() error {
	if len(l) == 0 {
		return nil
	}
	return &AggregateError{List: l}
}

// AggregateError is an ErrorList as an error; callers unwrap it for the causes.
type AggregateError struct {
	List ErrorList
}

func (a *AggregateError) Error() string {
	if len(a.List) == 1 {
		return a.List[0].Error()
	}
	msgs := make([]string, len(a.List))
	for i, e := range a.List {
		msgs[i] = e.Error()
	}
	return "[" + strings.Join(msgs, ", ") + "]"
}
