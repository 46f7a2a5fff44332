package client_test

import (
	"errors"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

func TestPodRoundTrip(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	in := fixtures.MakePod().Name("a").Label("app", "web").Obj()
	created, err := e.c.Create(c, podKind, "default", in, registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := created.(*api.Pod)
	if p.UID == "" || p.ResourceVersion == "" || p.Namespace != "default" || p.Kind != "Pod" {
		t.Fatalf("created pod %+v lacks its stored metadata", p.ObjectMeta)
	}
	if in.ResourceVersion != "" || in.UID != "" {
		t.Errorf("Create changed its argument")
	}
	got, err := e.c.Get(c, podKind, "default", "a")
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := e.reg.Get(c, podKind, "default", "a")
	if got.GetObjectMeta().ResourceVersion != stored.GetObjectMeta().ResourceVersion ||
		got.GetObjectMeta().UID != p.UID {
		t.Errorf("Get returned %+v, the store holds %+v", got.GetObjectMeta(), stored.GetObjectMeta())
	}

	next := got.DeepCopyObject().(*api.Pod)
	next.Labels["app"] = "db"
	next.Status.Phase = api.PodRunning // ignored: the main resource keeps the stored status
	updated, err := e.c.Update(c, podKind, next, registry.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up := updated.(*api.Pod)
	if up.Labels["app"] != "db" || up.ResourceVersion == p.ResourceVersion || up.Status.Phase == api.PodRunning {
		t.Errorf("update: labels %v rv %s phase %q", up.Labels, up.ResourceVersion, up.Status.Phase)
	}

	obj, gone, err := e.c.Delete(c, podKind, "default", "a", registry.DeleteOptions{})
	if err != nil || !gone {
		t.Fatalf("delete: gone %v, err %v", gone, err)
	}
	if m := obj.(*api.Pod).ObjectMeta; m.Name != "a" || m.Namespace != "default" || m.UID != p.UID {
		t.Errorf("deleted object names %s/%s uid %s", m.Namespace, m.Name, m.UID)
	}
	if _, err := e.c.Get(c, podKind, "default", "a"); !registry.IsNotFound(err) {
		t.Errorf("get after delete: %v, want NotFound", err)
	}
}

// TestUpdateStatus writes the status subresource: the status changes and
// everything else is kept, as in process.
func TestUpdateStatus(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	created, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Label("app", "db").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	up := created.(*api.Pod)
	st := up.DeepCopyObject().(*api.Pod)
	st.Status.Phase = api.PodRunning
	st.Labels["app"] = "ignored" // the status subresource keeps everything else
	out, err := e.c.UpdateStatus(c, podKind, st)
	if err != nil {
		t.Fatal(err)
	}
	if sp := out.(*api.Pod); sp.Status.Phase != api.PodRunning || sp.Labels["app"] != "db" {
		t.Errorf("status update: phase %q labels %v", sp.Status.Phase, sp.Labels)
	}
	opts := registry.UpdateOptions{Subresource: registry.SubresourceStatus}
	st.Status.Phase = api.PodSucceeded
	if _, err := e.c.Update(c, podKind, st, opts); !registry.IsConflict(err) {
		t.Errorf("status update at a stale resourceVersion: %v, want Conflict", err)
	}
}

func TestNodeRoundTrip(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	created, err := e.c.Create(c, nodeKind, "", fixtures.MakeNode().Name("n1").CPU("4").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.c.Get(c, nodeKind, "", "n1")
	if err != nil {
		t.Fatal(err)
	}
	n := got.(*api.Node)
	if n.UID != created.GetObjectMeta().UID || n.Status.Capacity[api.ResourceCPU].String() != "4" {
		t.Errorf("got node %+v", n)
	}
	n = n.DeepCopyObject().(*api.Node)
	n.Spec.Unschedulable = true
	if _, err := e.c.Update(c, nodeKind, n, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := e.c.List(c, nodeKind, store.ListOptions{})
	if err != nil || len(res.Items) != 1 || !res.Items[0].(*api.Node).Spec.Unschedulable {
		t.Fatalf("list nodes: %v %v", res, err)
	}
	if _, gone, err := e.c.Delete(c, nodeKind, "", "n1", registry.DeleteOptions{}); err != nil || !gone {
		t.Fatalf("delete node: gone %v err %v", gone, err)
	}
	_, err = e.c.Create(c, nodeKind, "default", fixtures.MakeNode().Name("n2").Obj(), registry.CreateOptions{})
	_, regErr := e.reg.Create(c, nodeKind, "default", fixtures.MakeNode().Name("n2").Obj(), registry.CreateOptions{})
	sameError(t, err, regErr, store.ErrInvalid)
}

func TestDryRunStoresNothing(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	out, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{DryRun: true})
	if err != nil || out.GetObjectMeta().Name != "a" {
		t.Fatalf("dry-run create: %v %v", out, err)
	}
	if _, err := e.reg.Get(c, podKind, "default", "a"); !registry.IsNotFound(err) {
		t.Errorf("a dry-run create stored the pod: %v", err)
	}
	p, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("b").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	next := p.DeepCopyObject().(*api.Pod)
	next.Labels = map[string]string{"x": "y"}
	if _, err := e.c.Update(c, podKind, next, registry.UpdateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, gone, err := e.c.Delete(c, podKind, "default", "b", registry.DeleteOptions{DryRun: true}); err != nil || !gone {
		t.Fatalf("dry-run delete: gone %v err %v", gone, err)
	}
	got, err := e.reg.Get(c, podKind, "default", "b")
	if err != nil || got.GetObjectMeta().ResourceVersion != p.GetObjectMeta().ResourceVersion {
		t.Errorf("dry-run update or delete changed the pod: %v", err)
	}
}

func TestGracefulDelete(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	created, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Node("n1").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	grace := int64(30)
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{GracePeriodSeconds: &grace}}
	obj, gone, err := e.c.Delete(c, podKind, "default", "a", opts)
	if err != nil || gone {
		t.Fatalf("graceful delete: gone %v err %v", gone, err)
	}
	m := obj.GetObjectMeta()
	if m.DeletionTimestamp == nil || m.DeletionGracePeriodSeconds == nil || *m.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete returned %+v, want deletionTimestamp and grace 30", m)
	}
	if got, err := e.c.Get(c, podKind, "default", "a"); err != nil || got.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatalf("the pod should remain, marked: %v", err)
	}
	zero := int64(0)
	opts = registry.DeleteOptions{DeleteOptions: store.DeleteOptions{GracePeriodSeconds: &zero, UID: "other"}}
	_, _, err = e.c.Delete(c, podKind, "default", "a", opts)
	if !registry.IsConflict(err) || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("delete with another uid: %v, want Conflict", err)
	}
	opts.UID = created.GetObjectMeta().UID
	if _, gone, err := e.c.Delete(c, podKind, "default", "a", opts); err != nil || !gone {
		t.Fatalf("final delete: gone %v err %v", gone, err)
	}
}

func TestDeletePropagationPolicy(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, name := range []string{"a", "b"} {
		if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name(name).Obj(), registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	obj, gone, err := e.c.Delete(c, podKind, "default", "a", registry.DeleteOptions{PropagationPolicy: registry.PropagationOrphan})
	if err != nil || gone || !hasFinalizer(obj, store.FinalizerOrphan) {
		t.Fatalf("orphan delete: gone %v err %v finalizers %v", gone, err, obj.GetObjectMeta().Finalizers)
	}
	// The store-level finalizer a policy stands for travels as that policy.
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{Finalizers: []string{store.FinalizerForeground}}}
	obj, gone, err = e.c.Delete(c, podKind, "default", "b", opts)
	if err != nil || gone || !hasFinalizer(obj, store.FinalizerForeground) {
		t.Fatalf("foreground delete: gone %v err %v", gone, err)
	}
	opts.Finalizers = []string{"example.com/mine"}
	if _, _, err := e.c.Delete(c, podKind, "default", "b", opts); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("delete with an arbitrary finalizer: %v, want ErrInvalid", err)
	}
}

