package api

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/kubetwin/kubetwin/core/api/fields"
)

// Kind describes one supported kind: its wire names, its REST resource and
// how to make and inspect objects of it. Stores, the API server and the
// decoder all work from this table, so adding a kind is one entry.
// +k8s:deepcopy-gen=false
type Kind struct {
	Group      string // "" for the core group
	Version    string
	Kind       string
	Resource   string // lower-case plural used in REST paths and store keys
	Singular   string
	ShortNames []string
	Namespaced bool
	New        func() Object
	// Fields lists the field values a field selector may test, beyond
	// metadata.name and metadata.namespace which every kind has.
	Fields func(Object) fields.Set
}

// APIVersion is the group/version string of the kind, e.g. "apps/v1".
func (k *Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// GroupResource names the kind's resource within its group, e.g. "deployments.apps".
func (k *Kind) GroupResource() string {
	if k.Group == "" {
		return k.Resource
	}
	return k.Resource + "." + k.Group
}

// ObjectFields is every field value a field selector may test on obj.
func (k *Kind) ObjectFields(obj Object) fields.Set {
	m := obj.GetObjectMeta()
	set := fields.Set{"metadata.name": m.Name}
	if k.Namespaced {
		set["metadata.namespace"] = m.Namespace
	}
	if k.Fields != nil {
		for f, v := range k.Fields(obj) {
			set[f] = v
		}
	}
	return set
}

// The group/version strings of the supported API groups.
const (
	CoreV1         = "v1"
	AppsV1         = "apps/v1"
	BatchV1        = "batch/v1"
	CoordinationV1 = "coordination.k8s.io/v1"
	SchedulingV1   = "scheduling.k8s.io/v1"
)

// ErrUnknownKind is returned for an apiVersion/kind pair kubetwin doesn't serve.
var ErrUnknownKind = fmt.Errorf("unknown kind")

var (
	kinds        []*Kind
	kindsByGVK   = map[string]*Kind{}
	kindsByGoTyp = map[reflect.Type]*Kind{}
)

func register(k *Kind) {
	kinds = append(kinds, k)
	kindsByGVK[k.APIVersion()+"/"+k.Kind] = k
	kindsByGoTyp[reflect.TypeOf(k.New())] = k
}

// Kinds lists the supported kinds in a fixed order (by group, then kind).
func Kinds() []*Kind {
	out := append([]*Kind(nil), kinds...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

// LookupKind finds a kind by apiVersion and kind.
func LookupKind(apiVersion, kind string) (*Kind, error) {
	k, ok := kindsByGVK[apiVersion+"/"+kind]
	if !ok {
		return nil, fmt.Errorf("%w: apiVersion %q kind %q", ErrUnknownKind, apiVersion, kind)
	}
	return k, nil
}

// MustLookupKind is LookupKind for kinds a package names at start-up;
// an unknown one is a programming error, so it panics.
func MustLookupKind(apiVersion, kind string) *Kind {
	k, err := LookupKind(apiVersion, kind)
	if err != nil {
		panic(err)
	}
	return k
}

// LookupResource finds a kind by its group and plural resource name.
func LookupResource(group, resource string) (*Kind, error) {
	for _, k := range kinds {
		if k.Group == group && k.Resource == resource {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w: resource %q in group %q", ErrUnknownKind, resource, group)
}

// KindOf finds the kind of a Go object, whatever its TypeMeta says.
func KindOf(obj Object) (*Kind, error) {
	k, ok := kindsByGoTyp[reflect.TypeOf(obj)]
	if !ok {
		return nil, fmt.Errorf("%w: Go type %T", ErrUnknownKind, obj)
	}
	return k, nil
}

// SetTypeMeta fills obj's kind and apiVersion from its Go type, so objects
// built in code serialise like decoded ones.
func SetTypeMeta(obj Object) error {
	k, err := KindOf(obj)
	if err != nil {
		return err
	}
	tm := obj.GetTypeMeta()
	tm.Kind, tm.APIVersion = k.Kind, k.APIVersion()
	return nil
}

func init() {
	register(&Kind{Version: "v1", Kind: "Namespace", Resource: "namespaces", Singular: "namespace",
		ShortNames: []string{"ns"}, New: func() Object { return &Namespace{} },
		Fields: func(o Object) fields.Set { return fields.Set{"status.phase": string(o.(*Namespace).Status.Phase)} }})
	register(&Kind{Version: "v1", Kind: "Node", Resource: "nodes", Singular: "node",
		ShortNames: []string{"no"}, New: func() Object { return &Node{} }, Fields: nodeFields})
	register(&Kind{Version: "v1", Kind: "Pod", Resource: "pods", Singular: "pod", Namespaced: true,
		ShortNames: []string{"po"}, New: func() Object { return &Pod{} }, Fields: podFields})
	register(&Kind{Version: "v1", Kind: "Service", Resource: "services", Singular: "service", Namespaced: true,
		ShortNames: []string{"svc"}, New: func() Object { return &Service{} }})
	register(&Kind{Version: "v1", Kind: "Endpoints", Resource: "endpoints", Singular: "endpoints", Namespaced: true,
		ShortNames: []string{"ep"}, New: func() Object { return &Endpoints{} }})
	register(&Kind{Version: "v1", Kind: "Event", Resource: "events", Singular: "event", Namespaced: true,
		ShortNames: []string{"ev"}, New: func() Object { return &Event{} }, Fields: eventFields})
	register(&Kind{Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Singular: "replicaset",
		Namespaced: true, ShortNames: []string{"rs"}, New: func() Object { return &ReplicaSet{} }})
	register(&Kind{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Singular: "deployment",
		Namespaced: true, ShortNames: []string{"deploy"}, New: func() Object { return &Deployment{} }})
	register(&Kind{Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Singular: "daemonset",
		Namespaced: true, ShortNames: []string{"ds"}, New: func() Object { return &DaemonSet{} }})
	register(&Kind{Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Singular: "job",
		Namespaced: true, New: func() Object { return &Job{} }})
	register(&Kind{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Resource: "leases", Singular: "lease",
		Namespaced: true, New: func() Object { return &Lease{} }})
	register(&Kind{Group: "scheduling.k8s.io", Version: "v1", Kind: "PriorityClass", Resource: "priorityclasses",
		Singular: "priorityclass", ShortNames: []string{"pc"}, New: func() Object { return &PriorityClass{} }})
}

func podFields(o Object) fields.Set {
	p := o.(*Pod)
	return fields.Set{
		"spec.nodeName":            p.Spec.NodeName,
		"spec.schedulerName":       p.Spec.SchedulerName,
		"spec.restartPolicy":       string(p.Spec.RestartPolicy),
		"spec.serviceAccountName":  p.Spec.ServiceAccountName,
		"status.phase":             string(p.Status.Phase),
		"status.podIP":             p.Status.PodIP,
		"status.nominatedNodeName": p.Status.NominatedNodeName,
	}
}

func nodeFields(o Object) fields.Set {
	n := o.(*Node)
	unsched := "false"
	if n.Spec.Unschedulable {
		unsched = "true"
	}
	return fields.Set{"spec.unschedulable": unsched}
}

func eventFields(o Object) fields.Set {
	e := o.(*Event)
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             e.InvolvedObject.UID,
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"source":                         e.Source.Component,
		"type":                           e.Type,
	}
}
