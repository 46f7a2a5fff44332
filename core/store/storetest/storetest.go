// Package storetest is the conformance suite every store.Store must pass,
// so the memory store (simulator) and the etcd store (emulate, real) are
// interchangeable: Run checks the documented semantics through the
// store.Store interface alone, and Benchmarks measures the same operations
// on each.
package storetest

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// eventTimeout bounds how long a test waits for a watch event before
// failing; it is a safety net, never part of what is tested.
const eventTimeout = 10 * time.Second

// testCase is one conformance check run against a fresh store.
type testCase struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// cases is assembled from the per-topic lists in this package.
func cases() []testCase {
	var all []testCase
	all = append(all, crudCases...)
	all = append(all, deleteCases...)
	all = append(all, listCases...)
	all = append(all, watchCases...)
	all = append(all, concurrencyCases...)
	return all
}

// Run runs the conformance suite; newStore must return an empty store, and
// each subtest gets its own, closed when the subtest ends.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	for _, tc := range cases() {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

// The kinds the suite stores.
var (
	podKind        = kindOf(&api.Pod{})
	nodeKind       = kindOf(&api.Node{})
	leaseKind      = kindOf(&api.Lease{})
	deploymentKind = kindOf(&api.Deployment{})
	namespaceKind  = kindOf(&api.Namespace{})
)

func kindOf(obj api.Object) *api.Kind {
	k, err := api.KindOf(obj)
	if err != nil {
		panic(err)
	}
	return k
}

// testFinalizer is the finalizer the suite adds and removes.
const testFinalizer = "kubetwin.io/storetest"

// counterAnnotation holds the counter the concurrency tests increment.
const counterAnnotation = "kubetwin.io/counter"

// pod builds a pod; lbls may be nil and node empty.
func pod(ns, name string, lbls map[string]string, node string) *api.Pod {
	return &api.Pod{
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name, Labels: lbls},
		Spec: api.PodSpec{
			NodeName:   node,
			Containers: []api.Container{{Name: "c", Image: "busybox"}},
		},
	}
}

func node(name string) *api.Node {
	return &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
}

func lease(ns, name string) *api.Lease {
	holder, seconds := name, int32(40)
	return &api.Lease{
		ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name},
		Spec:       api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds},
	}
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

func mustCreate(t *testing.T, s store.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Create(ctxOf(t), obj)
	if err != nil {
		t.Fatalf("create %s: %v", obj.GetObjectMeta().Key(), err)
	}
	return out
}

func mustGet(t *testing.T, s store.Store, kind *api.Kind, ns, name string) api.Object {
	t.Helper()
	out, err := s.Get(ctxOf(t), kind, ns, name)
	if err != nil {
		t.Fatalf("get %s %s/%s: %v", kind.Resource, ns, name, err)
	}
	return out
}

func mustUpdate(t *testing.T, s store.Store, obj api.Object) api.Object {
	t.Helper()
	out, err := s.Update(ctxOf(t), obj)
	if err != nil {
		t.Fatalf("update %s: %v", obj.GetObjectMeta().Key(), err)
	}
	return out
}

// modify applies change to the stored object with RetryUpdate.
func modify(t *testing.T, s store.Store, kind *api.Kind, ns, name string, change func(api.Object)) api.Object {
	t.Helper()
	out, err := store.RetryUpdate(ctxOf(t), s, kind, ns, name, func(o api.Object) (api.Object, error) {
		change(o)
		return o, nil
	})
	if err != nil {
		t.Fatalf("modify %s %s/%s: %v", kind.Resource, ns, name, err)
	}
	return out
}

func mustDelete(t *testing.T, s store.Store, kind *api.Kind, ns, name string, opts store.DeleteOptions) (api.Object, bool) {
	t.Helper()
	out, gone, err := s.Delete(ctxOf(t), kind, ns, name, opts)
	if err != nil {
		t.Fatalf("delete %s %s/%s: %v", kind.Resource, ns, name, err)
	}
	return out, gone
}

func revision(t *testing.T, s store.Store) int64 {
	t.Helper()
	rev, err := s.Revision(ctxOf(t))
	if err != nil {
		t.Fatalf("revision: %v", err)
	}
	return rev
}

// rvOf parses an object's resourceVersion.
func rvOf(t *testing.T, obj api.Object) int64 {
	t.Helper()
	rv, err := strconv.ParseInt(obj.GetObjectMeta().ResourceVersion, 10, 64)
	if err != nil || rv <= 0 {
		t.Fatalf("%s: resourceVersion %q is not a positive revision", obj.GetObjectMeta().Key(), obj.GetObjectMeta().ResourceVersion)
	}
	return rv
}

func expectErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func expectNotFound(t *testing.T, s store.Store, kind *api.Kind, ns, name string) {
	t.Helper()
	_, err := s.Get(ctxOf(t), kind, ns, name)
	expectErr(t, "get "+ns+"/"+name, err, store.ErrNotFound)
}

func withFinalizer(o api.Object) {
	m := o.GetObjectMeta()
	m.Finalizers = append(m.Finalizers, testFinalizer)
}

func withoutFinalizers(o api.Object) { o.GetObjectMeta().Finalizers = nil }

func gracePeriod(seconds int64) store.DeleteOptions {
	return store.DeleteOptions{GracePeriodSeconds: &seconds}
}

// names lists the objects' keys, for comparisons.
func names(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetObjectMeta().Key()
	}
	return out
}
