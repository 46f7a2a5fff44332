package api

import (
	"reflect"
	"sync"
)

// SemanticEqual reports whether two API values mean the same, as
// Kubernetes' apiequality.Semantic.DeepEqual does: deep equality in which
// a nil and an empty slice or map are alike. The registry uses it to tell
// whether a write changed an object's spec (and so its generation)
// without encoding both versions.
func SemanticEqual(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	if !va.IsValid() || !vb.IsValid() {
		return va.IsValid() == vb.IsValid()
	}
	return va.Type() == vb.Type() && semanticValue(va, vb)
}

func semanticValue(a, b reflect.Value) bool {
	if eq, ok := equalMethod(a.Type()); ok && a.CanInterface() {
		return eq.Func.Call([]reflect.Value{a, b})[0].Bool()
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return semanticValue(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !semanticValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !semanticValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		return semanticMap(a, b)
	}
	return semanticScalar(a, b)
}

func semanticMap(a, b reflect.Value) bool {
	if a.Len() != b.Len() {
		return false
	}
	it := a.MapRange()
	for it.Next() {
		other := b.MapIndex(it.Key())
		if !other.IsValid() || !semanticValue(it.Value(), other) {
			return false
		}
	}
	return true
}

func semanticScalar(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return a.Float() == b.Float()
	case reflect.String:
		return a.String() == b.String()
	}
	if a.CanInterface() && b.CanInterface() {
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return false
}

// equalMethods caches, per type, its Equal(T) bool method if it has one:
// time.Time and resource.Quantity compare by value that way (an instant in
// any location, 1000m and 1), as Kubernetes' semantic equality does.
var equalMethods sync.Map // reflect.Type -> *reflect.Method (nil: none)

func equalMethod(t reflect.Type) (reflect.Method, bool) {
	if m, ok := equalMethods.Load(t); ok {
		if m == (*reflect.Method)(nil) {
			return reflect.Method{}, false
		}
		return *m.(*reflect.Method), true
	}
	m, ok := t.MethodByName("Equal")
	if !ok || m.Type.NumIn() != 2 || m.Type.In(1) != t || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Bool {
		equalMethods.Store(t, (*reflect.Method)(nil))
		return reflect.Method{}, false
	}
	equalMethods.Store(t, &m)
	return m, true
}
