package gc_test

import (
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

// rs creates a replica set holding the given finalizers (as the registry
// would set them for an Orphan or Foreground delete) and owning pods.
func (f *fixture) rs(name string, finalizers []string, pods ...string) *api.ReplicaSet {
	f.T.Helper()
	r := fixtures.MakeReplicaSet(name).Replicas(0).Obj()
	r.Finalizers = finalizers
	out := f.Create(controllers.ReplicaSetKind, r).(*api.ReplicaSet)
	for _, p := range pods {
		f.CreatePod(fixtures.MakePod().Name(p).Node("n1").OwnedBy("ReplicaSet", name, out.UID).Obj())
	}
	return out
}

func (f *fixture) deleteRS(name string) {
	f.T.Helper()
	if _, _, err := f.Reg.Delete(f.Ctx, controllers.ReplicaSetKind, "default", name, registry.DeleteOptions{}); err != nil {
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
	web := f.rs("web", nil, "w1", "w2")
	f.rs("api", nil, "a1")
	f.CreatePod(fixtures.MakePod().Name("bare").Obj())
	f.Sync()
	var mapRS controllers.MapFunc
	for _, w := range f.c.Descriptor().Watches {
		if w.Kind == controllers.ReplicaSetKind {
			mapRS = w.MapFunc
		}
	}
	keys := mapRS(web)
	want := []controllers.Key{gc.KeyFor(controllers.PodKind, "default", "w1"), gc.KeyFor(controllers.PodKind, "default", "w2")}
	if !slices.Equal(keys, want) {
		t.Fatalf("replica set maps to %v, want its pods %v", keys, want)
	}
	f.deleteRS("web")
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
	f.rs("web", []string{gc.FinalizerOrphan}, "w1", "w2")
	f.deleteRS("web")
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
	f.rs("web", []string{gc.FinalizerForeground}, "w1", "w2")
	f.CreatePod(fixtures.MakePod().Name("other").Obj())
	f.deleteRS("web")
	key := gc.KeyFor(controllers.ReplicaSetKind, "default", "web")
	if res := f.Reconcile(f.c, key); res.RequeueAfter != gc.WaitRequeue {
		t.Fatalf("requeue %v while dependents remain, want %v", res.RequeueAfter, gc.WaitRequeue)
	}
	if !f.rsExists("web") {
		t.Fatal("owner gone before its blocking dependents")
	}
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
	web := f.rs("web", nil)
	api1 := f.rs("api", nil)
	p := fixtures.MakePod().Name("shared").OwnedBy("ReplicaSet", "web", web.UID).Obj()
	p.OwnerReferences = append(p.OwnerReferences, api.OwnerReference{APIVersion: api.AppsV1, Kind: "ReplicaSet",
		Name: "api", UID: api1.UID})
	f.CreatePod(p)
	f.deleteRS("web")
	f.reconcileAll()
	got, err := f.Get(controllers.PodKind, "shared")
	if err != nil {
		t.Fatalf("pod with a live owner deleted: %v", err)
	}
	if refs := got.GetObjectMeta().OwnerReferences; len(refs) != 1 || refs[0].Name != "api" {
		t.Fatalf("owner refs %v, want only api", refs)
	}
}
