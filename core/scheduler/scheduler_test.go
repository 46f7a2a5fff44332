package scheduler_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

func threeNodes(h *harness) {
	h.s.AddNode(fixtures.MakeNode().Name("n1").CPU("4").Memory("8Gi").Zone("a").Obj())
	h.s.AddNode(fixtures.MakeNode().Name("n2").CPU("8").Memory("16Gi").Zone("b").Obj())
	h.s.AddNode(fixtures.MakeNode().Name("n3").CPU("4").Memory("8Gi").Zone("a").
		Capacity("nvidia.com/gpu", "2").Taint("dedicated", "gpu", api.TaintEffectNoSchedule).Obj())
}

func TestEndToEndPlacements(t *testing.T) {
	h := newHarness(t, 1)
	threeNodes(h)
	pods := []*api.Pod{
		fixtures.MakePod().Name("big").Priority(100).CPU("6").Obj(),
		fixtures.MakePod().Name("gpu").Priority(90).Request("nvidia.com/gpu", "1").
			Toleration("dedicated", "gpu", api.TaintEffectNoSchedule).Obj(),
		fixtures.MakePod().Name("zone-b").Priority(80).CPU("1").NodeSelector("topology.kubernetes.io/zone", "b").Obj(),
		fixtures.MakePod().Name("small").Priority(70).CPU("1").Memory("1Gi").Obj(),
		fixtures.MakePod().Name("huge").Priority(60).CPU("5").Obj(),
	}
	for _, p := range pods {
		if err := h.s.AddPod(p); err != nil {
			t.Fatal(err)
		}
	}
	results := h.drain(t)
	got := placements(results)
	want := map[string]string{"big": "n2", "gpu": "n3", "zone-b": "n2", "small": "n1",
		"huge": "<0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. " +
			"preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.>"}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s placed %q, want %q", name, got[name], w)
		}
	}
	huge := results[len(results)-1]
	var fitErr *scheduler.FitError
	if !errors.As(huge.Err, &fitErr) || strings.Join(huge.Diagnosis.UnschedulablePlugins, ",") != "NodeResourcesFit,TaintToleration" {
		t.Fatalf("huge diagnosis %+v", huge.Diagnosis)
	}
	cond := huge.Condition(t0)
	if cond.Status != api.ConditionFalse || cond.Reason != "Unschedulable" || !strings.HasPrefix(cond.Message, "0/3 nodes") {
		t.Fatalf("condition %+v", cond)
	}
	if h.binder.bound["small"] != "n1" || h.s.Cache.IsAssumed(pods[3]) {
		t.Fatalf("binder/cache state wrong: %v", h.binder.bound)
	}
	// A new big node gives the unschedulable pod another chance after its
	// backoff (strict here; the idle early retry has its own test).
	h.s.Queue.SetStrictBackoff(true)
	h.s.AddNode(fixtures.MakeNode().Name("n4").CPU("16").Memory("32Gi").Obj())
	if rs := h.drain(t); len(rs) != 0 {
		t.Fatalf("scheduled during backoff: %v", placements(rs))
	}
	h.clock.Step(time.Second)
	if got := placements(h.drain(t)); got["huge"] != "n4" {
		t.Fatalf("after node add: %v", got)
	}
}

// TestIdleSchedulerRetriesRejectedPodsEarly: with nothing else to do, a
// pod that a cluster event moved to backoff is tried at once; a pod whose
// attempt hit an error still waits out its backoff.
func TestIdleSchedulerRetriesRejectedPodsEarly(t *testing.T) {
	h := newHarness(t, 1)
	threeNodes(h)
	huge := fixtures.MakePod().Name("huge").CPU("12").Obj()
	if err := h.s.AddPod(huge); err != nil {
		t.Fatal(err)
	}
	if got := placements(h.drain(t)); !strings.HasPrefix(got["huge"], "<0/3 nodes") {
		t.Fatalf("huge on three small nodes: %v", got)
	}
	h.s.AddNode(fixtures.MakeNode().Name("n4").CPU("16").Memory("32Gi").Obj())
	if got := placements(h.drain(t)); got["huge"] != "n4" {
		t.Fatalf("idle scheduler did not retry the moved pod at once: %v", got)
	}
	h.binder.failures["p"] = 1
	if err := h.s.AddPod(fixtures.MakePod().Name("p").CPU("1").Obj()); err != nil {
		t.Fatal(err)
	}
	if rs := h.drain(t); len(rs) != 1 || rs[0].Err == nil {
		t.Fatalf("bind failure: %+v", rs)
	}
	if rs := h.drain(t); len(rs) != 0 {
		t.Fatalf("a pod that hit an error was retried during its backoff: %v", placements(rs))
	}
}

