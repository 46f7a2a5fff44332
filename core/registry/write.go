package registry

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/validation"
	"github.com/kubetwin/kubetwin/core/store"
)

// Create defaults, validates and stores a new object in namespace (ignored
// for cluster-scoped kinds when empty). obj is not changed.
func (r *Registry) Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts CreateOptions) (api.Object, error) {
	for attempt := 1; ; attempt++ {
		out, err := r.createOnce(ctx, kind, namespace, obj, opts)
		if errors.Is(err, errGeneratedNameTaken) && attempt < generatedNameAttempts {
			continue
		}
		if errors.Is(err, errGeneratedNameTaken) {
			return nil, FromStoreError(kind, obj.GetObjectMeta().GenerateName, store.ErrAlreadyExists)
		}
		return out, err
	}
}

// generatedNameAttempts bounds how often Create draws a new name for an
// object whose name the registry generated (Jobs, whose selector names
// them) when the drawn name is taken, e.g. after a restart replays the
// registry's seeded draws.
const generatedNameAttempts = 8

// errGeneratedNameTaken tells Create to draw another name.
var errGeneratedNameTaken = errors.New("generated name is taken")

func (r *Registry) createOnce(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts CreateOptions) (api.Object, error) {
	generated := obj.GetObjectMeta().Name == ""
	obj, err := ownCopy(kind, obj)
	if err != nil {
		return nil, err
	}
	m := obj.GetObjectMeta()
	if err := setNamespace(kind, namespace, m); err != nil {
		return nil, err
	}
	if kind.Namespaced {
		if err := r.checkNamespace(ctx, kind, m.Namespace, objName(m), true); err != nil {
			return nil, err
		}
	}
	resetForCreate(obj)
	if err := r.admitCreate(ctx, kind, obj); err != nil {
		return nil, err
	}
	api.Default(obj)
	if errs := validation.ValidateObject(obj); len(errs) > 0 {
		return nil, NewInvalid(kind, objName(m), errs)
	}
	if svc, ok := obj.(*api.Service); ok {
		r.mu.Lock() // held until stored, so two creates never take one IP
		defer r.mu.Unlock()
		if err := r.allocateClusterIP(ctx, svc); err != nil {
			return nil, err
		}
	}
	if opts.DryRun {
		return obj, nil
	}
	out, err := r.store.Create(ctx, obj)
	if generated && m.Name != "" && errors.Is(err, store.ErrAlreadyExists) {
		return nil, errGeneratedNameTaken
	}
	if err != nil {
		return nil, FromStoreError(kind, objName(m), err)
	}
	return out, nil
}

// ownCopy checks that obj is of kind and returns a private copy of it with
// its kind and apiVersion set.
func ownCopy(kind *api.Kind, obj api.Object) (api.Object, error) {
	k, err := api.KindOf(obj)
	if err != nil || k != kind {
		return nil, NewBadRequest(fmt.Sprintf("the object (%T) is not a %s", obj, kind.Kind))
	}
	obj = obj.DeepCopyObject()
	tm := obj.GetTypeMeta()
	tm.Kind, tm.APIVersion = kind.Kind, kind.APIVersion()
	return obj, nil
}

// objName is the name errors use: the name, or the generateName prefix.
func objName(m *api.ObjectMeta) string {
	if m.Name == "" {
		return m.GenerateName
	}
	return m.Name
}

// setNamespace fills a namespaced object's namespace from the request or
// checks that they agree; a cluster-scoped object takes none.
func setNamespace(kind *api.Kind, namespace string, m *api.ObjectMeta) error {
	if !kind.Namespaced {
		if namespace != "" {
			return checkScope(kind, namespace)
		}
		return nil
	}
	switch {
	case m.Namespace == "":
		m.Namespace = namespace
	case namespace != "" && m.Namespace != namespace:
		return NewBadRequest(fmt.Sprintf("the namespace of the provided object (%q) does not match "+
			"the namespace sent on the request (%q)", m.Namespace, namespace))
	}
	if m.Namespace == "" {
		return NewBadRequest(fmt.Sprintf("%s is namespaced: a namespace is required", kind.GroupResource()))
	}
	return nil
}

// checkNamespace requires the namespace to exist and, for creates, not to be
// terminating, as Kubernetes' NamespaceLifecycle admission does.
func (r *Registry) checkNamespace(ctx context.Context, kind *api.Kind, namespace, name string, creating bool) error {
	nsObj, err := r.store.Get(ctx, nsKind, "", namespace)
	if err != nil {
		return FromStoreError(nsKind, namespace, err)
	}
	ns := nsObj.(*api.Namespace)
	terminating := ns.DeletionTimestamp != nil || ns.Status.Phase == api.NamespaceTerminating
	if creating && terminating {
		return NewForbidden(kind, name, fmt.Errorf(
			"unable to create new content in namespace %s because it is being terminated", namespace))
	}
	return nil
}

