package cache_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/cache"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

func node(name string) *api.Node {
	return fixtures.MakeNode().Name(name).CPU("4").Memory("8Gi").Obj()
}

func requested(t *testing.T, s *cache.Snapshot, name string) int64 {
	t.Helper()
	ni, err := s.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return ni.Requested.MilliCPU
}

func TestAssumeConfirmForget(t *testing.T) {
	c := cache.New()
	c.AddNode(node("n1"))
	c.AddNode(node("n2"))
	s := cache.NewSnapshot()
	p := fixtures.MakePod().Name("p").UID("u1").CPU("1").Node("n1").Obj()
	if err := c.AssumePod(p); err != nil {
		t.Fatal(err)
	}
	if err := c.AssumePod(p); !errors.Is(err, cache.ErrAlreadyKnown) {
		t.Fatalf("second assume: %v", err)
	}
	c.UpdateSnapshot(s)
	if requested(t, s, "n1") != 1000 || !c.IsAssumed(p) {
		t.Fatalf("assumed pod not accounted")
	}
	if err := c.FinishBinding(p); err != nil {
		t.Fatal(err)
	}
	// The bind landed on n2 (e.g. another binder): confirming moves it.
	bound := p.DeepCopy()
	bound.Spec.NodeName = "n2"
	if err := c.AddPod(bound); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	if requested(t, s, "n1") != 0 || requested(t, s, "n2") != 1000 || c.IsAssumed(bound) {
		t.Fatalf("confirm did not move the pod")
	}
	if err := c.ForgetPod(bound); !errors.Is(err, cache.ErrNotAssumed) {
		t.Fatalf("forgetting a confirmed pod: %v", err)
	}
	q := fixtures.MakePod().Name("q").UID("u2").CPU("2").Node("n1").Obj()
	if err := c.AssumePod(q); err != nil {
		t.Fatal(err)
	}
	if err := c.ForgetPod(q); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	if requested(t, s, "n1") != 0 || c.PodCount() != 1 {
		t.Fatalf("forget left accounting behind")
	}
}

func TestSnapshotCopiesOnlyChangedNodes(t *testing.T) {
	c := cache.New()
	for _, n := range []string{"c", "a", "b"} {
		c.AddNode(node(n))
	}
	s := cache.NewSnapshot()
	c.UpdateSnapshot(s)
	names := func() (out []string) {
		for _, ni := range s.List() {
			out = append(out, ni.Name())
		}
		return out
	}
	if got := names(); len(got) != 3 || got[0] != "a" || got[1] != "b" || got[2] != "c" {
		t.Fatalf("order %v", got)
	}
	before := map[string]*framework.NodeInfo{}
	for _, ni := range s.List() {
		before[ni.Name()] = ni
	}
	if err := c.AddPod(fixtures.MakePod().Name("p").CPU("1").Node("b").Obj()); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	for _, ni := range s.List() {
		changed := before[ni.Name()] != ni
		if changed != (ni.Name() == "b") {
			t.Fatalf("node %s copied=%v", ni.Name(), changed)
		}
	}
	if before["b"].Requested.MilliCPU != 0 {
		t.Fatalf("old snapshot entry was mutated")
	}
	if err := c.RemoveNode(node("a")); err != nil {
		t.Fatal(err)
	}
	c.AddNode(node("d"))
	c.UpdateSnapshot(s)
	if got := names(); len(got) != 3 || got[0] != "b" || got[2] != "d" {
		t.Fatalf("after remove/add: %v", got)
	}
	if _, err := s.Get("a"); !errors.Is(err, framework.ErrNotFound) {
		t.Fatalf("removed node still in snapshot: %v", err)
	}
}

func TestPodsBeforeNodeAndNodeRemovalWithPods(t *testing.T) {
	c := cache.New()
	p := fixtures.MakePod().Name("p").CPU("1").Node("late").Obj()
	if err := c.AddPod(p); err != nil {
		t.Fatal(err)
	}
	s := cache.NewSnapshot()
	c.UpdateSnapshot(s)
	if len(s.List()) != 0 {
		t.Fatalf("a node info without a node must not be offered")
	}
	c.AddNode(node("late"))
	c.UpdateSnapshot(s)
	if requested(t, s, "late") != 1000 {
		t.Fatalf("pod added before its node was lost")
	}
	if err := c.RemoveNode(node("late")); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	if len(s.List()) != 0 {
		t.Fatalf("removed node still listed")
	}
	if err := c.RemovePod(p); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveNode(node("late")); err == nil {
		t.Fatalf("removing an unknown node should fail")
	}
	upd := fixtures.MakePod().Name("x").CPU("1").Node("n").Obj()
	if err := c.UpdatePod(upd, upd); err == nil {
		t.Fatalf("updating an unknown pod should fail")
	}
}

