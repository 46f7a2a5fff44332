package scenarios

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// FieldError is one problem in a scenario, located so that a user can go
// straight to it: the file, the line, and the field's path.
type FieldError struct {
	Source string // the file name as given, or "embedded:NAME"
	Line   int    // 1-based; 0 when the value has no line
	Set    string // the --set that put the value there, if one did
	Field  string // e.g. cluster.pools[0].count; empty for the whole file
	Msg    string
}

// Error renders the problem as SOURCE:LINE: FIELD: message.
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	switch {
	case e.Set != "":
		b.WriteString(" (--set " + e.Set + ")")
	case e.Line > 0:
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// problems collects every FieldError of one parse, so a user sees all
// of them at once rather than one per run.
type problems struct {
	source string
	// origin names the --set of nodes that have no line in the file.
	origin map[*yaml.Node]string
	list   []error
}

// add records a problem about node n at the field path.
func (p *problems) add(n *yaml.Node, path, format string, args ...any) {
	e := &FieldError{Source: p.source, Field: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line = n.Line
		if n.Line == 0 {
			e.Set = p.origin[n]
		}
	}
	p.list = append(p.list, e)
}

// addLine records a problem at a line where no node is at hand.
func (p *problems) addLine(line int, path, format string, args ...any) {
	e := &FieldError{Source: p.source, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)}
	p.list = append(p.list, e)
}

// count is how many problems have been recorded so far.
func (p *problems) count() int { return len(p.list) }

// err is the joined problems in line order (--set ones first), nil when
// there are none.
func (p *problems) err() error {
	slices.SortStableFunc(p.list, func(a, b error) int {
		return cmp.Compare(lineOf(a), lineOf(b))
	})
	return errors.Join(p.list...)
}

// lineOf is a problem's line for ordering.
func lineOf(err error) int {
	if fe, ok := err.(*FieldError); ok {
		return fe.Line
	}
	return 0
}

// child extends a field path by a mapping key.
func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index extends a field path by a sequence index.
func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
