package plugins_test

import (
	"context"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

const (
	hostKey = "kubernetes.io/hostname"
	zoneKey = "topology.kubernetes.io/zone"
)

// listHandle is a Handle over a fixed list of node infos.
type listHandle struct{ nodes []*framework.NodeInfo }

func (h listHandle) SnapshotSharedLister() framework.NodeInfoLister {
	return framework.NodeList(h.nodes)
}
func (listHandle) Binder() framework.Binder { return nil }

// nsHandle adds namespace labels to listHandle.
type nsHandle struct {
	listHandle
	ns map[string]map[string]string
}

func (h nsHandle) NamespaceLabels(name string) (map[string]string, bool) {
	l, ok := h.ns[name]
	return l, ok
}

func buildWith(t *testing.T, name, args string, h framework.Handle) framework.Plugin {
	t.Helper()
	var raw []byte
	if args != "" {
		raw = []byte(args)
	}
	pl, err := plugins.NewInTreeRegistry()[name](raw, h)
	if err != nil {
		t.Fatalf("build %s: %v", name, err)
	}
	return pl
}

// filterEach runs PreFilter once and Filter on every node, returning the codes and first reasons.
func filterEach(t *testing.T, pl framework.Plugin, pod *api.Pod, nodes []*framework.NodeInfo) []string {
	t.Helper()
	ctx, state := context.Background(), framework.NewCycleState()
	if st := pl.(framework.PreFilterPlugin).PreFilter(ctx, state, pod); !st.IsSuccess() {
		t.Fatalf("prefilter: %v", st)
	}
	var out []string
	for _, n := range nodes {
		st := pl.(framework.FilterPlugin).Filter(ctx, state, pod, n)
		if st.IsSuccess() {
			out = append(out, "ok")
		} else {
			out = append(out, st.Code().String()+": "+st.Message())
		}
	}
	return out
}

// zoned builds nodes n1..n3 (zones a, a, b) with the given pods per node name; n4 has no zone.
func zoned(pods map[string][]*api.Pod) []*framework.NodeInfo {
	zones := []string{"a", "a", "b", ""}
	var out []*framework.NodeInfo
	for i, z := range zones {
		w := fixtures.MakeNode().Name("n" + string(rune('1'+i))).CPU("8")
		if z != "" {
			w.Zone(z)
		}
		out = append(out, framework.NewNodeInfo(w.Obj(), pods[w.Obj().Name]...))
	}
	return out
}

func labelled(name, k, v string) *fixtures.PodWrapper {
	return fixtures.MakePod().Name(name).Label(k, v)
}

func TestInterPodAffinityFilter(t *testing.T) {
	ok, anti := "ok", "Unschedulable: "+plugins.ReasonPodAntiAffinity
	aff, exist := "UnschedulableAndUnresolvable: "+plugins.ReasonPodAffinity, "Unschedulable: "+plugins.ReasonExistingAntiAffinity
	web := labelled("web", "app", "web").Obj()
	db := labelled("db", "app", "db").Obj()
	guard := labelled("guard", "app", "guard").PodAntiAffinity(zoneKey, "app", "web").Obj()
	otherNS := labelled("db2", "app", "db").Namespace("other").Obj()
	cases := []struct {
		name     string
		existing map[string][]*api.Pod
		pod      *api.Pod
		h        func([]*framework.NodeInfo) framework.Handle
		want     []string
	}{
		{"anti-affinity on hostname", map[string][]*api.Pod{"n1": {web}}, labelled("w2", "app", "web").PodAntiAffinity(hostKey, "app", "web").Obj(), nil,
			[]string{anti, ok, ok, ok}},
		{"anti-affinity on zone", map[string][]*api.Pod{"n1": {web}}, fixtures.MakePod().Name("p").PodAntiAffinity(zoneKey, "app", "web").Obj(), nil,
			[]string{anti, anti, ok, ok}},
		{"affinity to zone with db", map[string][]*api.Pod{"n2": {db}}, fixtures.MakePod().Name("p").PodAffinity(zoneKey, "app", "db").Obj(), nil,
			[]string{ok, ok, aff, aff}},
		{"affinity with no match anywhere", nil, fixtures.MakePod().Name("p").PodAffinity(zoneKey, "app", "db").Obj(), nil,
			[]string{aff, aff, aff, aff}},
		{"self-affinity may go first", nil, labelled("p", "app", "db").PodAffinity(zoneKey, "app", "db").Obj(), nil,
			[]string{ok, ok, ok, aff}},
		{"self-affinity once others exist", map[string][]*api.Pod{"n3": {db}}, labelled("p", "app", "db").PodAffinity(zoneKey, "app", "db").Obj(), nil,
			[]string{aff, aff, ok, aff}},
		{"existing anti-affinity is symmetric", map[string][]*api.Pod{"n1": {guard}}, labelled("w", "app", "web").Obj(), nil,
			[]string{exist, exist, ok, ok}},
		{"other namespace ignored", map[string][]*api.Pod{"n1": {otherNS}}, fixtures.MakePod().Name("p").PodAntiAffinity(hostKey, "app", "db").Obj(), nil,
			[]string{ok, ok, ok, ok}},
		{"listed namespace counts", map[string][]*api.Pod{"n1": {otherNS}}, withNamespaces(fixtures.MakePod().Name("p").PodAntiAffinity(hostKey, "app", "db").Obj(), []string{"other"}, nil), nil,
			[]string{anti, ok, ok, ok}},
		{"empty namespaceSelector is every namespace", map[string][]*api.Pod{"n1": {otherNS}}, withNamespaces(fixtures.MakePod().Name("p").PodAntiAffinity(hostKey, "app", "db").Obj(), nil, &api.LabelSelector{}), nil,
			[]string{anti, ok, ok, ok}},
		{"namespaceSelector without lister matches nothing more", map[string][]*api.Pod{"n1": {otherNS}}, teamSelector(), nil,
			[]string{ok, ok, ok, ok}},
		{"namespaceSelector through lister", map[string][]*api.Pod{"n1": {otherNS}}, teamSelector(),
			func(n []*framework.NodeInfo) framework.Handle {
				return nsHandle{listHandle{n}, map[string]map[string]string{"other": {"team": "x"}}}
			}, []string{anti, ok, ok, ok}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := zoned(tc.existing)
			var h framework.Handle = listHandle{nodes}
			if tc.h != nil {
				h = tc.h(nodes)
			}
			got := filterEach(t, buildWith(t, plugins.InterPodAffinityName, "", h), tc.pod, nodes)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func withNamespaces(p *api.Pod, ns []string, sel *api.LabelSelector) *api.Pod {
	t := &p.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0]
	t.Namespaces, t.NamespaceSelector = ns, sel
	return p
}

func teamSelector() *api.Pod {
	p := fixtures.MakePod().Name("p").PodAntiAffinity(hostKey, "app", "db").Obj()
	return withNamespaces(p, nil, &api.LabelSelector{MatchLabels: map[string]string{"team": "x"}})
}

func TestInterPodAffinityRemovePod(t *testing.T) {
	web := labelled("web", "app", "web").Obj()
	nodes := zoned(map[string][]*api.Pod{"n1": {web}})
	pl := buildWith(t, plugins.InterPodAffinityName, "", listHandle{nodes})
	pod := fixtures.MakePod().Name("p").PodAntiAffinity(hostKey, "app", "web").Obj()
	ctx, state := context.Background(), framework.NewCycleState()
	pl.(framework.PreFilterPlugin).PreFilter(ctx, state, pod)
	ext := pl.(framework.PreFilterExtensions)
	fork := state.Clone()
	if st := ext.RemovePod(ctx, fork, pod, framework.NewPodInfo(web), nodes[0]); !st.IsSuccess() {
		t.Fatal(st)
	}
	if st := pl.(framework.FilterPlugin).Filter(ctx, fork, pod, nodes[0]); !st.IsSuccess() {
		t.Fatalf("after removing the victim: %v", st)
	}
	if st := pl.(framework.FilterPlugin).Filter(ctx, state, pod, nodes[0]); st.IsSuccess() {
		t.Fatalf("the original state must be untouched")
	}
	ext.AddPod(ctx, fork, pod, framework.NewPodInfo(web), nodes[1])
	if st := pl.(framework.FilterPlugin).Filter(ctx, fork, pod, nodes[1]); st.IsSuccess() {
		t.Fatalf("after adding a matching pod to n2 it must be rejected")
	}
}

func preferred(p *api.Pod, anti bool, weight int32, key, k, v string) *api.Pod {
	term := api.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: api.PodAffinityTerm{TopologyKey: key,
		LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{k: v}}}}
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &api.Affinity{}
	}
	if anti {
		if p.Spec.Affinity.PodAntiAffinity == nil {
			p.Spec.Affinity.PodAntiAffinity = &api.PodAntiAffinity{}
		}
		a := p.Spec.Affinity.PodAntiAffinity
		a.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PreferredDuringSchedulingIgnoredDuringExecution, term)
		return p
	}
	if p.Spec.Affinity.PodAffinity == nil {
		p.Spec.Affinity.PodAffinity = &api.PodAffinity{}
	}
	a := p.Spec.Affinity.PodAffinity
	a.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PreferredDuringSchedulingIgnoredDuringExecution, term)
	return p
}

