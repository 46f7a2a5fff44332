package apiserver

import (
	"errors"
	"fmt"
	"reflect"
)

// mergeList merges a patch list into orig by the field's strategy: atomic
// lists are replaced, primitive sets united, keyed lists merged element by
// element. An element {"$patch": "replace"} makes any list a replacement.
func mergeList(orig, patch []any, s listStrategy, et reflect.Type) ([]any, error) {
	rest, replace := withoutReplaceDirective(patch)
	switch {
	case replace || !s.merge:
		return cleanList(rest, et)
	case s.key == "":
		out := append([]any(nil), orig...)
		for _, v := range rest {
			if !containsValue(out, v) {
				out = append(out, v)
			}
		}
		return out, nil
	}
	out := append([]any(nil), orig...)
	for _, pv := range rest {
		var err error
		if out, err = mergeKeyedElem(out, pv, s.key, et); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeKeyedElem merges one patch element into list by its merge key:
// into the element with the same key, appended when none has it, or
// removing it when the element says $patch: delete.
func mergeKeyedElem(list []any, pv any, key string, et reflect.Type) ([]any, error) {
	pm, ok := pv.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("element %v of a list merged by %q is not an object", pv, key)
	}
	kv, ok := pm[key]
	if !ok {
		return nil, fmt.Errorf("element of a list merged by %q lacks the key %q", key, key)
	}
	idx := -1
	for i, el := range list {
		if m, ok := el.(map[string]any); ok && reflect.DeepEqual(m[key], kv) {
			idx = i
			break
		}
	}
	var base map[string]any
	if idx >= 0 {
		base, _ = list[idx].(map[string]any)
	}
	merged, err := mergeMap(base, pm, et)
	switch {
	case errors.Is(err, errDeleted) && idx >= 0:
		return append(list[:idx:idx], list[idx+1:]...), nil
	case errors.Is(err, errDeleted):
		return list, nil
	case err != nil:
		return nil, fmt.Errorf("element %s=%v: %w", key, kv, err)
	case idx >= 0:
		list[idx] = merged
		return list, nil
	}
	return append(list, merged), nil
}

// withoutReplaceDirective removes {"$patch": "replace"} elements and
// reports whether there was one.
func withoutReplaceDirective(patch []any) ([]any, bool) {
	out := make([]any, 0, len(patch))
	replace := false
	for _, v := range patch {
		if m, ok := v.(map[string]any); ok && len(m) == 1 && m[directivePatch] == "replace" {
			replace = true
			continue
		}
		out = append(out, v)
	}
	return out, replace
}

// cleanList strips directives from the objects of a list used as is.
func cleanList(list []any, et reflect.Type) ([]any, error) {
	out := make([]any, len(list))
	for i, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			out[i] = v
			continue
		}
		c, err := mergeMap(nil, m, et)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		out[i] = c
	}
	return out, nil
}

// containsValue reports whether list holds a value equal to v.
func containsValue(list []any, v any) bool {
	for _, el := range list {
		if reflect.DeepEqual(el, v) {
			return true
		}
	}
	return false
}

// reorder puts list's elements in the order $setElementOrder gives (each
// entry a primitive, or an object holding an element's merge key); those
// it does not name follow in their current order.
func reorder(list, order []any) []any {
	used := make([]bool, len(list))
	out := make([]any, 0, len(list))
	for _, o := range order {
		for i, el := range list {
			if !used[i] && matchesOrderEntry(el, o) {
				used[i] = true
				out = append(out, el)
				break
			}
		}
	}
	for i, el := range list {
		if !used[i] {
			out = append(out, el)
		}
	}
	return out
}

// matchesOrderEntry reports whether el is the element an order entry names.
func matchesOrderEntry(el, o any) bool {
	om, ok := o.(map[string]any)
	if !ok {
		return reflect.DeepEqual(el, o)
	}
	em, ok := el.(map[string]any)
	if !ok {
		return false
	}
	for k, v := range om {
		if !reflect.DeepEqual(em[k], v) {
			return false
		}
	}
	return true
}