func hasFinalizer(obj api.Object, f string) bool {
	for _, g := range obj.GetObjectMeta().Finalizers {
		if g == f {
			return true
		}
	}
	return false
}

func TestBind(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, name := range []string{"a", "b"} {
		if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name(name).Obj(), registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	b := &registry.Binding{Metadata: api.ObjectMeta{Name: "a"}, Target: registry.ObjectReference{Kind: "Node", Name: "n1"}}
	if err := e.c.Bind(c, "default", "a", b, false); err != nil {
		t.Fatal(err)
	}
	got, _ := e.c.Get(c, podKind, "default", "a")
	p := got.(*api.Pod)
	if p.Spec.NodeName != "n1" || len(p.Status.Conditions) == 0 || p.Status.Conditions[0].Type != api.PodScheduled {
		t.Errorf("bound pod: node %q conditions %v", p.Spec.NodeName, p.Status.Conditions)
	}
	err := e.c.Bind(c, "default", "a", b, false)
	regErr := e.reg.Bind(c, "default", "a", b, false)
	sameError(t, err, regErr, nil)
	if !registry.IsConflict(err) {
		t.Errorf("second bind: %v, want Conflict", err)
	}
	err = e.c.Bind(c, "default", "missing", &registry.Binding{Target: registry.ObjectReference{Name: "n1"}}, false)
	if !registry.IsNotFound(err) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bind a missing pod: %v, want NotFound", err)
	}
	if err := e.c.Bind(c, "default", "b", &registry.Binding{Target: registry.ObjectReference{Name: "n1"}}, true); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.c.Get(c, podKind, "default", "b"); got.(*api.Pod).Spec.NodeName != "" {
		t.Errorf("a dry-run bind bound the pod")
	}
}
