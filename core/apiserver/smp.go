package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// The strategic merge patch directives kubectl and client-go send.
const (
	directivePatch      = "$patch"
	directiveRetainKeys = "$retainKeys"
	prefixDeleteFrom    = "$deleteFromPrimitiveList/"
	prefixSetOrder      = "$setElementOrder/"
)

// errDeleted tells a caller that a map patch said $patch: delete.
var errDeleted = errors.New("deleted by $patch: delete")

// strategicPatcher returns the patcher for objects of Go type t: a JSON
// merge patch that merges lists by their Kubernetes merge keys and obeys
// the $patch, $retainKeys, $deleteFromPrimitiveList and $setElementOrder
// directives.
func strategicPatcher(t reflect.Type) patcher {
	return func(doc, patch []byte) ([]byte, error) {
		return strategicMerge(doc, patch, derefType(t))
	}
}

// strategicMerge applies a strategic merge patch to doc, a JSON object of type t.
func strategicMerge(doc, patch []byte, t reflect.Type) ([]byte, error) {
	orig, err := decodeJSONObject(doc)
	if err != nil {
		return nil, fmt.Errorf("decode object: %w", err)
	}
	p, err := decodeJSONObject(patch)
	if err != nil {
		return nil, fmt.Errorf("decode strategic merge patch: %w", err)
	}
	out, err := mergeMap(orig, p, t)
	if errors.Is(err, errDeleted) {
		return nil, fmt.Errorf("a patch may not delete the whole object")
	}
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode patched object: %w", err)
	}
	return b, nil
}

// decodeJSONObject decodes a JSON object, keeping numbers exact.
func decodeJSONObject(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	return m, nil
}

// mergeMap merges patch into orig (not changed), both JSON objects of Go
// type t (nil when unknown).
func mergeMap(orig, patch map[string]any, t reflect.Type) (map[string]any, error) {
	switch d := patch[directivePatch]; d {
	case nil, "merge":
	case "replace":
		return stripDirectives(patch, t)
	case "delete":
		return nil, errDeleted
	default:
		return nil, fmt.Errorf("unknown $patch directive %v", d)
	}
	out := make(map[string]any, len(orig)+len(patch))
	for k, v := range orig {
		out[k] = v
	}
	if err := retainKeys(out, patch[directiveRetainKeys]); err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(patch) {
		if strings.HasPrefix(k, "$") {
			continue
		}
		if err := mergeField(out, k, patch[k], t); err != nil {
			return nil, err
		}
	}
	return out, applyListDirectives(out, patch)
}

// mergeField merges one field's patch value pv into out[k].
func mergeField(out map[string]any, k string, pv any, t reflect.Type) error {
	ft := fieldType(t, k)
	switch v := pv.(type) {
	case nil:
		delete(out, k)
	case map[string]any:
		om, _ := out[k].(map[string]any)
		m, err := mergeMap(om, v, ft)
		if errors.Is(err, errDeleted) {
			delete(out, k)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		out[k] = m
	case []any:
		ol, _ := out[k].([]any)
		l, err := mergeList(ol, v, strategyOf(derefType(t), k), elemType(ft))
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		out[k] = l
	default:
		out[k] = pv
	}
	return nil
}

// stripDirectives is patch as a plain value: its own directives removed
// and its nested maps merged onto nothing, which removes theirs.
func stripDirectives(patch map[string]any, t reflect.Type) (map[string]any, error) {
	clean := make(map[string]any, len(patch))
	for k, v := range patch {
		if !strings.HasPrefix(k, "$") {
			clean[k] = v
		}
	}
	return mergeMap(nil, clean, t)
}

// retainKeys drops every key of out not listed in keys ($retainKeys).
func retainKeys(out map[string]any, keys any) error {
	if keys == nil {
		return nil
	}
	list, ok := keys.([]any)
	if !ok {
		return fmt.Errorf("$retainKeys must be a list of strings")
	}
	for k := range out {
		if !containsValue(list, k) {
			delete(out, k)
		}
	}
	return nil
}

// applyListDirectives applies $deleteFromPrimitiveList/<f> and
// $setElementOrder/<f> from patch to the lists of out.
func applyListDirectives(out, patch map[string]any) error {
	for _, k := range sortedKeys(patch) {
		f, isDel := strings.CutPrefix(k, prefixDeleteFrom)
		g, isOrder := strings.CutPrefix(k, prefixSetOrder)
		if !isDel && !isOrder {
			continue
		}
		vals, ok := patch[k].([]any)
		if !ok {
			return fmt.Errorf("%s must be a list", k)
		}
		if isDel {
			if cur, ok := out[f].([]any); ok {
				out[f] = slices.DeleteFunc(slices.Clone(cur), func(v any) bool { return containsValue(vals, v) })
			}
			continue
		}
		if cur, ok := out[g].([]any); ok {
			out[g] = reorder(cur, vals)
		}
	}
	return nil
}

// sortedKeys is m's keys in order, so patches apply deterministically.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
