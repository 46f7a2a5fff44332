package nodelifecycle_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/nodelifecycle"
	"github.com/kubetwin/kubetwin/core/registry"
)

type fixture struct {
	*controllertest.Env
	c *nodelifecycle.Controller
}

// setup creates the nodes, each with a freshly renewed lease.
func setup(t *testing.T, nodes ...*api.Node) *fixture {
	t.Helper()
	e := controllertest.New(t)
	nsKind, _ := api.LookupKind(api.CoreV1, "Namespace")
	e.Create(nsKind, fixtures.MakeNamespace(api.NamespaceNodeLease))
	f := &fixture{Env: e, c: nodelifecycle.New(e.Reg, e.Caches, e.Clock)}
	for _, n := range nodes {
		e.Create(nodelifecycle.NodeKind, n)
		l := fixtures.MakeLease(n.Name, 40)
		l.Spec.RenewTime = new(api.NewMicroTime(e.Clock.Now()))
		e.Create(nodelifecycle.LeaseKind, l)
	}
	return f
}

// advance steps the clock and renews the named nodes' leases.
func (f *fixture) advance(d time.Duration, renew ...string) {
	f.T.Helper()
	f.Clock.Step(d)
	for _, name := range renew {
		o, err := f.Reg.Get(f.Ctx, nodelifecycle.LeaseKind, api.NamespaceNodeLease, name)
		if err != nil {
			f.T.Fatal(err)
		}
		l := o.(*api.Lease).DeepCopy()
		l.Spec.RenewTime = new(api.NewMicroTime(f.Clock.Now()))
		if _, err := f.Reg.Update(f.Ctx, nodelifecycle.LeaseKind, l, registry.UpdateOptions{}); err != nil {
			f.T.Fatal(err)
		}
	}
}

func (f *fixture) node(name string) *api.Node {
	f.T.Helper()
	o, err := f.Reg.Get(f.Ctx, nodelifecycle.NodeKind, "", name)
	if err != nil {
		f.T.Fatal(err)
	}
	return o.(*api.Node)
}

func (f *fixture) monitor() controllers.Result { return f.Reconcile(f.c, nodelifecycle.MonitorKey) }

// setReady marks a pod Ready, as its node agent would.
func (f *fixture) setReady(name string) {
	o, err := f.Get(controllers.PodKind, name)
	if err != nil {
		f.T.Fatal(err)
	}
	p := o.(*api.Pod).DeepCopy()
	p.Status.Conditions = append(p.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: api.ConditionTrue})
	f.UpdatePodStatus(p)
}

func (f *fixture) ready(name string) bool {
	o, err := f.Get(controllers.PodKind, name)
	if err != nil {
		f.T.Fatal(err)
	}
	c := controllers.PodReadyCondition(o.(*api.Pod))
	return c != nil && c.Status == api.ConditionTrue
}

func (f *fixture) pods() []string {
	var out []string
	for _, o := range f.List(controllers.PodKind) {
		out = append(out, o.GetObjectMeta().Name)
	}
	slices.Sort(out)
	return out
}

func taintKeys(n *api.Node) []string {
	var out []string
	for _, t := range n.Spec.Taints {
		out = append(out, t.Key+":"+string(t.Effect))
	}
	slices.Sort(out)
	return out
}

func readyOf(n *api.Node) api.NodeCondition {
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c
		}
	}
	return api.NodeCondition{}
}

func tolerating(name, node string, secs *int64) *api.Pod {
	p := fixtures.MakePod().Name(name).Node(node).Phase(api.PodRunning).Obj()
	p.Spec.Tolerations = []api.Toleration{{Key: api.TaintNodeUnreachable, Operator: api.TolerationOpExists,
		Effect: api.TaintEffectNoExecute, TolerationSeconds: secs}}
	return p
}

var unreachable = []string{api.TaintNodeUnreachable + ":NoExecute", api.TaintNodeUnreachable + ":NoSchedule"}

