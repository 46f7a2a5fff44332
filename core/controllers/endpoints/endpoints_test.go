package endpoints_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/endpoints"
	"github.com/kubetwin/kubetwin/core/registry"
)

var svcKey = controllers.Key{Namespace: "default", Name: "web"}

func setup(t *testing.T, svc *api.Service) (*controllertest.Env, *endpoints.Controller) {
	e := controllertest.New(t)
	c := endpoints.New(e.Reg, e.Caches)
	e.Create(controllers.ServiceKind, svc)
	return e, c
}

func getEP(t *testing.T, e *controllertest.Env) *api.Endpoints {
	t.Helper()
	o, err := e.Get(controllers.EndpointsKind, "web")
	if err != nil {
		t.Fatalf("get endpoints: %v", err)
	}
	return o.(*api.Endpoints)
}

// ips lists a subset's ready and not-ready IPs.
func ips(s api.EndpointSubset) (ready, notReady []string) {
	for _, a := range s.Addresses {
		ready = append(ready, a.IP)
	}
	for _, a := range s.NotReadyAddresses {
		notReady = append(notReady, a.IP)
	}
	return ready, notReady
}

func webPod(name, ip string) *fixtures.PodWrapper {
	p := fixtures.MakePod().Name(name).Label("app", "web").Node("n1")
	p.Status.PodIP = ip
	p.Status.Phase = api.PodRunning
	return p
}

func TestReadyAndNotReadyTransitions(t *testing.T) {
	e, c := setup(t, fixtures.MakeService("web", 80, 8080))
	ready := e.CreatePod(controllertest.ReadyAt(webPod("b", "10.0.0.2").Obj(), e.Clock.Now(), "10.0.0.2"))
	e.CreatePod(webPod("a", "10.0.0.1").Obj())
	e.CreatePod(webPod("noip", "").Obj())
	e.CreatePod(fixtures.MakePod().Name("other").Label("app", "db").Obj())
	e.Reconcile(c, svcKey)
	ep := getEP(t, e)
	if len(ep.Subsets) != 1 {
		t.Fatalf("subsets %+v, want one", ep.Subsets)
	}
	s := ep.Subsets[0]
	r, nr := ips(s)
	if len(r) != 1 || r[0] != "10.0.0.2" || len(nr) != 1 || nr[0] != "10.0.0.1" {
		t.Fatalf("ready %v not ready %v", r, nr)
	}
	if ref := s.Addresses[0].TargetRef; ref == nil || ref.Name != "b" || ref.UID != ready.UID || *s.Addresses[0].NodeName != "n1" {
		t.Fatalf("address %+v does not point at pod b on n1", s.Addresses[0])
	}
	if len(s.Ports) != 1 || s.Ports[0].Port != 8080 || s.Ports[0].Protocol != api.ProtocolTCP {
		t.Fatalf("ports %+v, want 8080/TCP", s.Ports)
	}
	// b turns not ready: both addresses move to notReadyAddresses.
	b := ready.DeepCopy()
	b.Status.Conditions[0].Status = api.ConditionFalse
	e.UpdatePodStatus(b)
	e.Reconcile(c, svcKey)
	if r, nr := ips(getEP(t, e).Subsets[0]); len(r) != 0 || len(nr) != 2 || nr[0] != "10.0.0.1" {
		t.Fatalf("after b turned not ready: ready %v not ready %v", r, nr)
	}
}

func TestNoWriteWhenUnchanged(t *testing.T) {
	e, c := setup(t, fixtures.MakeService("web", 80, 8080))
	e.CreatePod(controllertest.ReadyAt(webPod("a", "10.0.0.1").Obj(), e.Clock.Now(), "10.0.0.1"))
	e.Reconcile(c, svcKey)
	rv := getEP(t, e).ResourceVersion
	e.Reconcile(c, svcKey)
	e.Reconcile(c, svcKey)
	if got := getEP(t, e).ResourceVersion; got != rv {
		t.Fatalf("endpoints rewritten without a change: rv %s → %s", rv, got)
	}
}

