package apiserver

import (
	"reflect"
	"strings"
)

// listStrategy says how a strategic merge patch treats one list field:
// merged by key (key set), merged as a set of primitives (merge, no key),
// or replaced whole (the zero value), as Kubernetes' patchStrategy and
// patchMergeKey struct tags say.
type listStrategy struct {
	key   string
	merge bool
}

// mergeLists names, by Go type and JSON field, every list a strategic
// merge patch merges instead of replacing. It follows the patchMergeKey
// tags of the Kubernetes types kubetwin serves; lists not named here (such
// as tolerations, taints and command) are atomic.
var mergeLists = map[string]listStrategy{
	"ObjectMeta.finalizers":       {merge: true},
	"NodeSpec.podCIDRs":           {merge: true},
	"ObjectMeta.ownerReferences":  {key: "uid", merge: true},
	"PodSpec.containers":          {key: "name", merge: true},
	"PodSpec.initContainers":      {key: "name", merge: true},
	"PodSpec.volumes":             {key: "name", merge: true},
	"PodSpec.imagePullSecrets":    {key: "name", merge: true},
	"PodSpec.hostAliases":         {key: "ip", merge: true},
	"Container.env":               {key: "name", merge: true},
	"Container.volumeMounts":      {key: "mountPath", merge: true},
	"Container.ports":             {key: "containerPort", merge: true},
	"ServiceSpec.ports":           {key: "port", merge: true},
	"PodStatus.conditions":        {key: "type", merge: true},
	"PodStatus.podIPs":            {key: "ip", merge: true},
	"PodStatus.hostIPs":           {key: "ip", merge: true},
	"NodeStatus.conditions":       {key: "type", merge: true},
	"NodeStatus.addresses":        {key: "type", merge: true},
	"NamespaceStatus.conditions":  {key: "type", merge: true},
	"ReplicaSetStatus.conditions": {key: "type", merge: true},
	"DeploymentStatus.conditions": {key: "type", merge: true},
	"DaemonSetStatus.conditions":  {key: "type", merge: true},
	"JobStatus.conditions":        {key: "type", merge: true},
}

// retainKeysFields are the struct fields whose patches may carry
// $retainKeys (Kubernetes' patchStrategy "retainKeys"): a union whose
// members a client clears by naming only those to keep.
var retainKeysFields = map[string]bool{
	"DeploymentSpec.strategy":      true,
	"DaemonSetSpec.updateStrategy": true,
	"PodSpec.volumes":              true,
}

// strategyOf is the list strategy of field on the Go type parent.
func strategyOf(parent reflect.Type, field string) listStrategy {
	if parent == nil {
		return listStrategy{}
	}
	return mergeLists[parent.Name()+"."+field]
}

// derefType strips pointers from t.
func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// fieldType is the Go type of JSON field name within t (a struct, or a
// map whose elements share one type); nil when unknown, in which case a
// patch merges it as a plain JSON merge patch would.
func fieldType(t reflect.Type, name string) reflect.Type {
	t = derefType(t)
	if t == nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Map:
		return derefType(t.Elem())
	case reflect.Struct:
		if f, ok := structField(t, name); ok {
			return derefType(f.Type)
		}
	}
	return nil
}

// structField finds the field of struct t whose JSON name is name,
// looking through inline (embedded) structs.
func structField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		jn, inline := jsonName(f)
		if inline {
			if g, ok := structField(derefType(f.Type), name); ok {
				return g, true
			}
			continue
		}
		if jn == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonName is a field's JSON name and whether it is inlined into its parent.
func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, opts, _ := strings.Cut(tag, ",")
	if strings.Contains(","+opts+",", ",inline,") || (name == "" && f.Anonymous) {
		return "", true
	}
	if name == "" {
		name = f.Name
	}
	return name, false
}

// elemType is the element type of a list type, or nil.
func elemType(t reflect.Type) reflect.Type {
	t = derefType(t)
	if t == nil || t.Kind() != reflect.Slice {
		return nil
	}
	return derefType(t.Elem())
}