// resetForCreate clears what a client may not set on create: storage
// metadata the store assigns, and (except for nodes, as in Kubernetes) the
// status, which its controller owns. Generation starts at 1.
func resetForCreate(obj api.Object) {
	m := obj.GetObjectMeta()
	m.UID, m.DeletionTimestamp, m.DeletionGracePeriodSeconds = "", nil, nil
	m.Generation = 1
	switch o := obj.(type) {
	case *api.Pod:
		o.Status = api.PodStatus{}
	case *api.ReplicaSet:
		o.Status = api.ReplicaSetStatus{}
	case *api.Deployment:
		o.Status = api.DeploymentStatus{}
	case *api.DaemonSet:
		o.Status = api.DaemonSetStatus{}
	case *api.Job:
		o.Status = api.JobStatus{}
	case *api.Service:
		o.Status = api.ServiceStatus{}
	case *api.Namespace:
		o.Status = api.NamespaceStatus{}
	}
}

// Update replaces the main resource (keeping the stored status) or, with
// Subresource "status", only the status (keeping everything else). A
// non-empty resourceVersion must match the stored one.
func (r *Registry) Update(ctx context.Context, kind *api.Kind, obj api.Object, opts UpdateOptions) (api.Object, error) {
	obj, err := ownCopy(kind, obj)
	if err != nil {
		return nil, err
	}
	m := obj.GetObjectMeta()
	if opts.Subresource != "" && opts.Subresource != SubresourceStatus {
		return nil, NewBadRequest(fmt.Sprintf("unknown subresource %q", opts.Subresource))
	}
	if err := CheckKey(kind, m.Namespace, m.Name); err != nil {
		return nil, err
	}
	cur, err := r.store.Get(ctx, kind, m.Namespace, m.Name)
	if err != nil {
		return nil, FromStoreError(kind, m.Name, err)
	}
	next, err := r.prepareUpdate(kind, cur, obj, opts.Subresource)
	if err != nil {
		return nil, err
	}
	if opts.DryRun {
		if rv := m.ResourceVersion; rv != "" && rv != cur.GetObjectMeta().ResourceVersion {
			return nil, NewConflict(kind, m.Name)
		}
		return next, nil
	}
	out, err := r.store.Update(ctx, next)
	if err != nil {
		return nil, FromStoreError(kind, m.Name, err)
	}
	return out, nil
}

// CheckKey rejects a name or namespace no object can have, as BadRequest.
func CheckKey(kind *api.Kind, namespace, name string) error {
	if err := store.CheckKey(kind, namespace, name); err != nil {
		return NewBadRequest(err.Error())
	}
	return nil
}

// prepareUpdate builds the object to store from the stored cur and the
// client's obj, then defaults, admits and validates it.
func (r *Registry) prepareUpdate(kind *api.Kind, cur, obj api.Object, sub string) (api.Object, error) {
	if sub == SubresourceStatus {
		return prepareStatusUpdate(kind, cur, obj)
	}
	next := withStatusOf(obj, cur)
	keepSystemMeta(next.GetObjectMeta(), cur.GetObjectMeta())
	api.Default(next)
	r.admitUpdate(kind, cur, next)
	next.GetObjectMeta().Generation = nextGeneration(cur, next)
	if errs := validation.ValidateUpdate(cur, next); len(errs) > 0 {
		return nil, NewInvalid(kind, next.GetObjectMeta().Name, errs)
	}
	return next, nil
}

// prepareStatusUpdate builds a write to the status subresource: the
// stored object with obj's status. Everything else is the stored
// object's, which was valid and whose spec did not change, so the
// generation stays and only the status and the metadata rules are checked
// (status writes are most of a cluster's writes).
func prepareStatusUpdate(kind *api.Kind, cur, obj api.Object) (api.Object, error) {
	next := withStatusOf(cur.DeepCopyObject(), obj)
	next.GetObjectMeta().ResourceVersion = obj.GetObjectMeta().ResourceVersion
	api.Default(next)
	if errs := validation.ValidateStatusUpdate(cur, next); len(errs) > 0 {
		return nil, NewInvalid(kind, next.GetObjectMeta().Name, errs)
	}
	return next, nil
}

// keepSystemMeta copies the metadata only the server sets from the stored
// object, so a client's stale or missing copy cannot change it.
func keepSystemMeta(next, cur *api.ObjectMeta) {
	next.UID = cur.UID
	next.CreationTimestamp = cur.CreationTimestamp
	next.DeletionTimestamp = cur.DeletionTimestamp
	next.DeletionGracePeriodSeconds = cur.DeletionGracePeriodSeconds
	next.Generation = cur.Generation
	if next.GenerateName == "" {
		next.GenerateName = cur.GenerateName
	}
}
