package plugins_test

import (
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

func webPods(n int, extra ...string) []*api.Pod {
	var out []*api.Pod
	for i := range n {
		w := labelled("web"+string(rune('a'+i)), "app", "web")
		for j := 0; j+1 < len(extra); j += 2 {
			w.Label(extra[j], extra[j+1])
		}
		out = append(out, w.Obj())
	}
	return out
}

func spreadPod(maxSkew int32, action api.UnsatisfiableConstraintAction, edit func(*api.TopologySpreadConstraint)) *fixtures.PodWrapper {
	w := labelled("p", "app", "web").SpreadConstraint(maxSkew, zoneKey, action, "app", "web")
	if edit != nil {
		edit(&w.Spec.TopologySpreadConstraints[0])
	}
	return w
}

func policy(p api.NodeInclusionPolicy) *api.NodeInclusionPolicy { return &p }

func TestPodTopologySpreadFilter(t *testing.T) {
	ok, skew := "ok", "Unschedulable: "+plugins.ReasonTopologySpread
	label := "UnschedulableAndUnresolvable: " + plugins.ReasonTopologySpreadLabel
	two := int32(3)
	cases := []struct {
		name     string
		existing map[string][]*api.Pod
		pod      *api.Pod
		taintN3  bool
		want     []string
	}{
		{"maxSkew 1 over two zones", map[string][]*api.Pod{"n1": webPods(2)}, spreadPod(1, api.DoNotSchedule, nil).Obj(), false,
			[]string{skew, skew, ok, label}},
		{"balanced zones accept both", map[string][]*api.Pod{"n1": webPods(1), "n3": webPods(1)}, spreadPod(1, api.DoNotSchedule, nil).Obj(), false,
			[]string{ok, ok, ok, label}},
		{"minDomains above the domain count makes the minimum 0", map[string][]*api.Pod{"n1": webPods(1), "n3": webPods(1)},
			spreadPod(1, api.DoNotSchedule, func(c *api.TopologySpreadConstraint) { c.MinDomains = &two }).Obj(), false,
			[]string{skew, skew, skew, label}},
		{"pod not matching its own selector", map[string][]*api.Pod{"n1": webPods(2)},
			fixtures.MakePod().Name("p").SpreadConstraint(1, zoneKey, api.DoNotSchedule, "app", "web").Obj(), false,
			[]string{skew, skew, ok, label}},
		{"nodeAffinityPolicy Honor drops other zones", map[string][]*api.Pod{"n1": webPods(1)},
			spreadPod(1, api.DoNotSchedule, nil).RequiredNodeAffinity(zoneKey, "a").Obj(), false,
			[]string{ok, ok, ok, label}},
		{"nodeAffinityPolicy Ignore keeps them", map[string][]*api.Pod{"n1": webPods(1)},
			spreadPod(1, api.DoNotSchedule, func(c *api.TopologySpreadConstraint) {
				c.NodeAffinityPolicy = policy(api.NodeInclusionPolicyIgnore)
			}).RequiredNodeAffinity(zoneKey, "a").Obj(), false,
			[]string{skew, skew, ok, label}},
		{"nodeTaintsPolicy Ignore counts tainted domains", map[string][]*api.Pod{"n1": webPods(1)},
			spreadPod(1, api.DoNotSchedule, nil).Obj(), true, []string{skew, skew, ok, label}},
		{"nodeTaintsPolicy Honor drops them", map[string][]*api.Pod{"n1": webPods(1)},
			spreadPod(1, api.DoNotSchedule, func(c *api.TopologySpreadConstraint) {
				c.NodeTaintsPolicy = policy(api.NodeInclusionPolicyHonor)
			}).Obj(), true, []string{ok, ok, ok, label}},
		{"matchLabelKeys separates revisions", map[string][]*api.Pod{"n1": webPods(2, "rev", "1")},
			spreadPod(1, api.DoNotSchedule, func(c *api.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"rev"} }).Label("rev", "2").Obj(), false,
			[]string{ok, ok, ok, label}},
		{"other namespaces ignored", map[string][]*api.Pod{"n1": {labelled("x", "app", "web").Namespace("other").Obj(),
			labelled("y", "app", "web").Namespace("other").Obj()}},
			spreadPod(1, api.DoNotSchedule, nil).Obj(), false, []string{ok, ok, ok, label}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := zoned(tc.existing)
			if tc.taintN3 {
				n := nodes[2].Node().DeepCopy()
				n.Spec.Taints = []api.Taint{{Key: "k", Effect: api.TaintEffectNoSchedule}}
				nodes[2] = framework.NewNodeInfo(n, tc.existing["n3"]...)
			}
			got := filterEach(t, buildWith(t, plugins.PodTopologySpreadName, "", listHandle{nodes}), tc.pod, nodes)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPodTopologySpreadScore(t *testing.T) {
	owned := labelled("p", "app", "web").OwnedBy("ReplicaSet", "rs", "u1").Obj()
	cases := []struct {
		name     string
		existing map[string][]*api.Pod
		pod      *api.Pod
		args     string
		want     []int64
	}{
		{"soft zone constraint; unlabelled node ignored", map[string][]*api.Pod{"n1": webPods(2)},
			spreadPod(1, api.ScheduleAnyway, nil).Obj(), "", []int64{0, 0, 100, 0}},
		{"system defaults for an owned pod", map[string][]*api.Pod{"n1": webPods(2)}, owned, "", []int64{16, 41, 66, 100}},
		{"no defaults for an unowned pod", map[string][]*api.Pod{"n1": webPods(2)}, labelled("p", "app", "web").Obj(), "", []int64{0, 0, 0, 0}},
		{"List defaulting with none", map[string][]*api.Pod{"n1": webPods(2)}, owned, `{"defaultingType":"List"}`, []int64{0, 0, 0, 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := zoned(tc.existing)
			pl := buildWith(t, plugins.PodTopologySpreadName, tc.args, listHandle{nodes})
			if got := scores(t, pl, tc.pod, nodes...); !slices.Equal(got, tc.want) {
				t.Fatalf("scores %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPodTopologySpreadArgs(t *testing.T) {
	for _, bad := range []string{`{"defaultingType":"Other"}`, `{"defaultConstraints":[{"maxSkew":1,"topologyKey":"k","whenUnsatisfiable":"ScheduleAnyway"}]}`} {
		if _, err := plugins.NewInTreeRegistry()[plugins.PodTopologySpreadName]([]byte(bad), nil); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