func TestBindFailureForgetsAndRetries(t *testing.T) {
	h := newHarness(t, 1)
	threeNodes(h)
	h.binder.failures["p"] = 1
	p := fixtures.MakePod().Name("p").CPU("1").Obj()
	if err := h.s.AddPod(p); err != nil {
		t.Fatal(err)
	}
	rs := h.drain(t)
	if len(rs) != 1 || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "apiserver unavailable") {
		t.Fatalf("results %v", placements(rs))
	}
	if h.s.Cache.PodCount() != 0 || h.s.Queue.Len().Backoff != 1 {
		t.Fatalf("after bind failure: cache %d queue %+v", h.s.Cache.PodCount(), h.s.Queue.Len())
	}
	h.clock.Step(time.Second)
	rs = h.drain(t)
	if len(rs) != 1 || rs[0].Err != nil || rs[0].Attempts != 2 {
		t.Fatalf("retry %+v", rs)
	}
	if c := rs[0].Condition(t0); c.Status != api.ConditionTrue {
		t.Fatalf("condition %+v", c)
	}
}

func TestNoNodesAndUnknownProfile(t *testing.T) {
	h := newHarness(t, 1)
	if err := h.s.AddPod(fixtures.MakePod().Name("p").Obj()); err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddPod(fixtures.MakePod().Name("other").SchedulerName("someone-else").Obj()); err != nil {
		t.Fatal(err)
	}
	rs := h.drain(t)
	if len(rs) != 1 || rs[0].Err == nil || rs[0].Err.Error() != scheduler.NoNodesMessage {
		t.Fatalf("results %v", placements(rs))
	}
	qp := &framework.QueuedPodInfo{Pod: fixtures.MakePod().Name("x").SchedulerName("nope").Obj()}
	if _, res := h.s.SchedulingCycle(context.Background(), qp); !errors.Is(res.Err, scheduler.ErrUnknownProfile) {
		t.Fatalf("unknown profile: %v", res.Err)
	}
}

func TestProfilesFromYAML(t *testing.T) {
	cfg, err := framework.ParseConfig([]byte(`
profiles:
- schedulerName: default-scheduler
- schedulerName: packer
  plugins:
    score:
      disabled: [{name: NodeResourcesBalancedAllocation}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
`))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, 1, cfg.Profiles...)
	h.s.AddNode(fixtures.MakeNode().Name("a").CPU("4").Memory("8Gi").Obj())
	h.s.AddNode(fixtures.MakeNode().Name("b").CPU("4").Memory("8Gi").Obj())
	h.s.AddPod(fixtures.MakePod().Name("first").Priority(10).CPU("1").Memory("1Gi").Node("").Obj())
	h.drain(t)
	first := h.binder.bound["first"]
	// The packer puts the next pod beside the first; the default spreads away from it.
	h.s.AddPod(fixtures.MakePod().Name("packed").Priority(5).SchedulerName("packer").CPU("1").Memory("1Gi").Obj())
	h.s.AddPod(fixtures.MakePod().Name("spread").Priority(1).CPU("1").Memory("1Gi").Obj())
	got := placements(h.drain(t))
	if got["packed"] != first || got["spread"] == first {
		t.Fatalf("first on %s, got %v", first, got)
	}
	if _, err := scheduler.New(scheduler.Options{Clock: h.clock, Rand: nil}); err == nil {
		t.Fatalf("missing Rand should be refused")
	}
	bad := framework.Profile{Plugins: framework.Plugins{Score: framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Missing"}}}}}
	if _, err := scheduler.New(scheduler.Options{Clock: h.clock, Rand: h.sRand(), Profiles: []framework.Profile{bad}}); err == nil ||
		!strings.Contains(err.Error(), `unknown plugin "Missing"`) {
		t.Fatalf("bad profile: %v", err)
	}
}

func TestRunBindsInGoroutines(t *testing.T) {
	h := newHarness(t, 1)
	threeNodes(h)
	for _, n := range []string{"a", "b", "c"} {
		h.s.AddPod(fixtures.MakePod().Name(n).CPU("100m").Obj())
	}
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan scheduler.Result, 3)
	done := make(chan struct{})
	go func() { h.s.Run(ctx, func(r scheduler.Result) { results <- r }); close(done) }()
	for range 3 {
		if r := <-results; r.Err != nil {
			t.Errorf("%s: %v", r.Pod.Name, r.Err)
		}
	}
	cancel()
	<-done
}

// TestTieBreakByNodeName: on identical nodes every pod scores the same
// everywhere; the default profile spreads them by its seeded draw, and a
// profile with tieBreak nodeName always takes the smallest name that
// still fits.
func TestTieBreakByNodeName(t *testing.T) {
	byName := framework.Profile{SchedulerName: "by-name", TieBreak: framework.TieBreakNodeName,
		Plugins: framework.Plugins{Score: framework.PluginSet{Disabled: []framework.PluginRef{{Name: "*"}}}}}
	h := newHarness(t, 1, byName)
	for _, n := range []string{"n3", "n1", "n2"} {
		h.s.AddNode(fixtures.MakeNode().Name(n).CPU("2").Memory("8Gi").Obj())
	}
	for _, name := range []string{"a", "b", "c"} {
		if err := h.s.AddPod(fixtures.MakePod().Name(name).SchedulerName("by-name").CPU("1").Obj()); err != nil {
			t.Fatal(err)
		}
	}
	got := placements(h.drain(t))
	if got["a"] != "n1" || got["b"] != "n1" || got["c"] != "n2" {
		t.Errorf("by name: %v, want a and b on n1, c on n2", got)
	}
}
