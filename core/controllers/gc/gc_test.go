package gc_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/gc"
	"github.com/kubetwin/kubetwin/core/registry"
)

type fixture struct {
	*controllertest.Env
	c *gc.Controller
}

func setup(t *testing.T) *fixture {
	t.Helper()
	e := controllertest.New(t)
	return &fixture{Env: e, c: gc.New(e.Reg, e.Caches, controllers.PodKind, controllers.ReplicaSetKind)}
}

// rs creates a replica set owning the named pods.
func (f *fixture) rs(name string, pods ...string) *api.ReplicaSet {
	f.T.Helper()
	r := fixtures.MakeReplicaSet(name).Replicas(0).Obj()
	out := f.Create(controllers.ReplicaSetKind, r).(*api.ReplicaSet)
	for _, p := range pods {
		f.CreatePod(fixtures.MakePod().Name(p).Node("n1").OwnedBy("ReplicaSet", name, out.UID).Obj())
	}
	return out
}

// deleteRS deletes a replica set with the given propagation policy, so
// the registry sets the finalizer the collector acts on.
func (f *fixture) deleteRS(name, policy string) {
	f.T.Helper()
	opts := registry.DeleteOptions{PropagationPolicy: policy}
	if _, _, err := f.Reg.Delete(f.Ctx, controllers.ReplicaSetKind, "default", name, opts); err != nil {
		f.T.Fatal(err)
	}
}

// reconcileAll reconciles every pod and replica set three times over, syncing between passes.
func (f *fixture) reconcileAll() {
	f.T.Helper()
	for range 3 {
		f.Sync()
		for _, k := range []*api.Kind{controllers.ReplicaSetKind, controllers.PodKind} {
			for _, o := range f.List(k) {
				f.Reconcile(f.c, gc.KeyFor(k, "default", o.GetObjectMeta().Name))
			}
		}
	}
}

// reconcilePods syncs and reconciles every pod once.
func (f *fixture) reconcilePods() {
	f.T.Helper()
	f.Sync()
	for _, o := range f.List(controllers.PodKind) {
		f.Reconcile(f.c, gc.KeyFor(controllers.PodKind, "default", o.GetObjectMeta().Name))
	}
}

func (f *fixture) pods() map[string]int {
	out := map[string]int{}
	for _, o := range f.List(controllers.PodKind) {
		out[o.GetObjectMeta().Name] = len(o.GetObjectMeta().OwnerReferences)
	}
	return out
}

func (f *fixture) rsExists(name string) bool {
	_, err := f.Get(controllers.ReplicaSetKind, name)
	return !registry.IsNotFound(err)
}

func TestOrphanedPodsOfDeletedReplicaSetAreDeleted(t *testing.T) {
	f := setup(t)
	web := f.rs("web", "w1", "w2")
	f.rs("api", "a1")
	f.CreatePod(fixtures.MakePod().Name("bare").Obj())
	f.Sync()
	var mapRS controllers.MapFunc
	for _, w := range f.c.Descriptor().Watches {
		if w.Kind == controllers.ReplicaSetKind {
			mapRS = w.MapFunc
		}
	}
	if keys := mapRS(web); len(keys) != 0 {
		t.Fatalf("a live replica set's change maps to %v, want none of its pods", keys)
	}
	f.deleteRS("web", registry.PropagationBackground)
	f.Sync()
	keys := mapRS(web)
	want := []controllers.Key{gc.KeyFor(controllers.PodKind, "default", "w1"), gc.KeyFor(controllers.PodKind, "default", "w2")}
	if !slices.Equal(keys, want) {
		t.Fatalf("deleted replica set maps to %v, want its pods %v", keys, want)
	}
	for _, k := range keys {
		f.Reconcile(f.c, k)
	}
	f.reconcileAll()
	if got := f.pods(); len(got) != 2 || got["a1"] != 1 || got["bare"] != 0 {
		t.Fatalf("pods %v, want a1 (owner alive) and bare", got)
	}
}

func TestOrphanPropagationKeepsPodsWithoutOwnerReferences(t *testing.T) {
	f := setup(t)
	f.rs("web", "w1", "w2")
	f.deleteRS("web", registry.PropagationOrphan)
	if !f.rsExists("web") {
		t.Fatal("replica set gone before the collector orphaned its pods")
	}
	f.Reconcile(f.c, gc.KeyFor(controllers.ReplicaSetKind, "default", "web"))
	if f.rsExists("web") {
		t.Fatal("replica set still there after its orphan finalizer ran")
	}
	f.reconcileAll()
	if got := f.pods(); len(got) != 2 || got["w1"] != 0 || got["w2"] != 0 {
		t.Fatalf("pods %v (name → owner refs), want both kept with none", got)
	}
}

