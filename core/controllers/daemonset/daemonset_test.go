package daemonset_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/daemonset"
	"github.com/kubetwin/kubetwin/core/registry"
)

var dsKey = controllers.Key{Namespace: "default", Name: "agent"}

func setup(t *testing.T, ds *api.DaemonSet, nodes ...*api.Node) (*controllertest.Env, *daemonset.Controller) {
	t.Helper()
	e := controllertest.New(t)
	c := daemonset.New(e.Reg, e.Caches, e.Clock)
	for _, n := range nodes {
		e.Create(daemonset.NodeKind, n)
	}
	e.Create(daemonset.DaemonSetKind, ds)
	return e, c
}

func getDS(t *testing.T, e *controllertest.Env) *api.DaemonSet {
	t.Helper()
	o, err := e.Get(daemonset.DaemonSetKind, "agent")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*api.DaemonSet).DeepCopy()
}

// podsByNode maps each live pod's target node to the pod.
func podsByNode(t *testing.T, e *controllertest.Env) map[string]*api.Pod {
	t.Helper()
	out := map[string]*api.Pod{}
	for _, o := range e.List(controllers.PodKind) {
		p := o.(*api.Pod).DeepCopy()
		n := pinnedNode(p)
		if _, dup := out[n]; dup {
			t.Fatalf("two pods for node %s", n)
		}
		out[n] = p
	}
	return out
}

// pinnedNode reads the node name a daemon pod's affinity requires.
func pinnedNode(p *api.Pod) string {
	terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Key != "metadata.name" {
		return ""
	}
	return terms[0].MatchFields[0].Values[0]
}

// readyAll marks every pod Running and Ready, as the nodes would.
func readyAll(e *controllertest.Env) {
	for _, o := range e.List(controllers.PodKind) {
		p := o.(*api.Pod).DeepCopy()
		if !controllers.IsPodReady(p) {
			e.UpdatePodStatus(controllertest.ReadyAt(p, e.Clock.Now(), "10.0.0.1"))
		}
	}
}

func ssdNode(name string) *fixtures.NodeWrapper {
	return fixtures.MakeNode().Name(name).Label("disk", "ssd")
}

func TestOnePodPerEligibleNode(t *testing.T) {
	ds := fixtures.MakeDaemonSet("agent")
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	e, c := setup(t, ds,
		ssdNode("n1").Unschedulable().Taint("node.kubernetes.io/unschedulable", "", api.TaintEffectNoSchedule).Obj(),
		ssdNode("n2").Taint("dedicated", "db", api.TaintEffectNoSchedule).Obj(),
		fixtures.MakeNode().Name("n3").Obj())
	e.Reconcile(c, dsKey)
	pods := podsByNode(t, e)
	p, ok := pods["n1"]
	if len(pods) != 1 || !ok {
		t.Fatalf("pods on %v, want only n1", keys(pods))
	}
	if ref := cache.ControllerOf(p); ref == nil || ref.Kind != "DaemonSet" || p.Labels[daemonset.RevisionHashLabel] == "" {
		t.Fatalf("pod owner %+v labels %v: not stamped", ref, p.Labels)
	}
	e.Reconcile(c, dsKey)
	st := getDS(t, e).Status
	if st.DesiredNumberScheduled != 1 || st.CurrentNumberScheduled != 1 || st.UpdatedNumberScheduled != 1 ||
		st.NumberReady != 0 || st.NumberUnavailable != 1 {
		t.Fatalf("status %+v", st)
	}
	readyAll(e)
	e.Reconcile(c, dsKey)
	if st := getDS(t, e).Status; st.NumberReady != 1 || st.NumberAvailable != 1 || st.NumberUnavailable != 0 {
		t.Fatalf("status %+v after ready, want 1 ready and available", st)
	}
}

