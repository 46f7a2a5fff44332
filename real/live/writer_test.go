package live

import (
	"context"
	"fmt"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

var podKind = api.MustLookupKind(api.CoreV1, "Pod")

// TestAsyncCreatesKeepTheirOrder: a burst of creations into a namespace
// that does not exist yet all land; an update waits for its object's
// creation; creating an object that exists replaces it.
func TestAsyncCreatesKeepTheirOrder(t *testing.T) {
	c := startControlPlane(t, &scenarios.Scenario{})
	ctx := context.Background()
	a := newAsyncCreates(c, 8)
	ns := &api.Namespace{TypeMeta: api.TypeMeta{APIVersion: api.CoreV1, Kind: "Namespace"}, ObjectMeta: api.ObjectMeta{Name: "burst"}}
	if _, err := a.Get(ctx, namespaceKind, "", "burst"); !registry.IsNotFound(err) {
		t.Fatalf("namespace before: %v", err)
	}
	if _, err := a.Create(ctx, namespaceKind, "", ns, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		pod := fixtures.MakePod().Name(fmt.Sprintf("p-%d", i)).Namespace("burst").Obj()
		if _, err := a.Create(ctx, podKind, "burst", pod, registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	last := fixtures.MakePod().Name("p-199").Namespace("burst").Obj()
	last.Labels = map[string]string{"updated": "yes"}
	if _, err := a.Update(ctx, podKind, last, registry.UpdateOptions{}); err != nil {
		t.Fatalf("update right after the creation: %v", err)
	}
	again := fixtures.MakePod().Name("p-0").Namespace("burst").Obj()
	again.Labels = map[string]string{"replaced": "yes"}
	if _, err := a.Create(ctx, podKind, "burst", again, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if n, err := a.errs(); n != 0 || a.queued() != 0 {
		t.Fatalf("%d refused (%v), %d still queued", n, err, a.queued())
	}
	res, err := c.List(ctx, podKind, store.ListOptions{Namespace: "burst"})
	if err != nil || len(res.Items) != 200 {
		t.Fatalf("%d pods (%v), want 200", len(res.Items), err)
	}
	p0, err := c.Get(ctx, podKind, "burst", "p-0")
	if err != nil || p0.GetObjectMeta().Labels["replaced"] != "yes" {
		t.Errorf("p-0 not replaced: %v %v", err, p0)
	}
}

// TestAsyncWriterSendsTheLatest: many updates of one object in a row end
// with the last one written, and none refused.
func TestAsyncWriterSendsTheLatest(t *testing.T) {
	c := startControlPlane(t, &scenarios.Scenario{})
	ctx := context.Background()
	pod, err := c.Create(ctx, podKind, "default", fixtures.MakePod().Name("w").Namespace("default").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := newLaneWriter(c, cache.NewSet(c), 4)
	for i := range 50 {
		p := pod.(*api.Pod).DeepCopy()
		p.Status.Message = fmt.Sprint(i)
		if _, err := w.Update(ctx, podKind, p, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	if n, err := w.Err(); n != 0 {
		t.Fatalf("%d refused: %v", n, err)
	}
	got, err := c.Get(ctx, podKind, "default", "w")
	if err != nil || got.(*api.Pod).Status.Message != "49" {
		t.Fatalf("status message %q (%v), want the last one written", got.(*api.Pod).Status.Message, err)
	}
	if sent := w.asyncWriter.done.Load(); sent > 50 {
		t.Errorf("%d writes sent for 50 updates", sent)
	}
}
