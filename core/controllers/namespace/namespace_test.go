package namespace_test

import (
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/namespace"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

func condition(ns *api.Namespace, typ string) api.NamespaceCondition {
	for _, c := range ns.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return api.NamespaceCondition{}
}

func podsIn(t *testing.T, e *controllertest.Env, ns string) []string {
	t.Helper()
	res, err := e.Reg.List(e.Ctx, controllers.PodKind, store.ListOptions{Namespace: ns})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range res.Items {
		out = append(out, o.GetObjectMeta().Name)
	}
	slices.Sort(out)
	return out
}

func TestDeletionEmptiesAndFinalizes(t *testing.T) {
	e := controllertest.New(t)
	c := namespace.New(e.Reg, e.Caches, e.Clock)
	e.Create(namespace.NamespaceKind, fixtures.MakeNamespace("team"))
	e.CreatePod(fixtures.MakePod().Name("pending").Namespace("team").Obj())
	e.CreatePod(fixtures.MakePod().Name("running").Namespace("team").Node("n1").Phase(api.PodRunning).Obj())
	e.CreatePod(fixtures.MakePod().Name("held").Namespace("team").Node("n1").Finalizer("example.com/hold").Obj())
	e.CreatePod(fixtures.MakePod().Name("bystander").Obj()) // in default
	rs := fixtures.MakeReplicaSet("web").Obj()
	rs.Namespace = "team"
	e.Create(controllers.ReplicaSetKind, rs)
	svc := fixtures.MakeService("web", 80, 8080)
	svc.Namespace = "team"
	e.Create(controllers.ServiceKind, svc)

	if res := e.Reconcile(c, controllers.Key{Name: "team"}); res.RequeueAfter != 0 {
		t.Fatalf("active namespace requeued after %v, want no work", res.RequeueAfter)
	}
	if _, _, err := e.Reg.Delete(e.Ctx, namespace.NamespaceKind, "", "team", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if res := e.Reconcile(c, controllers.Key{Name: "team"}); res.RequeueAfter != namespace.RemainingRequeue {
		t.Fatalf("requeue %v with content left, want %v", res.RequeueAfter, namespace.RemainingRequeue)
	}
	if got := podsIn(t, e, "team"); !slices.Equal(got, []string{"held"}) {
		t.Fatalf("pods left in team %v, want only the one a finalizer holds", got)
	}
	for _, k := range []*api.Kind{controllers.ReplicaSetKind, controllers.ServiceKind} {
		if _, err := e.Reg.Get(e.Ctx, k, "team", "web"); !registry.IsNotFound(err) {
			t.Fatalf("%s web: %v, want deleted", k.Kind, err)
		}
	}
	o, err := e.Reg.Get(e.Ctx, namespace.NamespaceKind, "", "team")
	if err != nil {
		t.Fatalf("namespace gone while content remains: %v", err)
	}
	ns := o.(*api.Namespace)
	if c := condition(ns, namespace.ConditionContentRemaining); c.Status != api.ConditionTrue || c.Message !=
		"Some resources are remaining: pods has 1 resource instances" {
		t.Fatalf("content condition %+v", c)
	}
	if c := condition(ns, namespace.ConditionFinalizersRemaining); c.Status != api.ConditionTrue {
		t.Fatalf("finalizers condition %+v, want True", c)
	}
	if c := condition(ns, namespace.ConditionContentFailure); c.Status != api.ConditionFalse {
		t.Fatalf("failure condition %+v, want False", c)
	}

	held, err := e.Reg.Get(e.Ctx, controllers.PodKind, "team", "held")
	if err != nil {
		t.Fatal(err)
	}
	p := held.(*api.Pod).DeepCopy()
	p.Finalizers = nil
	if _, err := e.Reg.Update(e.Ctx, controllers.PodKind, p, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, controllers.Key{Name: "team"})
	if _, err := e.Reg.Get(e.Ctx, namespace.NamespaceKind, "", "team"); !registry.IsNotFound(err) {
		t.Fatalf("namespace after emptying: %v, want gone", err)
	}
	if got := podsIn(t, e, "default"); !slices.Equal(got, []string{"bystander"}) {
		t.Fatalf("default pods %v, want untouched", got)
	}
}
