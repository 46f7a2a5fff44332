package registry

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/store"
)

// Label keys the registry puts on Job pod templates and selects on.
//
// Kubernetes selects a Job's pods by controller-uid=<job uid>. The store
// draws the uid only when it stores the object, so kubetwin selects on
// the job's name instead, which is unique in its namespace for the job's
// lifetime; a Job created with generateName gets its name drawn here (from
// the registry's seeded generator) so the selector can name it.
const (
	JobNameLabel       = "batch.kubernetes.io/job-name"
	LegacyJobNameLabel = "job-name"
)

var (
	nsKind  = api.MustLookupKind("v1", "Namespace")
	pcKind  = api.MustLookupKind(api.SchedulingV1, "PriorityClass")
	svcKind = api.MustLookupKind("v1", "Service")
)

// HasStatus reports whether objects of kind carry a status, and so serve
// the status subresource.
func HasStatus(kind *api.Kind) bool {
	_, ok := reflect.TypeOf(kind.New()).Elem().FieldByName("Status")
	return ok
}

// withStatusOf sets dst's status to a copy of src's (same Go type) and
// returns dst; kinds without status are returned unchanged.
func withStatusOf(dst, src api.Object) api.Object {
	d := reflect.ValueOf(dst).Elem().FieldByName("Status")
	if !d.IsValid() {
		return dst
	}
	s := reflect.ValueOf(src.DeepCopyObject()).Elem().FieldByName("Status")
	d.Set(s)
	return dst
}

// nextGeneration is cur's generation, plus one when anything outside
// metadata and status changed, as Kubernetes counts spec changes.
func nextGeneration(cur, next api.Object) int64 {
	g := cur.GetObjectMeta().Generation
	if g == 0 {
		g = 1
	}
	if !specEqual(cur, next) {
		g++
	}
	return g
}

// specFields caches, per object type, the indexes of its fields other
// than type, metadata and status.
var specFields sync.Map // reflect.Type -> []int

// specEqual reports whether everything outside type, metadata and status
// means the same (api.SemanticEqual), without encoding either object.
func specEqual(a, b api.Object) bool {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	if va.Type() != vb.Type() {
		return false
	}
	for _, i := range fieldsOutsideMeta(va.Type()) {
		if !api.SemanticEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}

func fieldsOutsideMeta(t reflect.Type) []int {
	if f, ok := specFields.Load(t); ok {
		return f.([]int)
	}
	var idx []int
	for i := range t.NumField() {
		switch t.Field(i).Name {
		case "TypeMeta", "ObjectMeta", "Status":
		default:
			idx = append(idx, i)
		}
	}
	specFields.Store(t, idx)
	return idx
}

// admitCreate applies the per-kind rules that need the store or the
// request before defaulting: pod priority and Job selectors.
func (r *Registry) admitCreate(ctx context.Context, kind *api.Kind, obj api.Object) error {
	switch o := obj.(type) {
	case *api.Pod:
		return r.resolvePriority(ctx, kind, o)
	case *api.Job:
		r.generateJobSelector(o)
	}
	return nil
}

// admitUpdate carries over what the server set on create and a client's
// copy may leave out: a pod's priority, a Job's generated selector, a
// Service's cluster IPs.
func (r *Registry) admitUpdate(kind *api.Kind, cur, next api.Object) {
	switch o := next.(type) {
	case *api.Pod:
		if o.Spec.Priority == nil {
			o.Spec.Priority = cur.(*api.Pod).Spec.Priority
		}
	case *api.Job:
		if o.Spec.Selector == nil {
			o.Spec.Selector = cur.(*api.Job).Spec.Selector
		}
	case *api.Service:
		old := cur.(*api.Service)
		if o.Spec.ClusterIP == "" && o.Spec.Type == old.Spec.Type {
			o.Spec.ClusterIP = old.Spec.ClusterIP
			o.Spec.ClusterIPs = append([]string(nil), old.Spec.ClusterIPs...)
		}
	}
}

// resolvePriority sets a pod's priority from its PriorityClass, or from the
// global default class, or 0, as Kubernetes' Priority admission does.
func (r *Registry) resolvePriority(ctx context.Context, kind *api.Kind, p *api.Pod) error {
	pc, err := r.findPriorityClass(ctx, p.Spec.PriorityClassName)
	if err != nil {
		return FromStoreError(kind, objName(&p.ObjectMeta), err)
	}
	if pc == nil && p.Spec.PriorityClassName != "" {
		return NewForbidden(kind, objName(&p.ObjectMeta),
			fmt.Errorf("no PriorityClass with name %s was found", p.Spec.PriorityClassName))
	}
	var value int32
	if pc != nil {
		value = pc.Value
		p.Spec.PriorityClassName = pc.Name
		if p.Spec.PreemptionPolicy == nil && pc.PreemptionPolicy != nil {
			policy := *pc.PreemptionPolicy
			p.Spec.PreemptionPolicy = &policy
		}
	}
	if p.Spec.Priority != nil && *p.Spec.Priority != value {
		return NewForbidden(kind, objName(&p.ObjectMeta), fmt.Errorf(
			"the integer value of priority (%d) must not be provided in pod spec; "+
				"priority admission controller computed %d from the given PriorityClass name",
			*p.Spec.Priority, value))
	}
	p.Spec.Priority = &value
	return nil
}

// findPriorityClass returns the named class (nil when absent) or, for an
// empty name, the first global default class by name (nil when none).
func (r *Registry) findPriorityClass(ctx context.Context, name string) (*api.PriorityClass, error) {
	if name != "" {
		obj, err := r.store.Get(ctx, pcKind, "", name)
		if IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("get priority class %s: %w", name, err)
		}
		return obj.(*api.PriorityClass), nil
	}
	res, err := r.store.List(ctx, pcKind, store.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list priority classes: %w", err)
	}
	for _, o := range res.Items {
		if pc := o.(*api.PriorityClass); pc.GlobalDefault {
			return pc, nil
		}
	}
	return nil, nil
}

// generateJobSelector gives a Job without manualSelector the selector
// job-name=<name> and puts the matching labels on its template.
func (r *Registry) generateJobSelector(j *api.Job) {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	if j.Name == "" && j.GenerateName != "" {
		r.mu.Lock()
		j.Name = store.GenerateName(j.GenerateName, r.rnd)
		r.mu.Unlock()
	}
	labels := maps.Clone(j.Spec.Template.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[JobNameLabel] = j.Name
	labels[LegacyJobNameLabel] = j.Name
	j.Spec.Template.Labels = labels
	j.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{JobNameLabel: j.Name}}
}

// CheckFieldSelector rejects a field selector that tests a field the kind
// does not expose, with Kubernetes' message, rather than silently matching
// nothing.
func CheckFieldSelector(kind *api.Kind, fs fields.Selector) error {
	if fs == nil || fs.Empty() {
		return nil
	}
	known := kind.ObjectFields(kind.New())
	for _, req := range fs.Requirements() {
		if _, ok := known[req.Field]; !ok {
			return NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return nil
}