func TestTerminatingAndPublishNotReady(t *testing.T) {
	svc := fixtures.MakeService("web", 80, 8080)
	e, c := setup(t, svc)
	p := e.CreatePod(webPod("a", "10.0.0.1").Finalizer("test/keep").Obj())
	e.CreatePod(webPod("b", "10.0.0.2").Obj())
	if _, _, err := e.Reg.Delete(e.Ctx, controllers.PodKind, "default", p.Name, registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, svcKey)
	if r, nr := ips(getEP(t, e).Subsets[0]); len(r) != 0 || len(nr) != 1 || nr[0] != "10.0.0.2" {
		t.Fatalf("terminating pod listed: ready %v not ready %v", r, nr)
	}
	o, _ := e.Get(controllers.ServiceKind, "web")
	pub := o.(*api.Service).DeepCopy()
	pub.Spec.PublishNotReadyAddresses = true
	if _, err := e.Reg.Update(e.Ctx, controllers.ServiceKind, pub, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, svcKey)
	if r, nr := ips(getEP(t, e).Subsets[0]); len(r) != 2 || len(nr) != 0 {
		t.Fatalf("publishNotReadyAddresses: ready %v not ready %v, want both ready", r, nr)
	}
}

func TestNamedPortsSplitSubsets(t *testing.T) {
	svc := fixtures.MakeService("web", 80, 0)
	svc.Spec.Ports[0].Name = "http"
	svc.Spec.Ports[0].TargetPort = api.FromString("web")
	e, c := setup(t, svc)
	named := func(name, ip string, port int32) *api.Pod {
		p := controllertest.ReadyAt(webPod(name, ip).Obj(), e.Clock.Now(), ip)
		p.Spec.Containers[0].Ports = []api.ContainerPort{{Name: "web", ContainerPort: port}}
		return p
	}
	e.CreatePod(named("a", "10.0.0.1", 8080))
	e.CreatePod(named("b", "10.0.0.2", 9090))
	e.CreatePod(named("c", "10.0.0.3", 8080))
	e.CreatePod(controllertest.ReadyAt(webPod("noport", "10.0.0.4").Obj(), e.Clock.Now(), "10.0.0.4"))
	e.Reconcile(c, svcKey)
	ss := getEP(t, e).Subsets
	if len(ss) != 2 {
		t.Fatalf("subsets %+v, want two (8080 and 9090)", ss)
	}
	r0, _ := ips(ss[0])
	r1, _ := ips(ss[1])
	if ss[0].Ports[0].Port != 8080 || len(r0) != 2 || r0[1] != "10.0.0.3" || ss[1].Ports[0].Port != 9090 || len(r1) != 1 {
		t.Fatalf("subsets %+v", ss)
	}
	if ss[0].Ports[0].Name != "http" {
		t.Fatalf("endpoint port named %q, want the service port's name http", ss[0].Ports[0].Name)
	}
}

func TestServiceDeletionRemovesEndpoints(t *testing.T) {
	e, c := setup(t, fixtures.MakeService("web", 80, 8080))
	e.Reconcile(c, svcKey)
	getEP(t, e)
	if _, _, err := e.Reg.Delete(e.Ctx, controllers.ServiceKind, "default", "web", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, svcKey)
	if _, err := e.Get(controllers.EndpointsKind, "web"); !registry.IsNotFound(err) {
		t.Fatalf("endpoints still there after the service went: %v", err)
	}
}

func TestSelectorlessServiceLeftAlone(t *testing.T) {
	svc := fixtures.MakeService("web", 80, 8080)
	svc.Spec.Selector = nil
	e, c := setup(t, svc)
	e.Reconcile(c, svcKey)
	if _, err := e.Get(controllers.EndpointsKind, "web"); !registry.IsNotFound(err) {
		t.Fatalf("endpoints written for a selector-less service: %v", err)
	}
}

func TestThroughRealTimeRunner(t *testing.T) {
	e := controllertest.New(t)
	c := endpoints.New(e.Reg, e.Caches)
	r, err := controllers.NewRunner(e.Caches, clock.Real(), c.Descriptor(2))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	e.Create(controllers.ServiceKind, fixtures.MakeService("web", 80, 8080))
	p := e.CreatePod(webPod("a", "10.0.0.1").Obj())
	readyIPs := func(want int) func() bool {
		return func() bool {
			o, err := e.Get(controllers.EndpointsKind, "web")
			if err != nil || len(o.(*api.Endpoints).Subsets) != 1 {
				return false
			}
			r, _ := ips(o.(*api.Endpoints).Subsets[0])
			return len(r) == want
		}
	}
	eventually(t, "a not ready", readyIPs(0))
	e.UpdatePodStatus(controllertest.ReadyAt(p.DeepCopy(), e.Clock.Now(), "10.0.0.1"))
	eventually(t, "a ready", readyIPs(1))
	if _, _, err := e.Reg.Delete(ctx, controllers.ServiceKind, "default", "web", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "endpoints deleted", func() bool {
		_, err := e.Get(controllers.EndpointsKind, "web")
		return registry.IsNotFound(err)
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
