package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/validation"
)

// manifestDoc is one "---"-separated document of a manifest text.
type manifestDoc struct {
	body  []byte
	first int // 1-based line of the body's first line
	start int // 1-based line of the document's first line with content
}

// lineOf is the line, in the whole text, of a field path in the document.
func (doc manifestDoc) lineOf(path string) int {
	if l := fieldLine(doc.body, path); l > 0 {
		return doc.first + l - 1
	}
	return doc.start
}

// manifestObjects decodes, defaults, stamps and validates every object of
// a manifest text, as the API server would before storing them. report
// places a problem given its line in the text.
func (d *decoder) manifestObjects(text []byte, workload string, report func(line int, msg string)) []api.Object {
	var out []api.Object
	bad := false
	for _, doc := range splitManifest(text) {
		objs, err := api.Decode(doc.body)
		if err != nil {
			reportDecodeError(err, doc, report)
			bad = true
			continue
		}
		for _, obj := range objs {
			for _, e := range prepare(obj, workload) {
				report(doc.lineOf(objectPath(objs, obj)+e.Field), e.Error())
				bad = true
			}
			out = append(out, obj)
		}
	}
	if len(out) == 0 && !bad {
		report(1, "no objects in the manifest")
	}
	return out
}

// reportDecodeError reports each document problem of a decode error.
func reportDecodeError(err error, doc manifestDoc, report func(int, string)) {
	var de *api.DecodeError
	if !errors.As(err, &de) {
		report(doc.start, err.Error())
		return
	}
	what := de.Kind
	if de.Name != "" {
		what += fmt.Sprintf(" %q", de.Name)
	}
	if what != "" {
		what += ": "
	}
	for _, p := range de.Problems {
		report(doc.lineOf(problemPath(p)), what+p)
	}
}

// objectPath is where obj sits in its document: "" for a lone object,
// "items[N]." inside a v1 List.
func objectPath(objs []api.Object, obj api.Object) string {
	if len(objs) == 1 {
		return ""
	}
	for i, o := range objs {
		if o == obj {
			return "items[" + strconv.Itoa(i) + "]."
		}
	}
	return ""
}

// manifestProblem is one validation problem of an object.
type manifestProblem struct {
	Field string // its path in the object
	msg   string
}

// Error renders the problem with the object it is about.
func (p manifestProblem) Error() string { return p.msg }

// prepare readies a decoded object: namespace, defaults, the workload
// stamp, then validation; it returns the validation problems.
func prepare(obj api.Object, workload string) []manifestProblem {
	m := obj.GetObjectMeta()
	if k, err := api.KindOf(obj); err == nil && k.Namespaced && m.Namespace == "" {
		m.Namespace = DefaultNamespace
	}
	api.Default(obj)
	stamp(obj, workload)
	var out []manifestProblem
	for _, e := range validation.ValidateObject(obj) {
		out = append(out, manifestProblem{Field: e.Field, msg: fmt.Sprintf("%s %q: %s", obj.GetTypeMeta().Kind, m.Name, e.Error())})
	}
	return out
}

// splitManifest cuts a manifest text at lines that are "---" (perhaps
// followed by a comment), as kubectl does, keeping each document's line.
func splitManifest(text []byte) []manifestDoc {
	var docs []manifestDoc
	var cur bytes.Buffer
	first, start := 1, 0
	flush := func(next int) {
		if start > 0 {
			docs = append(docs, manifestDoc{body: bytes.Clone(cur.Bytes()), first: first, start: start})
		}
		cur.Reset()
		first, start = next, 0
	}
	for i, line := range bytes.SplitAfter(text, []byte("\n")) {
		t := bytes.TrimRight(line, " \t\r\n")
		if bytes.Equal(t, []byte("---")) || bytes.HasPrefix(t, []byte("--- #")) {
			flush(i + 2)
			continue
		}
		if c := bytes.TrimSpace(line); start == 0 && len(c) > 0 && c[0] != '#' {
			start = i + 1
		}
		cur.Write(line)
	}
	flush(0)
	return docs
}

// interpolateKnown splices declared parameters into a manifest file,
// leaving any other ${...} as it is: such files are ordinary manifests,
// which may hold shell text of their own.
func interpolateKnown(text string, params map[string]*yaml.Node) string {
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := strings.IndexByte(text[i:], '}')
		if end < 0 {
			b.WriteString(text)
			return b.String()
		}
		if v := params[text[i+2:i+end]]; v != nil && (i == 0 || text[i-1] != '$') {
			b.WriteString(text[:i] + v.Value)
		} else {
			b.WriteString(text[:i+end+1])
		}
		text = text[i+end+1:]
	}
}
