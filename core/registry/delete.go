package registry

import (
	"context"
	"fmt"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// Delete removes an object, or marks it for deletion while finalizers or a
// grace period keep it. It returns the object's last state and whether it
// is gone.
//
// PropagationPolicy Orphan or Foreground adds the "orphan" or
// "foregroundDeletion" finalizer in the same write that marks the object,
// so it stays until the garbage collector has dealt with its dependents; a
// second Delete with the other policy switches it.
//
// A Namespace whose spec.finalizers is non-empty is not removed: it is
// marked Terminating (status.phase, deletionTimestamp), and the registry
// mirrors its "kubernetes" spec finalizer into metadata.finalizers so the
// store keeps it. The namespace controller (a later issue) empties the
// namespace and then removes that finalizer, which completes the delete.
func (r *Registry) Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts DeleteOptions) (api.Object, bool, error) {
	if err := CheckKey(kind, namespace, name); err != nil {
		return nil, false, err
	}
	switch opts.PropagationPolicy {
	case "", PropagationOrphan, PropagationBackground, PropagationForeground:
	default:
		return nil, false, NewBadRequest(fmt.Sprintf("propagationPolicy %q is not supported: "+
			"must be one of Orphan, Background, Foreground", opts.PropagationPolicy))
	}
	sopts := storeDeleteOptions(kind, opts)
	if kind == podKind && r.GracefulPodDeletion {
		if err := r.podGracePeriod(ctx, namespace, name, &sopts); err != nil {
			return nil, false, err
		}
	}
	if opts.DryRun {
		return r.planDelete(ctx, kind, namespace, name, sopts)
	}
	if kind == nsKind {
		if err := r.markNamespaceTerminating(ctx, name, sopts); err != nil {
			return nil, false, err
		}
	}
	obj, gone, err := r.store.Delete(ctx, kind, namespace, name, sopts)
	if err != nil {
		return nil, false, FromStoreError(kind, name, err)
	}
	return obj, gone, nil
}

// podGracePeriod applies Kubernetes' graceful deletion of pods: a bound
// pod that is still running is only marked, for its terminationGracePeriod
// unless the request names a period, so its node agent can stop it and
// then remove it with period 0; a pod no node runs (unbound, or finished)
// goes at once whatever was asked.
func (r *Registry) podGracePeriod(ctx context.Context, namespace, name string, opts *store.DeleteOptions) error {
	if g := opts.GracePeriodSeconds; g != nil && *g == 0 {
		return nil
	}
	cur, err := r.store.Get(ctx, podKind, namespace, name)
	if err != nil {
		return FromStoreError(podKind, name, err)
	}
	p := cur.(*api.Pod)
	if p.Spec.NodeName == "" || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		zero := int64(0)
		opts.GracePeriodSeconds = &zero
		return nil
	}
	if opts.GracePeriodSeconds == nil {
		grace := api.DefaultTerminationGracePeriodSeconds
		if g := p.Spec.TerminationGracePeriodSeconds; g != nil {
			grace = *g
		}
		opts.GracePeriodSeconds = &grace
	}
	return nil
}

// storeDeleteOptions turns a request's options into the store's, adding
// the finalizer that records its propagation policy so the owner stays
// until the garbage collector has orphaned or deleted its dependents.
// Namespaces are exempt: the namespace controller empties them itself.
func storeDeleteOptions(kind *api.Kind, opts DeleteOptions) store.DeleteOptions {
	sopts := opts.DeleteOptions
	if kind == nsKind {
		return sopts
	}
	var f string
	switch opts.PropagationPolicy {
	case PropagationOrphan:
		f = store.FinalizerOrphan
	case PropagationForeground:
		f = store.FinalizerForeground
	default:
		return sopts
	}
	sopts.Finalizers = append(slices.Clip(sopts.Finalizers), f)
	return sopts
}

// planDelete says what Delete would do without doing it, for dry runs.
func (r *Registry) planDelete(ctx context.Context, kind *api.Kind, namespace, name string, opts store.DeleteOptions) (api.Object, bool, error) {
	cur, err := r.store.Get(ctx, kind, namespace, name)
	if err != nil {
		return nil, false, FromStoreError(kind, name, err)
	}
	if ns, ok := cur.(*api.Namespace); ok && len(ns.Spec.Finalizers) > 0 {
		return cur, false, nil
	}
	next, remove, err := store.PlanDelete(kind, cur, opts, r.clock.Now())
	if err != nil {
		return nil, false, FromStoreError(kind, name, err)
	}
	if remove {
		return cur, true, nil
	}
	return next, false, nil
}

// markNamespaceTerminating sets phase Terminating and mirrors the
// "kubernetes" spec finalizer into metadata.finalizers, so the store's
// delete marks the namespace instead of removing it.
func (r *Registry) markNamespaceTerminating(ctx context.Context, name string, opts store.DeleteOptions) error {
	_, err := store.RetryUpdate(ctx, r.store, nsKind, "", name, func(o api.Object) (api.Object, error) {
		ns := o.(*api.Namespace)
		if opts.UID != "" && opts.UID != ns.UID {
			return nil, NewConflict(nsKind, name)
		}
		if opts.ResourceVersion != "" && opts.ResourceVersion != ns.ResourceVersion {
			return nil, NewConflict(nsKind, name)
		}
		if len(ns.Spec.Finalizers) == 0 {
			return nil, errSkip
		}
		if ns.Status.Phase == api.NamespaceTerminating && slices.Contains(ns.Finalizers, api.NamespaceFinalizerKubernetes) {
			return nil, errSkip
		}
		ns.Status.Phase = api.NamespaceTerminating
		if slices.Contains(ns.Spec.Finalizers, api.NamespaceFinalizerKubernetes) &&
			!slices.Contains(ns.Finalizers, api.NamespaceFinalizerKubernetes) && ns.DeletionTimestamp == nil {
			ns.Finalizers = append(ns.Finalizers, api.NamespaceFinalizerKubernetes)
		}
		return ns, nil
	})
	if err == errSkip {
		return nil
	}
	if err != nil {
		return FromStoreError(nsKind, name, err)
	}
	return nil
}

// errSkip ends a RetryUpdate that has nothing to change.
var errSkip = fmt.Errorf("nothing to change")