func TestForegroundDeletesDependentsBeforeOwner(t *testing.T) {
	f := setup(t)
	f.rs("web", "w1", "w2")
	f.CreatePod(fixtures.MakePod().Name("other").Obj())
	f.deleteRS("web", registry.PropagationForeground)
	key := gc.KeyFor(controllers.ReplicaSetKind, "default", "web")
	if res := f.Reconcile(f.c, key); res.RequeueAfter != gc.WaitRequeue {
		t.Fatalf("requeue %v while dependents remain, want %v", res.RequeueAfter, gc.WaitRequeue)
	}
	if !f.rsExists("web") {
		t.Fatal("owner gone before its blocking dependents")
	}
	f.reconcilePods() // they were deleted in the foreground too
	if got := f.pods(); len(got) != 1 || got["other"] != 0 {
		t.Fatalf("pods %v, want only the unowned one", got)
	}
	f.Clock.Step(time.Second)
	if res := f.Reconcile(f.c, key); res.RequeueAfter != 0 || f.rsExists("web") {
		t.Fatalf("owner still there (requeue %v) once its dependents are gone", res.RequeueAfter)
	}
}

func TestDanglingOwnerReferenceIsDroppedWhileAnotherOwnerLives(t *testing.T) {
	f := setup(t)
	web := f.rs("web")
	api1 := f.rs("api")
	p := fixtures.MakePod().Name("shared").OwnedBy("ReplicaSet", "web", web.UID).Obj()
	p.OwnerReferences = append(p.OwnerReferences, api.OwnerReference{APIVersion: api.AppsV1, Kind: "ReplicaSet",
		Name: "api", UID: api1.UID})
	f.CreatePod(p)
	f.deleteRS("web", "")
	f.reconcileAll()
	got, err := f.Get(controllers.PodKind, "shared")
	if err != nil {
		t.Fatalf("pod with a live owner deleted: %v", err)
	}
	if refs := got.GetObjectMeta().OwnerReferences; len(refs) != 1 || refs[0].Name != "api" {
		t.Fatalf("owner refs %v, want only api", refs)
	}
}

// TestDeletePropagationEndToEnd deletes a replica set through the registry
// with each policy and lets the collector run over everything, as its
// driver would, checking the order Kubernetes guarantees: in the
// foreground the owner outlives its pods; when orphaning the pods outlive
// it, freed of their references.
func TestDeletePropagationEndToEnd(t *testing.T) {
	for _, c := range []struct {
		policy   string
		wantPods map[string]int // name → owner refs once done
	}{
		{registry.PropagationForeground, map[string]int{"other": 0}},
		{registry.PropagationOrphan, map[string]int{"other": 0, "w1": 0, "w2": 0}},
	} {
		t.Run(c.policy, func(t *testing.T) {
			f := setup(t)
			f.rs("web", "w1", "w2")
			f.CreatePod(fixtures.MakePod().Name("other").Obj())
			f.deleteRS("web", c.policy)
			if !f.rsExists("web") {
				t.Fatalf("%s delete removed the replica set before the collector ran", c.policy)
			}
			for range 3 {
				f.Sync()
				for _, k := range []*api.Kind{controllers.ReplicaSetKind, controllers.PodKind} {
					for _, o := range f.List(k) {
						f.Reconcile(f.c, gc.KeyFor(k, "default", o.GetObjectMeta().Name))
						f.expectOwnerOutlivesPods(c.policy)
					}
				}
			}
			if f.rsExists("web") {
				t.Fatal("replica set still there after the collector ran")
			}
			if got := f.pods(); !maps.Equal(got, c.wantPods) {
				t.Fatalf("pods %v (name → owner refs), want %v", got, c.wantPods)
			}
		})
	}
}

// expectOwnerOutlivesPods fails if, in a foreground deletion, the replica
// set "web" is gone while one of its pods remains.
func (f *fixture) expectOwnerOutlivesPods(policy string) {
	f.T.Helper()
	if policy != registry.PropagationForeground || f.rsExists("web") {
		return
	}
	if pods := f.pods(); pods["w1"] > 0 || pods["w2"] > 0 {
		f.T.Fatalf("replica set gone while its pods remain: %v", pods)
	}
}
