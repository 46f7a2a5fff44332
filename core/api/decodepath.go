package api

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// errorPath finds the field path at which js fails to decode into a value of
// type t ("spec.containers[0].resources.requests[cpu]"), or "" when it can't
// tell. The JSON decoder names the field only for its own type errors, not
// for errors from a type's UnmarshalJSON (a bad quantity, timestamp or
// int-or-string), so on failure we retry the pieces one by one. It runs only
// on the error path, so its cost doesn't matter.
func errorPath(js []byte, t reflect.Type) string {
	return strings.TrimPrefix(locate(js, t, ""), ".")
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func locate(js []byte, t reflect.Type, path string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return path
	}
	switch t.Kind() {
	case reflect.Struct:
		return locateInStruct(js, t, path)
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(js, &items) != nil {
			return path
		}
		for i, item := range items {
			if fails(item, t.Elem()) {
				return locate(item, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			}
		}
	case reflect.Map:
		var entries map[string]json.RawMessage
		if json.Unmarshal(js, &entries) != nil {
			return path
		}
		keys := make([]string, 0, len(entries))
		for k := range entries {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if fails(entries[k], t.Elem()) {
				return locate(entries[k], t.Elem(), path+"["+k+"]")
			}
		}
	}
	return path
}

func locateInStruct(js []byte, t reflect.Type, path string) string {
	var entries map[string]json.RawMessage
	if json.Unmarshal(js, &entries) != nil {
		return path
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, inline := jsonName(f)
		if inline {
			if fails(js, f.Type) {
				return locate(js, f.Type, path)
			}
			continue
		}
		if raw, ok := entries[name]; ok && name != "" && fails(raw, f.Type) {
			return locate(raw, f.Type, path+"."+name)
		}
	}
	return path
}

// jsonName is a struct field's JSON key, or inline for an embedded struct
// whose fields are promoted (TypeMeta, ObjectMeta's peers, ProbeHandler).
func jsonName(f reflect.StructField) (name string, inline bool) {
	tag := f.Tag.Get("json")
	name, _, _ = strings.Cut(tag, ",")
	if tag == "-" || !f.IsExported() {
		return "", false
	}
	if name == "" && f.Anonymous {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

func fails(js []byte, t reflect.Type) bool {
	return json.Unmarshal(js, reflect.New(t).Interface()) != nil
}
