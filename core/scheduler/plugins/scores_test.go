package plugins_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

func TestFitScoreStrategies(t *testing.T) {
	node := stdNode().Capacity("nvidia.com/gpu", "4").Obj()
	empty := framework.NewNodeInfo(node)
	half := framework.NewNodeInfo(node, fixtures.MakePod().Name("b").CPU("2").Memory("4Gi").Obj())
	pod := fixtures.MakePod().Name("p").CPU("1").Memory("2Gi").Obj()
	tests := []struct {
		name string
		args string
		pod  *api.Pod
		want []int64 // on empty, half
	}{
		// cpu (4000-1000)/4000 = 75, memory (8-2)/8 = 75.
		{"least allocated", "", pod, []int64{75, 25}},
		{"most allocated", `{"scoringStrategy":{"type":"MostAllocated"}}`, pod, []int64{25, 75}},
		// A pod without requests counts as 100m / 200Mi: cpu 3900/4000 = 97, memory 7992Mi/8192Mi = 97.
		{"least allocated empty pod", "", fixtures.MakePod().Name("e").Obj(), []int64{97, 47}},
		// cpu 75 weight 3, memory (8-4)/8 = 50 weight 1: (225+50)/4 = 68.
		{"weights", `{"scoringStrategy":{"resources":[{"name":"cpu","weight":3},{"name":"memory","weight":1}]}}`,
			fixtures.MakePod().Name("w").CPU("1").Memory("4Gi").Obj(), []int64{68, 18}},
		{"extended resource", `{"scoringStrategy":{"resources":[{"name":"cpu"},{"name":"nvidia.com/gpu"}]}}`,
			fixtures.MakePod().Name("g").CPU("1").Request("nvidia.com/gpu", "3").Obj(), []int64{50, 25}},
		{"extended not requested is ignored", `{"scoringStrategy":{"resources":[{"name":"cpu"},{"name":"nvidia.com/gpu"}]}}`,
			pod, []int64{75, 25}},
		{"ratio packing", `{"scoringStrategy":{"type":"RequestedToCapacityRatio",
			"requestedToCapacityRatio":{"shape":[{"utilization":0,"score":0},{"utilization":100,"score":10}]}}}`,
			pod, []int64{25, 75}},
		{"ratio spreading", `{"scoringStrategy":{"type":"RequestedToCapacityRatio",
			"requestedToCapacityRatio":{"shape":[{"utilization":0,"score":10},{"utilization":100,"score":0}]}}}`,
			pod, []int64{75, 25}},
		// Utilisation 25% on a curve 0→0, 50→10: 5 of 10 → 50; 75% is past the last point → 100.
		{"ratio steep", `{"scoringStrategy":{"type":"RequestedToCapacityRatio",
			"requestedToCapacityRatio":{"shape":[{"utilization":0,"score":0},{"utilization":50,"score":10}]}}}`,
			pod, []int64{50, 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := build(t, plugins.NodeResourcesFitName, tc.args)
			if got := scores(t, pl, tc.pod, empty, half); !slices.Equal(got, tc.want) {
				t.Fatalf("scores %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFitArgsErrors(t *testing.T) {
	tests := map[string]string{
		`{"scoringStrategy":{"type":"Bogus"}}`:                            "unknown scoring strategy",
		`{"scoringStrategy":{"type":"RequestedToCapacityRatio"}}`:         "needs requestedToCapacityRatio",
		`{"scoringStrategy":{"resources":[{"name":"cpu","weight":101}]}}`: "weight 101",
		`{"scoringStrategy":{"typo":1}}`:                                  `unknown field "typo"`,
		`{"scoringStrategy":{"type":"RequestedToCapacityRatio","requestedToCapacityRatio":{"shape":[{"utilization":50,"score":1},{"utilization":10,"score":2}]}}}`: "must increase",
		`{"scoringStrategy":{"type":"RequestedToCapacityRatio","requestedToCapacityRatio":{"shape":[{"utilization":50,"score":11}]}}}`:                             "score in [0, 10]",
	}
	for args, want := range tests {
		_, err := plugins.NewFit([]byte(args), nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("args %s: err %v, want %q", args, err, want)
		}
	}
}

func TestBalancedAllocation(t *testing.T) {
	empty := framework.NewNodeInfo(stdNode().Obj())
	pl := build(t, plugins.BalancedAllocationName, "")
	tests := []struct {
		pod  *api.Pod
		want int64
	}{
		{fixtures.MakePod().Name("p").CPU("1").Memory("2Gi").Obj(), 100}, // 25% and 25%
		{fixtures.MakePod().Name("p").CPU("2").Memory("2Gi").Obj(), 87},  // 50% and 25%: std 0.125
		{fixtures.MakePod().Name("p").CPU("4").Obj(), 50},                // 100% and 0%
	}
	for _, tc := range tests {
		if got := scores(t, pl, tc.pod, empty); got[0] != tc.want {
			t.Errorf("pod %v: score %d, want %d", tc.pod.Spec.Containers[0].Resources.Requests, got[0], tc.want)
		}
	}
	three := build(t, plugins.BalancedAllocationName,
		`{"resources":[{"name":"cpu"},{"name":"memory"},{"name":"ephemeral-storage"}]}`)
	node := framework.NewNodeInfo(stdNode().Capacity(api.ResourceEphemeralStorage, "10Gi").Obj())
	// fractions 0.5, 0.25, 0: mean 0.25, std sqrt((0.0625+0+0.0625)/3) = 0.204 → 79.
	pod := fixtures.MakePod().Name("p").CPU("2").Memory("2Gi").Obj()
	if got := scores(t, three, pod, node); got[0] != 79 {
		t.Errorf("three resources: %d, want 79", got[0])
	}
}

func TestTaintTolerationScore(t *testing.T) {
	n0 := framework.NewNodeInfo(stdNode().Obj())
	n1 := framework.NewNodeInfo(stdNode().Taint("a", "1", api.TaintEffectPreferNoSchedule).Obj())
	n2 := framework.NewNodeInfo(stdNode().Taint("a", "1", api.TaintEffectPreferNoSchedule).
		Taint("b", "1", api.TaintEffectPreferNoSchedule).Taint("c", "1", api.TaintEffectNoSchedule).Obj())
	pl := build(t, plugins.TaintTolerationName, "")
	plain := fixtures.MakePod().Name("p").Obj()
	if got := scores(t, pl, plain, n0, n1, n2); !slices.Equal(got, []int64{100, 50, 0}) {
		t.Fatalf("scores %v", got)
	}
	tol := fixtures.MakePod().Name("p").Toleration("a", "1", api.TaintEffectPreferNoSchedule).Obj()
	if got := scores(t, pl, tol, n0, n1, n2); !slices.Equal(got, []int64{100, 100, 0}) {
		t.Fatalf("tolerating scores %v", got)
	}
	if got := scores(t, pl, plain, n0, n0); !slices.Equal(got, []int64{100, 100}) {
		t.Fatalf("untainted scores %v", got)
	}
}

func TestNodeAffinityScore(t *testing.T) {
	both := framework.NewNodeInfo(stdNode().Label("zone", "a").Label("disk", "ssd").Obj())
	ssd := framework.NewNodeInfo(stdNode().Label("disk", "ssd").Obj())
	zone := framework.NewNodeInfo(stdNode().Label("zone", "a").Obj())
	none := framework.NewNodeInfo(stdNode().Obj())
	pod := fixtures.MakePod().Name("p").PreferredNodeAffinity(2, "zone", "a").PreferredNodeAffinity(8, "disk", "ssd").Obj()
	pl := build(t, plugins.NodeAffinityName, "")
	if got := scores(t, pl, pod, both, ssd, zone, none); !slices.Equal(got, []int64{100, 80, 20, 0}) {
		t.Fatalf("scores %v", got)
	}
	if got := scores(t, pl, fixtures.MakePod().Name("q").Obj(), both, none); !slices.Equal(got, []int64{0, 0}) {
		t.Fatalf("no preferences: %v", got)
	}
}

func TestPrioritySort(t *testing.T) {
	ps := &plugins.PrioritySort{}
	qp := func(p *api.Pod) *framework.QueuedPodInfo { return &framework.QueuedPodInfo{Pod: p} }
	hi := qp(fixtures.MakePod().Name("z").Priority(5).Obj())
	lo := qp(fixtures.MakePod().Name("a").Obj())
	if !ps.Less(hi, lo) || ps.Less(lo, hi) {
		t.Fatalf("priority order wrong")
	}
	a, b := qp(fixtures.MakePod().Name("a").Obj()), qp(fixtures.MakePod().Name("b").Obj())
	if !ps.Less(a, b) || ps.Less(b, a) {
		t.Fatalf("name tie-break wrong")
	}
}

func TestDefaultProfileBuilds(t *testing.T) {
	p := plugins.DefaultProfile()
	if _, err := framework.NewFramework(p, plugins.NewInTreeRegistry(), nil, nil); err != nil {
		t.Fatal(err)
	}
	bad := p
	bad.Plugins.Filter.Enabled = append(slices.Clone(bad.Plugins.Filter.Enabled), framework.PluginRef{Name: plugins.PrioritySortName})
	if _, err := framework.NewFramework(bad, plugins.NewInTreeRegistry(), nil, nil); err == nil ||
		!strings.Contains(err.Error(), `plugin "PrioritySort" does not implement filter`) {
		t.Fatalf("want interface error, got %v", err)
	}
	bad.Plugins.Filter.Enabled = []framework.PluginRef{{Name: "Nope"}}
	if _, err := framework.NewFramework(bad, plugins.NewInTreeRegistry(), nil, nil); err == nil ||
		!strings.Contains(err.Error(), `unknown plugin "Nope"`) {
		t.Fatalf("want unknown plugin error, got %v", err)
	}
}
