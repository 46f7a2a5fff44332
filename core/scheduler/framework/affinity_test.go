package framework_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

func TestAffinityTermsParsedOnce(t *testing.T) {
	p := fixtures.MakePod().Name("p").Namespace("ns").Label("app", "web").Label("rev", "2").
		PodAffinity("zone", "app", "web").PodAntiAffinity("host", "app", "web").Obj()
	p.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].MatchLabelKeys = []string{"rev", "absent"}
	p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].MismatchLabelKeys = []string{"rev"}
	pi := framework.NewPodInfo(p)
	if pi.AffinityErr != nil || len(pi.RequiredAffinityTerms) != 1 || len(pi.RequiredAntiAffinityTerms) != 1 || !pi.HasAffinity() {
		t.Fatalf("parsed %+v", pi)
	}
	aff, anti := pi.RequiredAffinityTerms[0], pi.RequiredAntiAffinityTerms[0]
	if !slices.Equal(aff.Namespaces, []string{"ns"}) || aff.NamespaceSelector != nil {
		t.Fatalf("default namespaces %v %v", aff.Namespaces, aff.NamespaceSelector)
	}
	same := fixtures.MakePod().Namespace("ns").Label("app", "web").Label("rev", "2").Obj()
	old := fixtures.MakePod().Namespace("ns").Label("app", "web").Label("rev", "1").Obj()
	other := fixtures.MakePod().Namespace("other").Label("app", "web").Label("rev", "2").Obj()
	checks := []struct {
		term *framework.AffinityTerm
		pod  *api.Pod
		want bool
	}{{&aff, same, true}, {&aff, old, false}, {&aff, other, false}, {&anti, same, false}, {&anti, old, true}}
	for i, c := range checks {
		if got := c.term.Matches(c.pod, nil); got != c.want {
			t.Errorf("check %d: %v, want %v", i, got, c.want)
		}
	}
	bad := fixtures.MakePod().PodAffinity("zone", "app", "web").Obj()
	bad.Spec.Affinity.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector.MatchExpressions =
		[]api.LabelSelectorRequirement{{Key: "k", Operator: "Bogus"}}
	if framework.NewPodInfo(bad).AffinityErr == nil {
		t.Fatal("bad operator parsed")
	}
}

func TestNodeInfoTracksAffinityPods(t *testing.T) {
	plain := fixtures.MakePod().Name("a").Obj()
	anti := fixtures.MakePod().Name("b").PodAntiAffinity("host", "app", "x").Obj()
	ni := framework.NewNodeInfo(fixtures.MakeNode().Name("n").Obj(), plain, anti)
	clone := ni.Clone()
	if len(ni.PodsWithAffinity) != 1 || len(ni.PodsWithRequiredAntiAffinity) != 1 {
		t.Fatalf("lists %d %d", len(ni.PodsWithAffinity), len(ni.PodsWithRequiredAntiAffinity))
	}
	ni.RemovePod(anti)
	if len(ni.PodsWithAffinity) != 0 || len(ni.PodsWithRequiredAntiAffinity) != 0 || len(clone.PodsWithAffinity) != 1 {
		t.Fatalf("after remove %d %d, clone %d", len(ni.PodsWithAffinity), len(ni.PodsWithRequiredAntiAffinity), len(clone.PodsWithAffinity))
	}
}

// capFilter admits a pod only while the node holds fewer than max pods.
type capFilter struct{ max int }

func (capFilter) Name() string { return "Cap" }
func (c capFilter) Filter(_ context.Context, _ *framework.CycleState, _ *api.Pod, n *framework.NodeInfo) *framework.Status {
	if len(n.Pods) >= c.max {
		return framework.NewStatus(framework.Unschedulable, "full")
	}
	return nil
}

func TestNominatedPodsOccupyTheirNode(t *testing.T) {
	reg := framework.Registry{
		"Cap": func(json.RawMessage, framework.Handle) (framework.Plugin, error) { return capFilter{max: 1}, nil },
		"Sort": func(json.RawMessage, framework.Handle) (framework.Plugin, error) {
			return &fake{name: "Sort", log: new([]string)}, nil
		},
	}
	p := framework.Profile{Plugins: framework.Plugins{
		QueueSort: framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Sort"}}},
		Filter:    framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Cap"}}},
		Bind:      framework.PluginSet{Enabled: []framework.PluginRef{{Name: "Sort"}}},
	}}
	fwk, err := framework.NewFramework(p, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nom := framework.NewNominator()
	fwk.SetNominator(nom)
	node := framework.NewNodeInfo(fixtures.MakeNode().Name("n1").Obj())
	high := fixtures.MakePod().Name("high").Priority(10).Obj()
	nom.Add(high, "n1")
	ctx := context.Background()
	run := func(prio int32) *framework.Status {
		return fwk.RunFilterPluginsWithNominatedPods(ctx, framework.NewCycleState(), fixtures.MakePod().Name("x").Priority(prio).Obj(), node)
	}
	if st := run(5); st.IsSuccess() {
		t.Fatal("lower-priority pod took a nominated node")
	}
	if st := run(20); !st.IsSuccess() {
		t.Fatalf("higher-priority pod blocked: %v", st)
	}
	if st := fwk.RunFilterPluginsWithNominatedPods(ctx, framework.NewCycleState(), high, node); !st.IsSuccess() {
		t.Fatalf("the nominated pod blocked by itself: %v", st)
	}
	if nom.NominatedNode(high) != "n1" {
		t.Fatal("nomination lost")
	}
	nom.Delete(high)
	if st := run(5); !st.IsSuccess() || len(nom.NominatedPodsForNode("n1")) != 0 {
		t.Fatalf("after delete: %v", st)
	}
}
