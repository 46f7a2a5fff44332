// Package registry applies the Kubernetes API semantics above the raw store:
// namespace checks, defaulting, validation, generation, status subresource
// rules, and the per-kind rules Kubernetes' registry and admission apply
// (pod priority, Job selectors, Service cluster IPs, namespace termination).
// The simulator calls it in process and the HTTP API server calls it per
// request, so both behave identically. Every error it returns is a
// *StatusError carrying the Status a client would see.
package registry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/store"
)

// DefaultServiceCIDR is the range Service cluster IPs come from unless
// SetServiceCIDR says otherwise, as kube-apiserver's default.
const DefaultServiceCIDR = "10.96.0.0/16"

// The values DeleteOptions.PropagationPolicy may take, as Kubernetes names them.
const (
	PropagationOrphan     = "Orphan"
	PropagationBackground = "Background"
	PropagationForeground = "Foreground"
)

// SubresourceStatus names the status subresource in UpdateOptions.
const SubresourceStatus = "status"

// CreateOptions qualify a Create.
type CreateOptions struct {
	DryRun bool // check and prepare the object but store nothing
}

// UpdateOptions qualify an Update.
type UpdateOptions struct {
	DryRun      bool
	Subresource string // "" for the main resource, or SubresourceStatus
}

// DeleteOptions qualify a Delete: the store's preconditions and grace
// period, plus dry run and the propagation policy.
type DeleteOptions struct {
	store.DeleteOptions
	DryRun bool
	// PropagationPolicy says what becomes of the object's dependents:
	// Orphan and Foreground mark it with the finalizer the garbage
	// collector acts on; Background (or "") leaves them to the collector
	// once the object is gone.
	PropagationPolicy string
}

// Registry is the API layer over one store.
type Registry struct {
	// GracefulPodDeletion marks a running bound pod for deletion for its
	// terminationGracePeriodSeconds instead of removing it, as Kubernetes
	// does, so its node agent stops it and confirms; the simulator's nodes
	// do. Off, a delete without a grace period removes the pod at once.
	GracefulPodDeletion bool

	store store.Store
	clock clock.Clock

	mu          sync.Mutex // serialises cluster IP allocation and rnd
	serviceCIDR netip.Prefix
	rnd         *rand.Rand // draws generated Job names; seeded, never global
}

// New returns a registry over s that reads the time from c.
func New(s store.Store, c clock.Clock) *Registry {
	return &Registry{store: s, clock: c,
		serviceCIDR: netip.MustParsePrefix(DefaultServiceCIDR),
		rnd:         rand.New(rand.NewPCG(7, 11))}
}

// SetServiceCIDR changes the range cluster IPs are allocated from, so a
// cluster can avoid overlapping the host's networks.
func (r *Registry) SetServiceCIDR(cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 30 {
		return fmt.Errorf("service CIDR %q: must be an IPv4 prefix of /30 or wider", cidr)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.serviceCIDR = p.Masked()
	return nil
}

// Clock is the registry's clock, so layers above it (the API server's
// ages and timeouts) read the same time as the registry's timestamps.
func (r *Registry) Clock() clock.Clock { return r.clock }

// Store is the store under the registry, for callers that need its revision.
func (r *Registry) Store() store.Store { return r.store }

// Get returns the stored object.
func (r *Registry) Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error) {
	if err := checkScope(kind, namespace); err != nil {
		return nil, err
	}
	obj, err := r.store.Get(ctx, kind, namespace, name)
	if err != nil {
		return nil, FromStoreError(kind, name, err)
	}
	return obj, nil
}

// List returns matching objects; a field selector may test only the fields
// the kind exposes.
func (r *Registry) List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error) {
	if err := checkScope(kind, opts.Namespace); err != nil {
		return nil, err
	}
	if err := CheckFieldSelector(kind, opts.Fields); err != nil {
		return nil, err
	}
	res, err := r.store.List(ctx, kind, opts)
	if err != nil {
		return nil, FromStoreError(kind, "", err)
	}
	return res, nil
}

// Watch streams matching changes after opts.Revision.
func (r *Registry) Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error) {
	if err := checkScope(kind, opts.Namespace); err != nil {
		return nil, err
	}
	if err := CheckFieldSelector(kind, opts.Fields); err != nil {
		return nil, err
	}
	w, err := r.store.Watch(ctx, kind, opts)
	if err != nil {
		return nil, FromStoreError(kind, "", err)
	}
	return w, nil
}

// checkScope rejects a namespace on a request for a cluster-scoped kind.
func checkScope(kind *api.Kind, namespace string) error {
	if !kind.Namespaced && namespace != "" {
		return NewBadRequest(fmt.Sprintf("%s is cluster-scoped and takes no namespace (got %q)",
			kind.GroupResource(), namespace))
	}
	return nil
}