func TestLeaseExpiryTaintsAndEvicts(t *testing.T) {
	f := setup(t, fixtures.MakeNode().Name("n1").Zone("a").Obj(), fixtures.MakeNode().Name("n2").Zone("a").Obj())
	f.CreatePod(tolerating("now", "n1", new(int64(0))))
	f.CreatePod(fixtures.MakePod().Name("later").Node("n1").Phase(api.PodRunning).Obj()) // defaulted 300 s
	f.CreatePod(tolerating("never", "n1", nil))
	f.CreatePod(fixtures.MakePod().Name("other").Node("n2").Phase(api.PodRunning).Ready().Obj())
	f.CreatePod(tolerating("never-ready", "n1", nil))
	f.setReady("never")

	f.advance(41*time.Second, "n2")
	tainted := f.Clock.Now()
	if res := f.monitor(); res.RequeueAfter != nodelifecycle.DefaultMonitorPeriod {
		t.Fatalf("monitor requeue %v, want %v", res.RequeueAfter, nodelifecycle.DefaultMonitorPeriod)
	}
	n1 := f.node("n1")
	if r := readyOf(n1); r.Status != api.ConditionUnknown || r.Reason != nodelifecycle.ReasonNodeStatusUnknown ||
		r.Message != "Kubelet stopped posting node status." {
		t.Fatalf("n1 Ready %+v, want Unknown/NodeStatusUnknown", r)
	}
	if got := taintKeys(n1); !slices.Equal(got, unreachable) {
		t.Fatalf("n1 taints %v, want %v", got, unreachable)
	}
	for _, tt := range n1.Spec.Taints {
		if tt.Effect == api.TaintEffectNoExecute && !tt.TimeAdded.Equal(tainted) {
			t.Fatalf("NoExecute timeAdded %v, want %v", tt.TimeAdded, tainted)
		}
	}
	if got := taintKeys(f.node("n2")); len(got) != 0 {
		t.Fatalf("n2 taints %v, want none", got)
	}
	if got := f.pods(); !slices.Equal(got, []string{"later", "never", "never-ready", "other"}) {
		t.Fatalf("pods %v, want the untolerating one evicted", got)
	}
	if f.ready("never") || !f.ready("other") {
		t.Fatal("a pod of the unreachable node is still Ready, or one elsewhere was marked")
	}

	f.advance(299*time.Second, "n2")
	if res := f.Reconcile(f.c, controllers.Key{Name: "n1"}); res.RequeueAfter != time.Second {
		t.Fatalf("node requeue %v, want the 1 s left of the toleration", res.RequeueAfter)
	}
	f.advance(time.Second, "n2")
	f.Reconcile(f.c, controllers.Key{Name: "n1"})
	if got := f.pods(); !slices.Equal(got, []string{"never", "never-ready", "other"}) {
		t.Fatalf("pods %v after 300 s, want the 300 s one evicted too", got)
	}

	// The node comes back: fresh lease, kubelet posts Ready=True.
	f.advance(time.Second, "n1", "n2")
	back := f.node("n1").DeepCopy()
	back.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}
	if _, err := f.Reg.Update(f.Ctx, nodelifecycle.NodeKind, back, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
		t.Fatal(err)
	}
	f.Reconcile(f.c, controllers.Key{Name: "n1"})
	if got := taintKeys(f.node("n1")); len(got) != 0 {
		t.Fatalf("n1 taints %v after it came back, want none", got)
	}
}

func TestNotReadyNodeGetsNotReadyTaints(t *testing.T) {
	f := setup(t, fixtures.MakeNode().Name("n1").NotReady(api.ConditionFalse).Obj(), fixtures.MakeNode().Name("n2").Obj())
	f.monitor()
	want := []string{api.TaintNodeNotReady + ":NoExecute", api.TaintNodeNotReady + ":NoSchedule"}
	if got := taintKeys(f.node("n1")); !slices.Equal(got, want) {
		t.Fatalf("n1 taints %v, want %v", got, want)
	}
	if r := readyOf(f.node("n1")); r.Status != api.ConditionFalse {
		t.Fatalf("n1 Ready %s, want the kubelet's False kept", r.Status)
	}
}

