package scheduler_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// gate is an out-of-tree plugin: it reserves every pod, refuses pods named
// in deny at Permit, and can give out-of-range scores.
type gate struct {
	mu         sync.Mutex
	deny       string
	badScore   bool
	reserved   []string
	unreserved []string
}

func (g *gate) Name() string { return "Gate" }
func (g *gate) Reserve(_ context.Context, _ *framework.CycleState, p *api.Pod, _ string) *framework.Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reserved = append(g.reserved, p.Name)
	return nil
}
func (g *gate) Unreserve(_ context.Context, _ *framework.CycleState, p *api.Pod, _ string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.unreserved = append(g.unreserved, p.Name)
}
func (g *gate) Permit(_ context.Context, _ *framework.CycleState, p *api.Pod, _ string) *framework.Status {
	if p.Name == g.deny {
		return framework.NewStatus(framework.Unschedulable, "denied by gate")
	}
	return nil
}
func (g *gate) Score(context.Context, *framework.CycleState, *api.Pod, *framework.NodeInfo) (int64, *framework.Status) {
	if g.badScore {
		return 101, nil
	}
	return 0, nil
}
func (g *gate) ScoreExtensions() framework.ScoreExtensions { return nil }

func withGate(t *testing.T, g *gate) *harness {
	t.Helper()
	h := &harness{clock: clock.NewManual(t0), binder: newFakeBinder()}
	reg := framework.Registry{"Gate": func(json.RawMessage, framework.Handle) (framework.Plugin, error) { return g, nil }}
	p := framework.Profile{Plugins: framework.Plugins{
		Reserve: framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Gate"}}},
		Permit:  framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Gate"}}},
		Score:   framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Gate", Weight: 1}}},
	}}
	s, err := scheduler.New(scheduler.Options{Clock: h.clock, Rand: h.sRand(), Binder: h.binder,
		Profiles: []framework.Profile{p}, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	threeNodes(h)
	return h
}

func TestPermitRejectionUnreserves(t *testing.T) {
	g := &gate{deny: "no"}
	h := withGate(t, g)
	h.s.AddPod(fixtures.MakePod().Name("no").Priority(1).CPU("1").Obj())
	h.s.AddPod(fixtures.MakePod().Name("yes").CPU("1").Obj())
	got := placements(h.drain(t))
	if !strings.Contains(got["no"], "denied by gate") || strings.HasPrefix(got["yes"], "<") {
		t.Fatalf("placements %v", got)
	}
	if strings.Join(g.reserved, ",") != "no,yes" || strings.Join(g.unreserved, ",") != "no" {
		t.Fatalf("reserved %v unreserved %v", g.reserved, g.unreserved)
	}
	if n := h.s.Queue.Len(); n.Unschedulable != 1 || h.s.Cache.PodCount() != 1 {
		t.Fatalf("queue %+v cache %d", n, h.s.Cache.PodCount())
	}
	g.deny = ""
	h.s.AddNode(fixtures.MakeNode().Name("n9").CPU("1").Obj())
	h.clock.Step(time.Second)
	if got := placements(h.drain(t)); strings.HasPrefix(got["no"], "<") || got["no"] == "" {
		t.Fatalf("retry %v", got)
	}
}

func TestOutOfRangeScoreIsAnError(t *testing.T) {
	h := withGate(t, &gate{badScore: true})
	h.s.AddPod(fixtures.MakePod().Name("p").CPU("1").Obj())
	rs := h.drain(t)
	if len(rs) != 1 || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "score 101 outside [0, 100]") ||
		rs[0].Diagnosis != nil {
		t.Fatalf("results %+v", rs)
	}
	if c := rs[0].Condition(t0); c.Reason != "SchedulerError" {
		t.Fatalf("condition %+v", c)
	}
	if h.s.Queue.Len().Backoff != 1 {
		t.Fatalf("errored pod should back off: %+v", h.s.Queue.Len())
	}
}
