package controllers

import (
	"maps"
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// The Changed filters of Watch. Each names what a family of reconciles
// reads from an object; an update outside it cannot change their outcome.

// MetaChanged reports whether an update changed the metadata that
// ownership and deletion turn on: identity, labels, owner references,
// finalizers and the deletion timestamp.
func MetaChanged(old, cur api.Object) bool {
	a, b := old.GetObjectMeta(), cur.GetObjectMeta()
	return a.UID != b.UID ||
		!maps.Equal(a.Labels, b.Labels) ||
		!slices.EqualFunc(a.OwnerReferences, b.OwnerReferences, ownerRefEqual) ||
		!slices.Equal(a.Finalizers, b.Finalizers) ||
		!timePtrEqual(a.DeletionTimestamp, b.DeletionTimestamp)
}

// SpecChanged reports whether an update changed what the controller of
// an object reads from the object itself: its spec (through the
// generation, which the registry raises on every spec change), its
// annotations, or MetaChanged. The controller's own status writes are
// left out, so they do not wake it up for a reconcile that does nothing.
func SpecChanged(old, cur api.Object) bool {
	a, b := old.GetObjectMeta(), cur.GetObjectMeta()
	return a.Generation != b.Generation || !maps.Equal(a.Annotations, b.Annotations) || MetaChanged(old, cur)
}

// PodCountChanged reports whether a pod update can change how a
// controller that counts pods by state sees it: MetaChanged, whether it
// has finished, or its Ready condition (status and transition time, which
// decides when a ready pod becomes available). Binding, IPs, Pending to
// Running and container details are left out: ReplicaSets and
// Deployments count none of them (a ReplicaSet ranks pods by them only
// when it deletes some, and then reads them fresh).
func PodCountChanged(old, cur api.Object) bool {
	if MetaChanged(old, cur) {
		return true
	}
	a, b := old.(*api.Pod), cur.(*api.Pod)
	return !IsPodActive(a) != !IsPodActive(b) || !readyEqual(PodReadyCondition(a), PodReadyCondition(b))
}

// PodAddressChanged is PodCountChanged plus where the pod can be reached
// and its phase, as Endpoints publish them.
func PodAddressChanged(old, cur api.Object) bool {
	if PodCountChanged(old, cur) {
		return true
	}
	a, b := old.(*api.Pod), cur.(*api.Pod)
	return a.Spec.NodeName != b.Spec.NodeName || a.Status.PodIP != b.Status.PodIP || a.Status.Phase != b.Status.Phase
}

func ownerRefEqual(a, b api.OwnerReference) bool {
	return a.APIVersion == b.APIVersion && a.Kind == b.Kind && a.Name == b.Name && a.UID == b.UID &&
		boolPtrEqual(a.Controller, b.Controller) && boolPtrEqual(a.BlockOwnerDeletion, b.BlockOwnerDeletion)
}

func readyEqual(a, b *api.PodCondition) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Status == b.Status && a.LastTransitionTime.Equal(b.LastTransitionTime.Time)
}

func boolPtrEqual(a, b *bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func timePtrEqual(a, b *api.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(b.Time)
}
