package nodelifecycle_test

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
	"github.com/kubetwin/kubetwin/core/registry"
)

// TestLostNodesPodsAreReplacedWhenTolerationsEnd runs the node lifecycle
// and ReplicaSet controllers together every 5 s: the pods of a node that
// stops renewing its lease keep running under the default 300 s
// toleration of node.kubernetes.io/unreachable, and are replaced exactly
// when it runs out, counted from the taint.
func TestLostNodesPodsAreReplacedWhenTolerationsEnd(t *testing.T) {
	f := setup(t, fixtures.MakeNode().Name("n1").Zone("a").Obj(), fixtures.MakeNode().Name("n2").Zone("a").Obj())
	rc := replicaset.New(f.Reg, f.Caches, f.Clock)
	rsKey := controllers.Key{Namespace: "default", Name: "web"}
	f.Create(controllers.ReplicaSetKind, fixtures.MakeReplicaSet("web").Replicas(2).Obj())
	f.Reconcile(rc, rsKey)
	original := map[string]bool{}
	for _, o := range f.List(controllers.PodKind) {
		p := o.(*api.Pod)
		original[p.Name] = true
		bindRunning(t, f, p.Name, "n1")
	}

	const tick = 5 * time.Second
	var tainted, replaced time.Time
	for range 100 {
		f.advance(tick, "n2")
		f.monitor()
		f.Reconcile(f.c, controllers.Key{Name: "n1"})
		f.Reconcile(rc, rsKey)
		if tainted.IsZero() {
			tainted = noExecuteSince(f.node("n1"))
		}
		if replacement(f, original) {
			replaced = f.Clock.Now()
			break
		}
	}
	if tainted.IsZero() || replaced.IsZero() {
		t.Fatalf("tainted at %v, replaced at %v: want both", tainted, replaced)
	}
	if lag := tainted.Sub(start(f)); lag <= 40*time.Second || lag > 40*time.Second+tick {
		t.Errorf("tainted %v after the last renewal, want within one tick after the 40 s grace", lag)
	}
	if wait := replaced.Sub(tainted); wait < 300*time.Second || wait >= 300*time.Second+tick {
		t.Errorf("replaced %v after the taint, want at the first tick after 300 s", wait)
	}
}

func start(f *fixture) time.Time {
	return f.node("n1").CreationTimestamp.Time
}

// bindRunning binds the pod to node and reports it Running, as the
// scheduler and the node's agent would.
func bindRunning(t *testing.T, f *fixture, name, node string) {
	t.Helper()
	err := f.Reg.Bind(f.Ctx, "default", name, &registry.Binding{Target: registry.ObjectReference{Kind: "Node", Name: node}}, false)
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.Get(controllers.PodKind, name)
	if err != nil {
		t.Fatal(err)
	}
	p := o.(*api.Pod).DeepCopy()
	p.Status.Phase = api.PodRunning
	f.UpdatePodStatus(p)
}

func noExecuteSince(n *api.Node) time.Time {
	for _, t := range n.Spec.Taints {
		if t.Key == api.TaintNodeUnreachable && t.Effect == api.TaintEffectNoExecute && t.TimeAdded != nil {
			return t.TimeAdded.Time
		}
	}
	return time.Time{}
}

// replacement reports whether the ReplicaSet has created a pod beyond the originals.
func replacement(f *fixture, original map[string]bool) bool {
	for _, o := range f.List(controllers.PodKind) {
		if !original[o.GetObjectMeta().Name] {
			return true
		}
	}
	return false
}