func TestFullDisruptionMarksButDoesNotEvict(t *testing.T) {
	f := setup(t, fixtures.MakeNode().Name("n1").Zone("a").Obj(), fixtures.MakeNode().Name("n2").Zone("a").Obj())
	f.CreatePod(tolerating("p", "n1", new(int64(0))))
	f.advance(41 * time.Second)
	f.monitor()
	for _, name := range []string{"n1", "n2"} {
		n := f.node(name)
		if readyOf(n).Status != api.ConditionUnknown {
			t.Fatalf("%s Ready %s, want Unknown", name, readyOf(n).Status)
		}
		if got := taintKeys(n); !slices.Equal(got, []string{api.TaintNodeUnreachable + ":NoSchedule"}) {
			t.Fatalf("%s taints %v, want only NoSchedule", name, got)
		}
	}
	if got := f.pods(); !slices.Equal(got, []string{"p"}) {
		t.Fatalf("pods %v, want none evicted in full disruption", got)
	}
	if st := f.c.ZoneStates()["a"]; st != nodelifecycle.ZoneFullDisruption {
		t.Fatalf("zone a %s, want FullDisruption", st)
	}
}

func TestPartialDisruptionInSmallZoneStopsEviction(t *testing.T) {
	var nodes []*api.Node
	for _, n := range []string{"a1", "a2", "a3", "a4", "b1"} {
		nodes = append(nodes, fixtures.MakeNode().Name(n).Zone(n[:1]).Obj())
	}
	f := setup(t, nodes...)
	f.CreatePod(tolerating("p", "a1", new(int64(0))))
	f.advance(41*time.Second, "a4", "b1")
	f.monitor()
	if st := f.c.ZoneStates(); st["a"] != nodelifecycle.ZonePartialDisruption || st["b"] != nodelifecycle.ZoneNormal {
		t.Fatalf("zone states %v, want a partially disrupted, b normal", st)
	}
	for _, name := range []string{"a1", "a2", "a3"} {
		if got := taintKeys(f.node(name)); slices.Contains(got, api.TaintNodeUnreachable+":NoExecute") {
			t.Fatalf("%s taints %v, want no NoExecute in a small disrupted zone", name, got)
		}
	}
	if got := f.pods(); !slices.Equal(got, []string{"p"}) {
		t.Fatalf("pods %v, want none evicted", got)
	}
}

func TestNoExecuteTaintingIsRateLimitedPerZone(t *testing.T) {
	var nodes []*api.Node
	var healthy []string
	for i := range 10 {
		name := string(rune('a'+i)) + "-node"
		nodes = append(nodes, fixtures.MakeNode().Name(name).Zone("z").Obj())
		if i >= 2 {
			healthy = append(healthy, name)
		}
	}
	f := setup(t, nodes...)
	countExec := func() int {
		n := 0
		for _, name := range []string{"a-node", "b-node"} {
			if slices.Contains(taintKeys(f.node(name)), api.TaintNodeUnreachable+":NoExecute") {
				n++
			}
		}
		return n
	}
	f.advance(41*time.Second, healthy...)
	f.monitor()
	if got := countExec(); got != 1 {
		t.Fatalf("%d nodes tainted NoExecute at first, want 1", got)
	}
	f.advance(5*time.Second, healthy...)
	f.monitor()
	if got := countExec(); got != 1 {
		t.Fatalf("%d nodes tainted after 5 s, want still 1 at 0.1 nodes/s", got)
	}
	f.advance(5*time.Second, healthy...)
	f.monitor()
	if got := countExec(); got != 2 {
		t.Fatalf("%d nodes tainted after 10 s, want 2", got)
	}
}

func TestDescriptorMapsLeasesAndPodsToNodes(t *testing.T) {
	f := setup(t)
	d := f.c.Descriptor()
	got := map[string][]controllers.Key{}
	for _, w := range d.Watches {
		switch w.Kind {
		case nodelifecycle.LeaseKind:
			got["lease"] = w.MapFunc(fixtures.MakeLease("n1", 40))
		case controllers.PodKind:
			got["pod"] = w.MapFunc(fixtures.MakePod().Name("p").Node("n1").Obj())
		case nodelifecycle.NodeKind:
			got["node"] = w.MapFunc(fixtures.MakeNode().Name("n1").Obj())
		}
	}
	n1 := controllers.Key{Name: "n1"}
	if !slices.Equal(got["lease"], []controllers.Key{n1}) || !slices.Equal(got["pod"], []controllers.Key{n1}) ||
		!slices.Equal(got["node"], []controllers.Key{n1, nodelifecycle.MonitorKey}) {
		t.Fatalf("mapped keys %v", got)
	}
}
