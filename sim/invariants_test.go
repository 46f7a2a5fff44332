package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/scenarios"
)

// The checks catch what the scheduler and registry never do on their own:
// pods placed by hand beyond a node's room, a binding changed in the store
// directly, and a store that disagrees with its commits.
func TestInvariantsCatchViolations(t *testing.T) {
	ctx := context.Background()
	sc := &scenarios.Scenario{Name: "inv", Duration: time.Minute,
		Cluster: scenarios.Cluster{LeaseDuration: 40 * time.Second, NodeMonitorGracePeriod: 40 * time.Second}}
	w, err := newWorld(NewEngine(Epoch, 1), sc, Options{}, worldParts{})
	if err != nil {
		t.Fatal(err)
	}
	inv := newInvariants(w.eng, w.cp.Caches, true, false)
	w.observers = append(w.observers, inv.observe)
	must := func(_ api.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.reg.Create(ctx, namespaceKind, "", fixtures.MakeNamespace("default"), registry.CreateOptions{}))
	must(w.reg.Create(ctx, nodeKind, "", fixtures.MakeNode().Name("n").Capacity(api.ResourceCPU, "1").Capacity(api.ResourcePods, "10").Obj(), registry.CreateOptions{}))
	for _, name := range []string{"a", "b"} {
		must(w.reg.Create(ctx, podKind, "default", fixtures.MakePod().Name(name).Namespace("default").Node("n").CPU("600m").Obj(), registry.CreateOptions{}))
	}
	o, err := w.store.Get(ctx, podKind, "default", "a")
	if err != nil {
		t.Fatal(err)
	}
	moved := o.(*api.Pod).DeepCopy()
	moved.Spec.NodeName = "elsewhere"
	must(w.store.Update(ctx, moved))
	delete(inv.live, "Pod/default/b")
	if err := inv.checkStore(ctx, w.store); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range inv.violations {
		got = append(got, v.Invariant+": "+v.Message)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"node-within-allocatable: node n is over its allocatable cpu (1200m requested) after pod default/b was bound",
		"pod-bound-once: pod default/a bound to n and then to elsewhere",
		"no-object-lost: Pod/default/b is in the store",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("violations lack %q:\n%s", want, all)
		}
	}
}
