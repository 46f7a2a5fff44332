package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"

	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// DecodeError says which document of an input failed to decode and why;
// Problems lists every unknown or duplicate field path and type error found.
// +k8s:deepcopy-gen=false
type DecodeError struct {
	Document int // 1-based position in a multi-document stream
	Line     int // 1-based line where the document starts
	Kind     string
	Name     string
	Problems []string
}

func (e *DecodeError) Error() string {
	where := fmt.Sprintf("document %d (line %d)", e.Document, e.Line)
	if e.Kind != "" {
		where += ", " + e.Kind
		if e.Name != "" {
			where += fmt.Sprintf(" %q", e.Name)
		}
	}
	return where + ": " + strings.Join(e.Problems, "; ")
}

// ErrEmpty is returned when an input holds no objects at all.
var ErrEmpty = errors.New("no objects in input")

// Decode reads every object of a YAML or JSON stream: documents separated by
// "---" lines, each an object of a supported kind or a v1 List of them.
// Unknown and duplicate fields are errors naming their path; nothing is
// returned unless every document decodes.
func Decode(data []byte) ([]Object, error) {
	var out []Object
	var errs []error
	for i, doc := range splitDocuments(data) {
		objs, err := decodeDocument(doc.body)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				de = &DecodeError{Problems: []string{err.Error()}}
			}
			de.Document, de.Line = i+1, doc.line
			errs = append(errs, de)
			continue
		}
		out = append(out, objs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, ErrEmpty
	}
	return out, nil
}

// DecodeObject decodes a single JSON or YAML object of a supported kind.
func DecodeObject(data []byte) (Object, error) {
	objs, err := Decode(data)
	if err != nil {
		return nil, err
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("expected one object, found %d", len(objs))
	}
	return objs[0], nil
}

// +k8s:deepcopy-gen=false
type document struct {
	body []byte
	line int
}

// splitDocuments cuts a stream at lines that are exactly "---" (optionally
// followed by a comment), as kubectl does, dropping documents that hold only
// whitespace and comments.
func splitDocuments(data []byte) []document {
	var docs []document
	var cur bytes.Buffer
	start := 1
	flush := func() {
		if hasContent(cur.Bytes()) {
			docs = append(docs, document{body: bytes.Clone(cur.Bytes()), line: start})
		}
		cur.Reset()
	}
	for n, line := range bytes.SplitAfter(data, []byte("\n")) {
		trimmed := bytes.TrimRight(line, " \t\r\n")
		if bytes.Equal(trimmed, []byte("---")) || bytes.HasPrefix(trimmed, []byte("--- #")) {
			flush()
			start = n + 2
			continue
		}
		if cur.Len() == 0 && !hasContent(line) {
			start = n + 2
		}
		cur.Write(line)
	}
	flush()
	return docs
}

func hasContent(b []byte) bool {
	for _, line := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return true
		}
	}
	return false
}

func decodeDocument(body []byte) ([]Object, error) {
	js, err := toJSON(body)
	if err != nil {
		return nil, fmt.Errorf("malformed YAML or JSON: %w", err)
	}
	var tm struct {
		TypeMeta `json:",inline"`
		Items    []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &tm); err != nil {
		return nil, fmt.Errorf("not an object: %w", err)
	}
	if tm.APIVersion == "v1" && tm.Kind == "List" {
		return decodeList(tm.Items)
	}
	obj, err := decodeTyped(js, tm.TypeMeta)
	if err != nil {
		return nil, err
	}
	return []Object{obj}, nil
}

// toJSON converts a document to JSON. JSON input is used as is, so that
// duplicate keys reach the strict decoder; YAML with duplicate keys fails here.
func toJSON(body []byte) ([]byte, error) {
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		return t, nil
	}
	return yaml.YAMLToJSONStrict(body)
}

func decodeList(items []json.RawMessage) ([]Object, error) {
	out := make([]Object, 0, len(items))
	for i, item := range items {
		var tm TypeMeta
		if err := json.Unmarshal(item, &tm); err != nil {
			return nil, fmt.Errorf("items[%d]: not an object: %w", i, err)
		}
		obj, err := decodeTyped(item, tm)
		if err != nil {
			var de *DecodeError
			if errors.As(err, &de) {
				for j, p := range de.Problems {
					de.Problems[j] = fmt.Sprintf("items[%d]: %s", i, p)
				}
			}
			return nil, err
		}
		out = append(out, obj)
	}
	return out, nil
}

// decodeTyped decodes JSON into the Go type registered for tm, reporting
// every unknown or duplicate field with its path.
func decodeTyped(js []byte, tm TypeMeta) (Object, error) {
	if tm.APIVersion == "" || tm.Kind == "" {
		return nil, &DecodeError{Problems: []string{"apiVersion and kind are required"}}
	}
	k, err := LookupKind(tm.APIVersion, tm.Kind)
	if err != nil {
		return nil, &DecodeError{Kind: tm.Kind, Problems: []string{err.Error()}}
	}
	obj := k.New()
	strict, err := kjson.UnmarshalStrict(js, obj)
	name := obj.GetObjectMeta().Name
	if err != nil {
		msg := err.Error()
		if path := errorPath(js, reflect.TypeOf(obj)); path != "" {
			msg = path + ": " + msg
		}
		return nil, &DecodeError{Kind: k.Kind, Name: name, Problems: []string{msg}}
	}
	if len(strict) > 0 {
		problems := make([]string, len(strict))
		for i, e := range strict {
			problems[i] = e.Error()
		}
		return nil, &DecodeError{Kind: k.Kind, Name: name, Problems: problems}
	}
	return obj, nil
}

// Encode writes obj as JSON with its kind and apiVersion filled in. obj is
// never changed: it may be a shared object from a store.
func Encode(obj Object) ([]byte, error) {
	if tm := obj.GetTypeMeta(); tm.Kind == "" || tm.APIVersion == "" {
		obj = obj.DeepCopyObject()
		if err := SetTypeMeta(obj); err != nil {
			return nil, err
		}
	}
	return json.Marshal(obj)
}

// EncodeYAML writes obj as YAML with its kind and apiVersion filled in.
func EncodeYAML(obj Object) ([]byte, error) {
	js, err := Encode(obj)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(js)
}
