// Package controllers holds what every kubetwin controller shares: the
// level-based Reconciler contract, the Controller descriptor that says as
// data which kinds a controller watches and how their changes map to keys,
// creation/deletion expectations, and the real-time Runner that drives
// controllers with caches, work queues and worker goroutines. The simulator
// drives the same Reconcilers from its event loop instead.
package controllers

import (
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
)

// Key names the object a reconcile is about; Namespace is empty for
// cluster-scoped kinds.
type Key struct {
	Namespace string
	Name      string
}

// String prints the key as "namespace/name", as Kubernetes logs it.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Name
	}
	return k.Namespace + "/" + k.Name
}

// KeyOf is the key of obj itself.
func KeyOf(obj api.Object) Key {
	m := obj.GetObjectMeta()
	return Key{Namespace: m.Namespace, Name: m.Name}
}

// Result tells the driver when to reconcile the key again even if nothing
// changes, e.g. when a pod becomes available after minReadySeconds.
type Result struct {
	RequeueAfter time.Duration // 0: only on the next change
}

// Reconciler brings the object named by key towards its desired state by
// reading current state (never an event's payload); an error asks the
// driver to retry with back-off.
type Reconciler interface {
	Reconcile(ctx context.Context, key Key) (Result, error)
}

// ReconcilerFunc adapts a function to Reconciler, for tests and small controllers.
type ReconcilerFunc func(ctx context.Context, key Key) (Result, error)

// Reconcile calls f.
func (f ReconcilerFunc) Reconcile(ctx context.Context, key Key) (Result, error) { return f(ctx, key) }

// MapFunc turns one object of a watched kind into the keys to reconcile.
type MapFunc func(obj api.Object) []Key

// Watch is one kind a controller watches and how its objects map to keys.
type Watch struct {
	Kind    *api.Kind
	MapFunc MapFunc
	// Changed, when set, says whether an update touched anything the
	// controller reads from objects of this kind; an update it rejects
	// queues nothing, because the reconcile it would cause is a no-op.
	// Adds and deletes always queue. A pod changes status several times
	// on its way to Running, and most controllers read none of it.
	Changed func(old, cur api.Object) bool
}

// Controller describes a controller for any driver: its name (for metrics
// and logs), its Reconciler, and its watches as data.
type Controller struct {
	Name       string
	Reconciler Reconciler
	Watches    []Watch
	// Workers is how many keys the real-time Runner reconciles at once; 0 means 1.
	Workers int
}

// OwnKey maps an object to its own key, for a controller's primary kind.
func OwnKey(obj api.Object) []Key { return []Key{KeyOf(obj)} }

// ControllerOwnerKey maps an object to the key of its controlling owner
// when that owner is of kind ownerKind (e.g. a Pod to its ReplicaSet).
func ControllerOwnerKey(ownerKind *api.Kind) MapFunc {
	return func(obj api.Object) []Key {
		ref := cache.ControllerOf(obj)
		if ref == nil || ref.Kind != ownerKind.Kind || ref.APIVersion != ownerKind.APIVersion() {
			return nil
		}
		return []Key{{Namespace: obj.GetObjectMeta().Namespace, Name: ref.Name}}
	}
}
