// Package controllertest gives controller tests one working environment:
// a memory store and registry on a manual clock, the namespace "default",
// and a cache set the test syncs by hand, so every step is deterministic.
package controllertest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

// Start is the manual clock's initial time in every test.
var Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Env is a test cluster without nodes.
type Env struct {
	T      testing.TB
	Ctx    context.Context
	Clock  *clock.Manual
	Reg    *registry.Registry
	Caches *cache.Set
	sink   *events.Sink
}

// New returns an environment with the namespace "default".
func New(t testing.TB) *Env {
	t.Helper()
	c := clock.NewManual(Start)
	s := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = s.Close() })
	e := &Env{T: t, Ctx: context.Background(), Clock: c, Reg: registry.New(s, c)}
	e.Caches = cache.NewSet(e.Reg)
	nsKind, _ := api.LookupKind(api.CoreV1, "Namespace")
	e.Create(nsKind, fixtures.MakeNamespace("default"))
	return e
}

// Create creates obj through the registry and returns it as stored.
func (e *Env) Create(kind *api.Kind, obj api.Object) api.Object {
	e.T.Helper()
	out, err := e.Reg.Create(e.Ctx, kind, obj.GetObjectMeta().Namespace, obj, registry.CreateOptions{})
	if err != nil {
		e.T.Fatalf("create %s %s: %v", kind.Kind, obj.GetObjectMeta().Name, err)
	}
	return out
}

// CreatePod creates pod and then writes its status (the registry clears
// status on create), returning the stored pod.
func (e *Env) CreatePod(pod *api.Pod) *api.Pod {
	e.T.Helper()
	status := pod.Status
	out := e.Create(controllers.PodKind, pod).(*api.Pod).DeepCopy() // the stored copy is shared
	out.Status = status
	return e.UpdatePodStatus(out)
}

// UpdatePodStatus writes pod's status.
func (e *Env) UpdatePodStatus(pod *api.Pod) *api.Pod {
	e.T.Helper()
	out, err := e.Reg.Update(e.Ctx, controllers.PodKind, pod, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil {
		e.T.Fatalf("update pod %s status: %v", pod.Name, err)
	}
	return out.(*api.Pod)
}

// Get reads an object from the registry.
func (e *Env) Get(kind *api.Kind, name string) (api.Object, error) {
	return e.Reg.Get(e.Ctx, kind, "default", name)
}

// List lists kind in "default" from the registry.
func (e *Env) List(kind *api.Kind) []api.Object {
	e.T.Helper()
	res, err := e.Reg.List(e.Ctx, kind, store.ListOptions{Namespace: "default"})
	if err != nil {
		e.T.Fatalf("list %s: %v", kind.Kind, err)
	}
	return res.Items
}

// Sync brings every cache up to date with the registry.
func (e *Env) Sync() {
	e.T.Helper()
	if err := e.Caches.SyncAll(e.Ctx); err != nil {
		e.T.Fatalf("sync caches: %v", err)
	}
}

// Reconcile syncs the caches and reconciles key once.
func (e *Env) Reconcile(r controllers.Reconciler, key controllers.Key) controllers.Result {
	e.T.Helper()
	e.Sync()
	res, err := r.Reconcile(e.Ctx, key)
	if err != nil {
		e.T.Fatalf("reconcile %s: %v", key, err)
	}
	return res
}

// ReadyAt marks pod Running and Ready since t, with an address.
func ReadyAt(p *api.Pod, t time.Time, ip string) *api.Pod {
	p.Status.Phase = api.PodRunning
	p.Status.PodIP = ip
	p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue,
		LastTransitionTime: api.NewTime(t)}}
	return p
}

// Recorder returns a recorder that writes events synchronously to the
// environment's registry, without a spam limit, for tests of what a
// controller reports.
func (e *Env) Recorder(component string) events.Recorder {
	if e.sink == nil {
		e.sink = events.NewSink(e.Reg, e.Clock, events.Options{Burst: 1 << 20})
	}
	return e.sink.Recorder(component)
}

// Events lists the events written, each as "Type Reason Kind/name: message".
func (e *Env) Events() []string {
	e.T.Helper()
	k, err := api.LookupKind(api.CoreV1, "Event")
	if err != nil {
		e.T.Fatal(err)
	}
	var out []string
	for _, o := range e.List(k) {
		ev := o.(*api.Event)
		out = append(out, fmt.Sprintf("%s %s %s/%s: %s", ev.Type, ev.Reason, ev.InvolvedObject.Kind,
			ev.InvolvedObject.Name, ev.Message))
	}
	return out
}

// HasEvent reports whether an event line (as Events prints it) starts with prefix.
func (e *Env) HasEvent(prefix string) bool {
	e.T.Helper()
	for _, ev := range e.Events() {
		if strings.HasPrefix(ev, prefix) {
			return true
		}
	}
	return false
}