func keys(m map[string]*api.Pod) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNodeAddedAndRelabelled(t *testing.T) {
	ds := fixtures.MakeDaemonSet("agent")
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	e, c := setup(t, ds, ssdNode("n1").Obj())
	e.Reconcile(c, dsKey)
	n2 := e.Create(daemonset.NodeKind, ssdNode("n2").Obj()).(*api.Node).DeepCopy()
	e.Reconcile(c, dsKey)
	if pods := podsByNode(t, e); len(pods) != 2 || pods["n2"] == nil {
		t.Fatalf("pods on %v after n2 joined, want n1 and n2", keys(pods))
	}
	delete(n2.Labels, "disk")
	if _, err := e.Reg.Update(e.Ctx, daemonset.NodeKind, n2, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Sync()
	if st, _ := c.Reconcile(e.Ctx, dsKey); st.RequeueAfter != 0 {
		t.Fatalf("unexpected requeue %v", st.RequeueAfter)
	}
	e.Reconcile(c, dsKey)
	if pods := podsByNode(t, e); len(pods) != 1 || pods["n1"] == nil {
		t.Fatalf("pods on %v after n2 lost its label, want only n1", keys(pods))
	}
}

func TestPodOfDeletedNodeIsDeleted(t *testing.T) {
	e, c := setup(t, fixtures.MakeDaemonSet("agent"), fixtures.MakeNode().Name("n1").Obj(), fixtures.MakeNode().Name("n2").Obj())
	e.Reconcile(c, dsKey)
	if _, _, err := e.Reg.Delete(e.Ctx, daemonset.NodeKind, "", "n2", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, dsKey)
	if pods := podsByNode(t, e); len(pods) != 1 || pods["n1"] == nil {
		t.Fatalf("pods on %v, want only n1", keys(pods))
	}
}

func TestRollingUpdateOneAtATime(t *testing.T) {
	e, c := setup(t, fixtures.MakeDaemonSet("agent"),
		fixtures.MakeNode().Name("n1").Obj(), fixtures.MakeNode().Name("n2").Obj(), fixtures.MakeNode().Name("n3").Obj())
	e.Reconcile(c, dsKey)
	readyAll(e)
	e.Reconcile(c, dsKey)
	ds := getDS(t, e)
	ds.Spec.Template.Spec.Containers[0].Image = "busybox:2"
	if _, err := e.Reg.Update(e.Ctx, daemonset.DaemonSetKind, ds, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	newHash := daemonset.TemplateHash(&getDS(t, e).Spec.Template)
	for round := 0; round < 20; round++ {
		e.Reconcile(c, dsKey)
		pods := podsByNode(t, e)
		ready, updated := 0, 0
		for _, p := range pods {
			if controllers.IsPodReady(p) {
				ready++
			}
			if p.Labels[daemonset.RevisionHashLabel] == newHash {
				updated++
			}
		}
		if ready < 2 {
			t.Fatalf("round %d: %d ready pods, maxUnavailable 1 allows no fewer than 2", round, ready)
		}
		if updated == 3 && ready == 3 {
			break
		}
		readyAll(e)
	}
	e.Reconcile(c, dsKey)
	st := getDS(t, e).Status
	if st.UpdatedNumberScheduled != 3 || st.NumberAvailable != 3 || st.ObservedGeneration != getDS(t, e).Generation {
		t.Fatalf("status %+v, want all 3 updated and available", st)
	}
}

func TestOnDeleteKeepsOldPods(t *testing.T) {
	ds := fixtures.MakeDaemonSet("agent")
	ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: api.OnDeleteDaemonSetStrategyType}
	e, c := setup(t, ds, fixtures.MakeNode().Name("n1").Obj())
	e.Reconcile(c, dsKey)
	readyAll(e)
	old := podsByNode(t, e)["n1"]
	cur := getDS(t, e)
	cur.Spec.Template.Spec.Containers[0].Image = "busybox:2"
	if _, err := e.Reg.Update(e.Ctx, daemonset.DaemonSetKind, cur, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, dsKey)
	e.Reconcile(c, dsKey)
	if p := podsByNode(t, e)["n1"]; p == nil || p.UID != old.UID {
		t.Fatalf("pod replaced under OnDelete")
	}
	if st := getDS(t, e).Status; st.UpdatedNumberScheduled != 0 || st.CurrentNumberScheduled != 1 {
		t.Fatalf("status %+v, want 1 scheduled, 0 updated", st)
	}
}

func TestDaemonTolerations(t *testing.T) {
	pod := fixtures.MakePod().Name("x").Obj()
	node := fixtures.MakeNode().Name("n").NotReady(api.ConditionFalse).
		Taint(api.TaintNodeNotReady, "", api.TaintEffectNoExecute).
		Taint("node.kubernetes.io/memory-pressure", "", api.TaintEffectNoSchedule).Obj()
	if daemonset.ShouldRun(pod, node) {
		t.Fatalf("a plain pod should not run on a not-ready, pressured node")
	}
	e, c := setup(t, fixtures.MakeDaemonSet("agent"), node)
	e.Reconcile(c, dsKey)
	if pods := podsByNode(t, e); pods["n"] == nil {
		t.Fatalf("daemon pod not created on a not-ready node: pods on %v", keys(pods))
	}
}

func TestNodeChangeQueuesEveryDaemonSet(t *testing.T) {
	e, c := setup(t, fixtures.MakeDaemonSet("agent"))
	other := fixtures.MakeDaemonSet("logs")
	other.Namespace = "kube-system"
	e.Create(namespaceKind(t), fixtures.MakeNamespace("kube-system"))
	e.Create(daemonset.DaemonSetKind, other)
	e.Sync()
	for _, w := range c.Descriptor(1).Watches {
		if w.Kind != daemonset.NodeKind {
			continue
		}
		keys := w.MapFunc(fixtures.MakeNode().Name("n9").Obj())
		if len(keys) != 2 || keys[0] != dsKey || keys[1].Namespace != "kube-system" {
			t.Fatalf("node maps to %v, want both DaemonSets", keys)
		}
		return
	}
	t.Fatalf("no node watch")
}

func namespaceKind(t *testing.T) *api.Kind {
	t.Helper()
	k, err := api.LookupKind(api.CoreV1, "Namespace")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
