package replicaset_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
	"github.com/kubetwin/kubetwin/core/registry"
)

var rsKey = controllers.Key{Namespace: "default", Name: "web"}

func setup(t testing.TB, replicas int32) (*controllertest.Env, *replicaset.Controller, *api.ReplicaSet) {
	e := controllertest.New(t)
	c := replicaset.New(e.Reg, e.Caches, e.Clock)
	rs := e.Create(controllers.ReplicaSetKind, fixtures.MakeReplicaSet("web").Replicas(replicas).Obj()).(*api.ReplicaSet)
	return e, c, rs
}

func pods(e *controllertest.Env) []*api.Pod {
	var out []*api.Pod
	for _, o := range e.List(controllers.PodKind) {
		out = append(out, o.(*api.Pod))
	}
	return out
}

func podNames(e *controllertest.Env) []string {
	var out []string
	for _, p := range pods(e) {
		out = append(out, p.Name)
	}
	return out
}

func getRS(t *testing.T, e *controllertest.Env) *api.ReplicaSet {
	t.Helper()
	o, err := e.Get(controllers.ReplicaSetKind, "web")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*api.ReplicaSet).DeepCopy() // stored objects are shared: never modify them
}

func setReplicas(t *testing.T, e *controllertest.Env, n int32) {
	t.Helper()
	rs := getRS(t, e)
	rs.Spec.Replicas = &n
	if _, err := e.Reg.Update(e.Ctx, controllers.ReplicaSetKind, rs, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestScaleUpCreatesOwnedPodsFromTemplate(t *testing.T) {
	e, c, rs := setup(t, 3)
	e.Reconcile(c, rsKey)
	ps := pods(e)
	if len(ps) != 3 {
		t.Fatalf("%d pods, want 3", len(ps))
	}
	for _, p := range ps {
		ref := cache.ControllerOf(p)
		if !strings.HasPrefix(p.Name, "web-") || p.Labels["app"] != "web" || ref == nil ||
			ref.UID != rs.UID || ref.Kind != "ReplicaSet" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
			t.Fatalf("pod %s labels %v owner %+v: not stamped from the template", p.Name, p.Labels, ref)
		}
	}
	e.Reconcile(c, rsKey)
	st := getRS(t, e).Status
	if st.Replicas != 3 || st.FullyLabeledReplicas != 3 || st.ObservedGeneration != rs.Generation {
		t.Fatalf("status %+v, want 3 replicas observed at generation %d", st, rs.Generation)
	}
}

func TestExpectationsPreventDoubleCreationWhileCacheLags(t *testing.T) {
	e, c, _ := setup(t, 3)
	e.Reconcile(c, rsKey)
	// The cache has not seen the three creates: a second reconcile must
	// wait for them rather than create three more. (Its status write from
	// the stale copy may conflict; that only requeues.)
	_, _ = c.Reconcile(e.Ctx, rsKey)
	if n := len(pods(e)); n != 3 {
		t.Fatalf("%d pods after a reconcile on a lagging cache, want 3", n)
	}
	if adds, _ := c.Expectations().Pending(rsKey); adds != 3 {
		t.Fatalf("pending creates %d, want 3", adds)
	}
	e.Reconcile(c, rsKey) // syncs: the creates are observed
	if adds, _ := c.Expectations().Pending(rsKey); adds != 0 || len(pods(e)) != 3 {
		t.Fatalf("pending creates %d, pods %d; want 0 and 3", adds, len(pods(e)))
	}
}

func TestExpectationsExpire(t *testing.T) {
	e, c, _ := setup(t, 2)
	e.Reconcile(c, rsKey)
	// Pretend the creates were lost: the cache never shows them. Before the
	// timeout nothing happens; after it the controller acts on what it sees.
	e.Clock.Step(controllers.ExpectationsTimeout)
	_, _ = c.Reconcile(e.Ctx, rsKey)
	if n := len(pods(e)); n != 2 {
		t.Fatalf("%d pods at the timeout, want 2", n)
	}
	e.Clock.Step(time.Second)
	_, _ = c.Reconcile(e.Ctx, rsKey)
	if n := len(pods(e)); n != 4 {
		t.Fatalf("%d pods after the timeout on a stale cache, want 4", n)
	}
}

func TestBurstBoundsOneReconcile(t *testing.T) {
	e, c, _ := setup(t, 7)
	c.Burst = 3
	e.Reconcile(c, rsKey)
	if n := len(pods(e)); n != 3 {
		t.Fatalf("%d pods after one reconcile, want the burst of 3", n)
	}
	e.Reconcile(c, rsKey)
	e.Reconcile(c, rsKey)
	if n := len(pods(e)); n != 7 {
		t.Fatalf("%d pods after three reconciles, want 7", n)
	}
}

// ownedPod builds a pod of the web ReplicaSet.
func ownedPod(rs *api.ReplicaSet, name string) *fixtures.PodWrapper {
	return fixtures.MakePod().Name(name).Label("app", "web").OwnedBy("ReplicaSet", "web", rs.UID)
}

func TestScaleDownDeletesInKubernetesOrder(t *testing.T) {
	e, c, rs := setup(t, 0)
	now := e.Clock.Now()
	restarted := ownedPod(rs, "running-restarted").Node("n1").Obj()
	controllertest.ReadyAt(restarted, now, "10.0.0.9").Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", RestartCount: 4}}
	ordered := []*api.Pod{
		ownedPod(rs, "unscheduled").Phase(api.PodPending).Obj(),
		ownedPod(rs, "pending").Node("n1").Phase(api.PodPending).Obj(),
		ownedPod(rs, "unknown").Node("n1").Phase(api.PodUnknown).Obj(),
		ownedPod(rs, "running-notready").Node("n1").Phase(api.PodRunning).Obj(),
		controllertest.ReadyAt(ownedPod(rs, "ready-recently").Node("n1").Obj(), now.Add(time.Hour), "10.0.0.2"),
		restarted,
		controllertest.ReadyAt(ownedPod(rs, "ready-newer").Node("n1").Obj(), now, "10.0.0.3"),
		controllertest.ReadyAt(ownedPod(rs, "ready-older").Node("n1").Obj(), now, "10.0.0.4"),
	}
	for i := len(ordered) - 1; i >= 0; i-- { // oldest last in the order: create it first
		e.CreatePod(ordered[i])
		e.Clock.Step(time.Second)
	}
	for want := len(ordered) - 1; want >= 0; want-- {
		setReplicas(t, e, int32(want))
		e.Reconcile(c, rsKey)
		left := podNames(e)
		if slices.Contains(left, ordered[len(ordered)-1-want].Name) || len(left) != want {
			t.Fatalf("scaled to %d: left %v; want %s deleted next", want, left, ordered[len(ordered)-1-want].Name)
		}
	}
}

func TestIgnoresTerminatingAndFinishedPods(t *testing.T) {
	e, c, rs := setup(t, 2)
	e.CreatePod(ownedPod(rs, "done").Phase(api.PodSucceeded).Obj())
	e.CreatePod(ownedPod(rs, "failed").Phase(api.PodFailed).Obj())
	e.CreatePod(ownedPod(rs, "live").Phase(api.PodRunning).Obj())
	e.Reconcile(c, rsKey)
	if n := len(pods(e)); n != 4 {
		t.Fatalf("%d pods, want 4 (3 + one new replica)", n)
	}
	e.Reconcile(c, rsKey)
	if st := getRS(t, e).Status; st.Replicas != 2 {
		t.Fatalf("status replicas %d, want 2 active", st.Replicas)
	}
}

func TestAdoptionAndRelease(t *testing.T) {
	e, c, rs := setup(t, 2)
	e.CreatePod(fixtures.MakePod().Name("orphan").Label("app", "web").Obj())
	e.CreatePod(fixtures.MakePod().Name("stranger").Label("app", "db").Obj())
	e.CreatePod(fixtures.MakePod().Name("other-owner").Label("app", "web").OwnedBy("ReplicaSet", "x", "uid-x").Obj())
	moved := e.CreatePod(ownedPod(rs, "relabelled").Obj()).DeepCopy()
	moved.Labels["app"] = "db"
	if _, err := e.Reg.Update(e.Ctx, controllers.PodKind, moved, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, rsKey)
	owner := func(name string) string {
		o, _ := e.Get(controllers.PodKind, name)
		if ref := cache.ControllerOf(o); ref != nil {
			return ref.UID
		}
		return ""
	}
	if owner("orphan") != rs.UID || owner("relabelled") != "" || owner("stranger") != "" || owner("other-owner") != "uid-x" {
		t.Fatalf("owners: orphan %q relabelled %q stranger %q other %q", owner("orphan"),
			owner("relabelled"), owner("stranger"), owner("other-owner"))
	}
	if n := len(pods(e)); n != 5 {
		t.Fatalf("%d pods, want 5: the adopted orphan counts, one more created", n)
	}
}

func TestStatusAvailableAfterMinReadySeconds(t *testing.T) {
	e, c, rs := setup(t, 2)
	rs = getRS(t, e)
	rs.Spec.MinReadySeconds = 10
	if _, err := e.Reg.Update(e.Ctx, controllers.ReplicaSetKind, rs, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	e.CreatePod(controllertest.ReadyAt(ownedPod(rs, "a").Obj(), now.Add(-20*time.Second), "10.0.0.1"))
	e.CreatePod(controllertest.ReadyAt(ownedPod(rs, "b").Obj(), now.Add(-4*time.Second), "10.0.0.2"))
	res := e.Reconcile(c, rsKey)
	st := getRS(t, e).Status
	if st.ReadyReplicas != 2 || st.AvailableReplicas != 1 || res.RequeueAfter != 6*time.Second {
		t.Fatalf("ready %d available %d requeue %v; want 2, 1, 6s", st.ReadyReplicas, st.AvailableReplicas, res.RequeueAfter)
	}
	e.Clock.Step(res.RequeueAfter)
	res = e.Reconcile(c, rsKey)
	if st := getRS(t, e).Status; st.AvailableReplicas != 2 || res.RequeueAfter != 0 {
		t.Fatalf("available %d requeue %v after the wait; want 2, 0", st.AvailableReplicas, res.RequeueAfter)
	}
}

// failingCreates makes pod creates fail while fail is set.
type failingCreates struct {
	*registry.Registry
	fail bool
}

func (f *failingCreates) Create(ctx context.Context, k *api.Kind, ns string, obj api.Object, o registry.CreateOptions) (api.Object, error) {
	if f.fail && k == controllers.PodKind {
		return nil, registry.NewForbidden(k, "", errors.New("quota exceeded"))
	}
	return f.Registry.Create(ctx, k, ns, obj, o)
}

func TestReplicaFailureCondition(t *testing.T) {
	e := controllertest.New(t)
	client := &failingCreates{Registry: e.Reg, fail: true}
	c := replicaset.New(client, e.Caches, e.Clock)
	e.Create(controllers.ReplicaSetKind, fixtures.MakeReplicaSet("web").Replicas(2).Obj())
	e.Sync()
	if _, err := c.Reconcile(e.Ctx, rsKey); err == nil {
		t.Fatalf("reconcile succeeded with failing creates")
	}
	conds := getRS(t, e).Status.Conditions
	if len(conds) != 1 || conds[0].Type != replicaset.ReplicaFailure || conds[0].Reason != replicaset.FailedCreate {
		t.Fatalf("conditions %+v, want ReplicaFailure/FailedCreate", conds)
	}
	if adds, _ := c.Expectations().Pending(rsKey); adds != 0 {
		t.Fatalf("failed creates left %d expectations", adds)
	}
	client.fail = false
	e.Reconcile(c, rsKey)
	e.Reconcile(c, rsKey)
	if rs := getRS(t, e); len(rs.Status.Conditions) != 0 || len(pods(e)) != 2 {
		t.Fatalf("conditions %+v pods %d after recovery", rs.Status.Conditions, len(pods(e)))
	}
}

func TestDeletedReplicaSetIsForgotten(t *testing.T) {
	e, c, _ := setup(t, 1)
	e.Reconcile(c, rsKey)
	if _, _, err := e.Reg.Delete(e.Ctx, controllers.ReplicaSetKind, "default", "web", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, rsKey)
	if adds, dels := c.Expectations().Pending(rsKey); adds != 0 || dels != 0 {
		t.Fatalf("expectations kept for a deleted ReplicaSet")
	}
}