func TestUpdatePodChangesRequests(t *testing.T) {
	c := cache.New()
	c.AddNode(node("n"))
	old := fixtures.MakePod().Name("p").CPU("1").Node("n").Obj()
	if err := c.AddPod(old); err != nil {
		t.Fatal(err)
	}
	upd := fixtures.MakePod().Name("p").CPU("3").Node("n").Obj()
	if err := c.UpdatePod(old, upd); err != nil {
		t.Fatal(err)
	}
	s := cache.NewSnapshot()
	c.UpdateSnapshot(s)
	if requested(t, s, "n") != 3000 {
		t.Fatalf("update not applied")
	}
	if err := c.AddPod(upd); !errors.Is(err, cache.ErrAlreadyKnown) {
		t.Fatalf("double add: %v", err)
	}
}

// TestSnapshotAffinitySublists checks, over a seeded random history of
// node and pod changes, that the snapshot's affinity sublists are exactly
// the nodes of its list that have such pods, in list order.
func TestSnapshotAffinitySublists(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	c, s := cache.New(), cache.NewSnapshot()
	var pods []*api.Pod
	for step := range 600 {
		name := fmt.Sprintf("n%02d", rng.IntN(20))
		switch op := rng.IntN(10); {
		case op == 0:
			if err := c.RemoveNode(node(name)); err != nil && !errors.Is(err, cache.ErrUnknownNode) {
				t.Fatalf("step %d: remove node: %v", step, err)
			}
		case op < 3:
			c.AddNode(node(name))
		case op < 8:
			p := fixtures.MakePod().Name(fmt.Sprintf("p%d", step)).UID(fmt.Sprintf("u%d", step)).Node(name)
			switch rng.IntN(3) {
			case 0:
				p.PodAffinity(hostLabel, "app", "a")
			case 1:
				p.PodAntiAffinity(hostLabel, "app", "a")
			}
			if err := c.AddPod(p.Obj()); err != nil {
				t.Fatalf("step %d: add pod: %v", step, err)
			}
			pods = append(pods, p.Obj())
		case len(pods) > 0:
			i := rng.IntN(len(pods))
			if err := c.RemovePod(pods[i]); err != nil {
				t.Fatalf("step %d: remove pod: %v", step, err)
			}
			pods = slices.Delete(pods, i, i+1)
		}
		c.UpdateSnapshot(s)
		want := framework.NodeList(s.List())
		if got, w := names(s.HavePodsWithAffinityList()), names(want.HavePodsWithAffinityList()); !slices.Equal(got, w) {
			t.Fatalf("step %d: with affinity %v, want %v", step, got, w)
		}
		if got, w := names(s.HavePodsWithRequiredAntiAffinityList()), names(want.HavePodsWithRequiredAntiAffinityList()); !slices.Equal(got, w) {
			t.Fatalf("step %d: with anti-affinity %v, want %v", step, got, w)
		}
		for _, ni := range s.HavePodsWithAffinityList() {
			if cur, _ := s.Get(ni.Name()); cur != ni {
				t.Fatalf("step %d: sublist holds a stale info of %s", step, ni.Name())
			}
		}
	}
}

const hostLabel = "kubernetes.io/hostname"

func names(infos []*framework.NodeInfo) []string {
	out := make([]string, len(infos))
	for i, ni := range infos {
		out[i] = ni.Name()
	}
	return out
}

// TestChangesSince: the change log lists replaced infos oldest first with
// their previous versions, forgets what is older than its window, and
// cannot answer across a change of the node set.
func TestChangesSince(t *testing.T) {
	c, s := cache.New(), cache.NewSnapshot()
	c.AddNode(node("n1"))
	c.AddNode(node("n2"))
	c.UpdateSnapshot(s)
	start := s.Generation()
	if ch, ok := s.ChangesSince(start); !ok || len(ch) != 0 {
		t.Fatalf("fresh snapshot: %v, %v", ch, ok)
	}
	before, _ := s.Get("n1")
	p := fixtures.MakePod().Name("p").UID("u").CPU("1").Node("n1").Obj()
	if err := c.AddPod(p); err != nil {
		t.Fatal(err)
	}
	c.UpdateSnapshot(s)
	after, _ := s.Get("n1")
	ch, ok := s.ChangesSince(start)
	if !ok || len(ch) != 1 || ch[0].Old != before || ch[0].New != after {
		t.Fatalf("one pod added: %v, %v", ch, ok)
	}
	if ch, ok := s.ChangesSince(s.Generation()); !ok || len(ch) != 0 {
		t.Fatalf("nothing since now: %v, %v", ch, ok)
	}
	for i := range 3000 {
		q := fixtures.MakePod().Name(fmt.Sprintf("q%d", i)).UID(fmt.Sprintf("q%d", i)).Node("n2").Obj()
		if err := c.AddPod(q); err != nil {
			t.Fatal(err)
		}
		c.UpdateSnapshot(s)
	}
	if _, ok := s.ChangesSince(start); ok {
		t.Fatal("a generation older than the log's window must not be answered")
	}
	recent := s.Generation()
	c.AddNode(node("n3"))
	c.UpdateSnapshot(s)
	if _, ok := s.ChangesSince(recent); ok {
		t.Fatal("changes across a new node must not be answered")
	}
}
