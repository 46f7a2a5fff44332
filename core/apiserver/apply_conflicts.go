package apiserver

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// applyConflict is a field another manager applied that an apply would
// change: the manager and the field's path as FieldsV1 keys.
type applyConflict struct {
	manager string
	keys    []string
}

// path prints the field as Kubernetes does in conflict messages, e.g.
// .spec.template.spec.containers[name="app"].image.
func (c applyConflict) path() string {
	var b strings.Builder
	for _, k := range c.keys {
		switch {
		case strings.HasPrefix(k, "f:"):
			b.WriteString("." + k[2:])
		case strings.HasPrefix(k, "k:"):
			b.WriteString(keyedPath(k[2:]))
		}
	}
	return b.String()
}

// keyedPath renders a list element's merge key as [name="app"].
func keyedPath(keyJSON string) string {
	var m map[string]any
	if json.Unmarshal([]byte(keyJSON), &m) != nil {
		return "[" + keyJSON + "]"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v, _ := json.Marshal(m[k])
		parts = append(parts, k+"="+string(v))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// findConflicts lists, for every other manager's last apply, the fields
// both apply whose value this apply changes (base is the object now,
// merged what it would become), in manager then path order.
func findConflicts(base, merged map[string]any, managed []api.ManagedField, manager string, next fieldSet) []applyConflict {
	var out []applyConflict
	for _, m := range managed {
		if m.Manager == manager || m.Operation != "Apply" {
			continue
		}
		theirs := managerFields([]api.ManagedField{m}, m.Manager)
		var paths [][]string
		changedLeaves(next, theirs, base, merged, nil, &paths)
		for _, p := range paths {
			out = append(out, applyConflict{manager: m.Manager, keys: p})
		}
	}
	slices.SortFunc(out, func(a, b applyConflict) int {
		if c := strings.Compare(a.manager, b.manager); c != 0 {
			return c
		}
		return strings.Compare(a.path(), b.path())
	})
	return out
}

// changedLeaves collects the leaves of both mine and theirs whose values
// differ between base and merged.
func changedLeaves(mine, theirs fieldSet, base, merged any, prefix []string, out *[][]string) {
	for key, mv := range mine {
		tv, shared := theirs[key]
		if !shared || key == "." || strings.HasPrefix(key, "v:") {
			continue // set members are equal by their key
		}
		ms, _ := mv.(map[string]any)
		ts, _ := tv.(map[string]any)
		b, m := childOf(base, key), childOf(merged, key)
		path := append(slices.Clone(prefix), key)
		if len(ms) == 0 || len(ts) == 0 {
			if !reflect.DeepEqual(b, m) {
				*out = append(*out, path)
			}
			continue
		}
		changedLeaves(ms, ts, b, m, path, out)
	}
}

// childOf is the value a FieldsV1 key names inside v, nil when absent.
func childOf(v any, key string) any {
	switch {
	case strings.HasPrefix(key, "f:"):
		m, _ := v.(map[string]any)
		return m[key[2:]]
	case strings.HasPrefix(key, "k:"):
		l, _ := v.([]any)
		if i := findKeyed(l, key[2:]); i >= 0 {
			return l[i]
		}
	}
	return nil
}

// conflictError is the 409 kubectl shows for a conflicting apply, with
// one FieldManagerConflict cause per field.
func conflictError(kind *api.Kind, name string, cs []applyConflict) error {
	var msg strings.Builder
	noun := "conflict"
	if len(cs) > 1 {
		noun = "conflicts"
	}
	fmt.Fprintf(&msg, "Apply failed with %d %s:", len(cs), noun)
	d := &api.StatusDetails{Name: name, Group: kind.Group, Kind: kind.Resource}
	for _, c := range cs {
		fmt.Fprintf(&msg, " conflict with %q: %s", c.manager, c.path())
		d.Causes = append(d.Causes, api.StatusCause{Type: "FieldManagerConflict",
			Message: fmt.Sprintf("conflict with %q", c.manager), Field: c.path()})
	}
	return registry.NewStatusError(http.StatusConflict, api.StatusReasonConflict, msg.String(), d)
}

// withoutConflicts takes the conflicting fields away from the managers
// that held them, as a forced apply does.
func withoutConflicts(managed []api.ManagedField, cs []applyConflict) []api.ManagedField {
	out := slices.Clone(managed)
	for i := range out {
		m := &out[i]
		if m.Operation != "Apply" || m.FieldsV1 == nil {
			continue
		}
		fs := managerFields([]api.ManagedField{*m}, m.Manager)
		changed := false
		for _, c := range cs {
			if c.manager == m.Manager {
				changed = removePath(fs, c.keys) || changed
			}
		}
		if raw, err := json.Marshal(fs); changed && err == nil {
			m.FieldsV1 = &api.RawExtension{Raw: raw}
		}
	}
	return out
}

// removePath deletes the field at keys from fs.
func removePath(fs fieldSet, keys []string) bool {
	if len(keys) == 1 {
		_, ok := fs[keys[0]]
		delete(fs, keys[0])
		return ok
	}
	sub, ok := fs[keys[0]].(map[string]any)
	return ok && removePath(sub, keys[1:])
}
