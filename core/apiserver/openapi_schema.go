package apiserver

import (
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

// schema is an OpenAPI v3 schema object, as much of one as kubectl reads:
// types, properties, references and the Kubernetes extensions that steer
// its strategic merge patches.
type schema map[string]any

// schemaPrefix begins every component schema name.
const schemaPrefix = "io.kubetwin.api."

// schemaBuilder collects component schemas reached from the kinds of one
// group version.
type schemaBuilder struct {
	components map[string]schema
}

// scalarSchemas are the wire forms of types that marshal themselves.
var scalarSchemas = map[reflect.Type]schema{
	reflect.TypeOf(api.Time{}):        {"type": "string", "format": "date-time"},
	reflect.TypeOf(api.MicroTime{}):   {"type": "string", "format": "date-time"},
	reflect.TypeOf(api.IntOrString{}): {"x-kubernetes-int-or-string": true},
	reflect.TypeOf(resource.Quantity{}): {"x-kubernetes-int-or-string": true,
		"anyOf": []schema{{"type": "integer"}, {"type": "string"}}},
	reflect.TypeOf(api.RawExtension{}): {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
}

// ref returns a reference to t's component schema, building it on first use.
func (b *schemaBuilder) ref(t reflect.Type) schema {
	name := schemaPrefix + t.Name()
	if _, ok := b.components[name]; !ok {
		b.components[name] = nil // reserve first: types may recurse
		b.components[name] = b.structSchema(t)
	}
	return schema{"allOf": []schema{{"$ref": "#/components/schemas/" + name}}}
}

// of is the schema of a value of Go type t.
func (b *schemaBuilder) of(t reflect.Type) schema {
	t = derefType(t)
	if s, ok := scalarSchemas[t]; ok {
		return s
	}
	switch t.Kind() {
	case reflect.Struct:
		return b.ref(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return schema{"type": "string", "format": "byte"}
		}
		return schema{"type": "array", "items": b.of(t.Elem())}
	case reflect.Map:
		return schema{"type": "object", "additionalProperties": b.of(t.Elem())}
	case reflect.String:
		return schema{"type": "string"}
	case reflect.Bool:
		return schema{"type": "boolean"}
	case reflect.Int32, reflect.Uint32, reflect.Int16, reflect.Uint16, reflect.Int8, reflect.Uint8:
		return schema{"type": "integer", "format": "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return schema{"type": "integer", "format": "int64"}
	case reflect.Float32, reflect.Float64:
		return schema{"type": "number", "format": "double"}
	}
	return schema{}
}

// structSchema is the object schema of struct t, its inline fields merged in.
func (b *schemaBuilder) structSchema(t reflect.Type) schema {
	props := map[string]schema{}
	b.addProperties(t, props)
	return schema{"type": "object", "properties": props}
}

// addProperties adds t's fields (and its inline fields') to props.
func (b *schemaBuilder) addProperties(t reflect.Type, props map[string]schema) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("json") == "-" {
			continue
		}
		name, inline := jsonName(f)
		if inline {
			b.addProperties(derefType(f.Type), props)
			continue
		}
		props[name] = b.fieldSchema(t, name, f.Type)
	}
}

// fieldSchema is a field's schema with its patch strategy extensions.
func (b *schemaBuilder) fieldSchema(parent reflect.Type, name string, ft reflect.Type) schema {
	s := schema{}
	for k, v := range b.of(ft) {
		s[k] = v
	}
	strategy := ""
	if ls := strategyOf(parent, name); ls.merge {
		strategy = "merge"
		if ls.key != "" {
			s["x-kubernetes-patch-merge-key"] = ls.key
		}
	}
	if retainKeysFields[parent.Name()+"."+name] {
		if strategy != "" {
			strategy += ","
		}
		strategy += "retainKeys"
	}
	if strategy != "" {
		s["x-kubernetes-patch-strategy"] = strategy
	}
	return s
}

// gvkExtension is the x-kubernetes-group-version-kind value naming k.
func gvkExtension(k *api.Kind) map[string]string {
	return map[string]string{"group": k.Group, "version": k.Version, "kind": k.Kind}
}

// kindSchemas builds the component schemas of kinds, each kind's schema
// tagged with its group, version and kind so kubectl can find it.
func kindSchemas(kinds []*api.Kind) map[string]schema {
	b := &schemaBuilder{components: map[string]schema{}}
	for _, k := range kinds {
		t := derefType(reflect.TypeOf(k.New()))
		b.ref(t)
		b.components[schemaPrefix+t.Name()]["x-kubernetes-group-version-kind"] = []map[string]string{gvkExtension(k)}
	}
	return b.components
}
