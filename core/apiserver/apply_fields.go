package apiserver

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// fieldSet is a set of field paths in Kubernetes' FieldsV1 form: nested
// objects keyed "f:<field>", "k:<merge key JSON>" (an element of a keyed
// list) or "v:<value JSON>" (a value of a set list); {} is a leaf.
type fieldSet = map[string]any

// fieldSetOf is the set of fields an applied configuration v (a JSON
// object of Go type t) sets.
func fieldSetOf(v map[string]any, t reflect.Type) fieldSet {
	out := fieldSet{}
	for k, val := range v {
		if strings.HasPrefix(k, "$") {
			continue
		}
		switch x := val.(type) {
		case map[string]any:
			out["f:"+k] = fieldSetOf(x, fieldType(t, k))
		case []any:
			out["f:"+k] = listFieldSet(x, strategyOf(derefType(t), k), elemType(fieldType(t, k)))
		default:
			out["f:"+k] = fieldSet{}
		}
	}
	return out
}

// listFieldSet is the field set of a list: its elements for merged lists,
// a leaf for atomic ones.
func listFieldSet(list []any, s listStrategy, et reflect.Type) fieldSet {
	out := fieldSet{}
	if !s.merge {
		return out
	}
	for _, el := range list {
		m, ok := el.(map[string]any)
		if s.key == "" || !ok {
			b, _ := json.Marshal(el)
			out["v:"+string(b)] = fieldSet{}
			continue
		}
		b, _ := json.Marshal(map[string]any{s.key: m[s.key]})
		sub := fieldSetOf(m, et)
		sub["."] = fieldSet{}
		out["k:"+string(b)] = sub
	}
	return out
}

// removeFields deletes from obj (of Go type t) every field in prev but
// not in next: what a manager applied before and applies no more.
func removeFields(obj map[string]any, prev, next fieldSet, t reflect.Type) {
	for key, pv := range prev {
		name, ok := strings.CutPrefix(key, "f:")
		if !ok {
			continue
		}
		nv, kept := next[key]
		if !kept {
			delete(obj, name)
			continue
		}
		ps, _ := pv.(map[string]any)
		ns, _ := nv.(map[string]any)
		switch cur := obj[name].(type) {
		case map[string]any:
			removeFields(cur, ps, ns, fieldType(t, name))
		case []any:
			obj[name] = removeListFields(cur, ps, ns, elemType(fieldType(t, name)))
		}
	}
}

// removeListFields deletes the elements (and fields of elements) of list
// that prev names and next does not.
func removeListFields(list []any, prev, next fieldSet, et reflect.Type) []any {
	for key, pv := range prev {
		nv, kept := next[key]
		switch {
		case strings.HasPrefix(key, "k:"):
			idx := findKeyed(list, key[2:])
			if idx < 0 {
				continue
			}
			if !kept {
				list = append(list[:idx:idx], list[idx+1:]...)
				continue
			}
			ps, _ := pv.(map[string]any)
			ns, _ := nv.(map[string]any)
			if m, ok := list[idx].(map[string]any); ok {
				removeFields(m, ps, ns, et)
			}
		case strings.HasPrefix(key, "v:") && !kept:
			if v, err := decodeJSONValue(key[2:]); err == nil {
				list = removeValue(list, v)
			}
		}
	}
	return list
}

// findKeyed is the index of the element whose fields match the key JSON, or -1.
func findKeyed(list []any, keyJSON string) int {
	k, err := decodeJSONValue(keyJSON)
	km, ok := k.(map[string]any)
	if err != nil || !ok {
		return -1
	}
	for i, el := range list {
		if matchesOrderEntry(el, km) {
			return i
		}
	}
	return -1
}

// removeValue drops every element equal to v.
func removeValue(list []any, v any) []any {
	out := list[:0:0]
	for _, el := range list {
		if !reflect.DeepEqual(el, v) {
			out = append(out, el)
		}
	}
	return out
}

// decodeJSONValue decodes any JSON value, keeping numbers exact.
func decodeJSONValue(s string) (any, error) {
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var v any
	err := d.Decode(&v)
	return v, err
}