func TestInterPodAffinityScore(t *testing.T) {
	web, db := labelled("web", "app", "web").Obj(), labelled("db", "app", "db").Obj()
	needsWeb := labelled("nw", "app", "x").PodAffinity(zoneKey, "role", "front").Obj()
	cases := []struct {
		name     string
		existing map[string][]*api.Pod
		pod      *api.Pod
		args     string
		want     []int64
	}{
		{"nothing to score", map[string][]*api.Pod{"n1": {web}}, fixtures.MakePod().Name("p").Obj(), "", []int64{0, 0, 0, 0}},
		{"preferred affinity by zone", map[string][]*api.Pod{"n1": {web}}, preferred(fixtures.MakePod().Name("p").Obj(), false, 10, zoneKey, "app", "web"), "",
			[]int64{100, 100, 0, 0}},
		{"affinity minus anti-affinity", map[string][]*api.Pod{"n1": {web}, "n3": {db}},
			preferred(preferred(fixtures.MakePod().Name("p").Obj(), false, 10, zoneKey, "app", "web"), true, 5, hostKey, "app", "db"), "",
			[]int64{100, 100, 0, 33}},
		{"existing required affinity at hard weight", map[string][]*api.Pod{"n3": {needsWeb}}, labelled("p", "role", "front").Obj(), "",
			[]int64{0, 0, 100, 0}},
		{"hard weight zero", map[string][]*api.Pod{"n3": {needsWeb}}, labelled("p", "role", "front").Obj(), `{"hardPodAffinityWeight":0}`,
			[]int64{0, 0, 0, 0}},
		{"existing preferred anti-affinity", map[string][]*api.Pod{"n1": {preferred(labelled("e", "a", "b").Obj(), true, 7, hostKey, "role", "front")}},
			labelled("p", "role", "front").Obj(), "", []int64{0, 100, 100, 100}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes := zoned(tc.existing)
			pl := buildWith(t, plugins.InterPodAffinityName, tc.args, listHandle{nodes})
			if got := scores(t, pl, tc.pod, nodes...); !slices.Equal(got, tc.want) {
				t.Fatalf("scores %v, want %v", got, tc.want)
			}
		})
	}
}

func TestInterPodAffinityArgs(t *testing.T) {
	if _, err := plugins.NewInTreeRegistry()[plugins.InterPodAffinityName]([]byte(`{"hardPodAffinityWeight":101}`), nil); err == nil {
		t.Fatal("weight 101 accepted")
	}
	if _, err := plugins.NewInTreeRegistry()[plugins.InterPodAffinityName]([]byte(`{"bogus":1}`), nil); err == nil {
		t.Fatal("unknown field accepted")
	}
}
