package framework

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// PluginFactory builds a plugin from its raw JSON args (nil when the
// profile gives none) and the framework handle.
type PluginFactory func(args json.RawMessage, h Handle) (Plugin, error)

// Registry maps plugin names to factories, so profiles (and scenarios) can
// name plugins, including out-of-tree ones a researcher registers.
type Registry map[string]PluginFactory

// Register adds a factory, refusing to replace one by accident.
func (r Registry) Register(name string, f PluginFactory) error {
	if _, ok := r[name]; ok {
		return fmt.Errorf("register plugin %q: already registered", name)
	}
	r[name] = f
	return nil
}

// Merge adds every factory of o in name order, failing on the first duplicate name.
func (r Registry) Merge(o Registry) error {
	for _, name := range slices.Sorted(maps.Keys(o)) {
		if err := r.Register(name, o[name]); err != nil {
			return err
		}
	}
	return nil
}

// DecodeArgs decodes a plugin's raw args into out, rejecting unknown fields
// so a typo in a profile is reported and not silently ignored; empty args
// leave out untouched (the plugin's defaults).
func DecodeArgs(raw json.RawMessage, out any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("decode plugin args: %w", err)
	}
	return nil
}

// ArgsMap decodes raw args as a generic map, for plugins that want to look
// at loosely-typed settings.
func ArgsMap(raw json.RawMessage) (map[string]any, error) {
	m := map[string]any{}
	if err := DecodeArgs(raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}
