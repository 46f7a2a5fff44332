package plugins_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

const (
	ok          = framework.Success
	unsched     = framework.Unschedulable
	unresolvble = framework.UnschedulableAndUnresolvable
)

func stdNode() *fixtures.NodeWrapper { return fixtures.MakeNode().Name("n1").CPU("4").Memory("8Gi") }

func TestNodeResourcesFitFilter(t *testing.T) {
	busy := fixtures.MakePod().Name("busy").CPU("3").Memory("2Gi").Obj()
	withInit := fixtures.MakePod().Name("p").CPU("500m").InitContainer("i", "x").Obj()
	withInit.Spec.InitContainers[0].Resources.Requests = api.ResourceList{api.ResourceCPU: resource.MustParse("1500m")}
	withOverhead := fixtures.MakePod().Name("p").CPU("1").Obj()
	withOverhead.Spec.Overhead = api.ResourceList{api.ResourceCPU: resource.MustParse("1")}
	tests := []struct {
		name    string
		pod     *api.Pod
		node    *api.Node
		code    framework.Code
		reasons []string
	}{
		{"fits", fixtures.MakePod().Name("p").CPU("1").Memory("1Gi").Obj(), stdNode().Obj(), ok, nil},
		{"cpu", fixtures.MakePod().Name("p").CPU("2").Obj(), stdNode().Obj(), unsched, []string{"Insufficient cpu"}},
		{"cpu and memory", fixtures.MakePod().Name("p").CPU("2").Memory("7Gi").Obj(), stdNode().Obj(), unsched,
			[]string{"Insufficient cpu", "Insufficient memory"}},
		{"empty pod always fits resources", fixtures.MakePod().Name("p").Obj(), stdNode().Obj(), ok, nil},
		{"gpu missing", fixtures.MakePod().Name("p").Request("nvidia.com/gpu", "1").Obj(), stdNode().Obj(), unsched,
			[]string{"Insufficient nvidia.com/gpu"}},
		{"gpu present", fixtures.MakePod().Name("p").Request("nvidia.com/gpu", "2").Obj(),
			stdNode().Capacity("nvidia.com/gpu", "2").Obj(), ok, nil},
		{"ephemeral storage", fixtures.MakePod().Name("p").Request(api.ResourceEphemeralStorage, "20Gi").Obj(),
			stdNode().Capacity(api.ResourceEphemeralStorage, "10Gi").Obj(), unsched, []string{"Insufficient ephemeral-storage"}},
		{"too many pods", fixtures.MakePod().Name("p").Obj(), stdNode().Capacity(api.ResourcePods, "1").Obj(), unsched,
			[]string{"Too many pods"}},
		{"init container max counts", withInit, stdNode().Obj(), unsched, []string{"Insufficient cpu"}},
		{"overhead counts", withOverhead, stdNode().Obj(), unsched, []string{"Insufficient cpu"}},
	}
	pl := build(t, plugins.NodeResourcesFitName, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ni := framework.NewNodeInfo(tc.node, busy)
			if tc.name == "too many pods" {
				ni = framework.NewNodeInfo(tc.node, fixtures.MakePod().Name("other").Obj())
			}
			checkStatus(t, filter(t, pl, tc.pod, ni), tc.code, tc.reasons...)
		})
	}
}

// TestFitFilterAgreesWithInsufficientResources: over random requests and
// nodes, Filter (with its prebuilt and cached rejections, one cycle state
// per pod over many nodes) rejects exactly when InsufficientResources names
// a reason, with the same reasons.
func TestFitFilterAgreesWithInsufficientResources(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pl := build(t, plugins.NodeResourcesFitName, "")
	for i := range 200 {
		pod := fixtures.MakePod().Name("p").CPU(fmt.Sprintf("%dm", rng.IntN(3000))).
			Memory(fmt.Sprintf("%dMi", rng.IntN(3000))).Request(api.ResourceEphemeralStorage, fmt.Sprintf("%dMi", rng.IntN(3)))
		for _, gpu := range []api.ResourceName{"nvidia.com/gpu", "example.com/fpga"} {
			if rng.IntN(3) == 0 {
				pod.Request(gpu, fmt.Sprint(rng.IntN(3)))
			}
		}
		ctx, state := context.Background(), framework.NewCycleState()
		if st := pl.(framework.PreFilterPlugin).PreFilter(ctx, state, pod.Obj()); !st.IsSuccess() {
			t.Fatalf("prefilter: %v", st)
		}
		for j := range 20 {
			node := fixtures.MakeNode().Name("n").CPU("2").Memory("2Gi").Capacity(api.ResourceEphemeralStorage, "1Mi").
				Capacity(api.ResourcePods, fmt.Sprint(1+rng.IntN(3)))
			if rng.IntN(2) == 0 {
				node.Capacity("nvidia.com/gpu", "1")
			}
			ni := framework.NewNodeInfo(node.Obj())
			for k := range rng.IntN(3) {
				ni.AddPod(fixtures.MakePod().Name(fmt.Sprintf("e%d", k)).CPU(fmt.Sprintf("%dm", rng.IntN(1000))).Obj())
			}
			st := pl.(framework.FilterPlugin).Filter(ctx, state, pod.Obj(), ni)
			want := plugins.InsufficientResources(framework.PodRequests(pod.Obj()), ni)
			if !slices.Equal(st.Reasons(), want) || st.IsSuccess() != (len(want) == 0) {
				t.Fatalf("pod %d node %d: Filter %v, InsufficientResources %v", i, j, st.Reasons(), want)
			}
		}
	}
}

func TestSimpleFilters(t *testing.T) {
	cordoned := stdNode().Unschedulable().Obj()
	tainted := stdNode().Taint("k", "v", api.TaintEffectNoSchedule).Obj()
	noExec := stdNode().Taint("gone", "", api.TaintEffectNoExecute).Obj()
	prefer := stdNode().Taint("k", "v", api.TaintEffectPreferNoSchedule).Obj()
	plain := fixtures.MakePod().Name("p")
	tests := []struct {
		name    string
		plugin  string
		pod     *api.Pod
		node    *api.Node
		code    framework.Code
		reasons []string
	}{
		{"nodename match", plugins.NodeNameName, fixtures.MakePod().Name("p").Node("n1").Obj(), stdNode().Obj(), ok, nil},
		{"nodename mismatch", plugins.NodeNameName, fixtures.MakePod().Name("p").Node("n2").Obj(), stdNode().Obj(),
			unresolvble, []string{plugins.ReasonNodeName}},
		{"cordoned", plugins.NodeUnschedulableName, plain.Obj(), cordoned, unresolvble, []string{plugins.ReasonNodeUnschedulable}},
		{"cordon tolerated", plugins.NodeUnschedulableName,
			fixtures.MakePod().Name("p").Toleration(plugins.UnschedulableTaintKey, "", api.TaintEffectNoSchedule).Obj(), cordoned, ok, nil},
		{"taint", plugins.TaintTolerationName, plain.Obj(), tainted, unresolvble, []string{"node(s) had untolerated taint {k: v}"}},
		{"taint tolerated equal", plugins.TaintTolerationName,
			fixtures.MakePod().Name("p").Toleration("k", "v", api.TaintEffectNoSchedule).Obj(), tainted, ok, nil},
		{"taint wrong value", plugins.TaintTolerationName,
			fixtures.MakePod().Name("p").Toleration("k", "w", api.TaintEffectNoSchedule).Obj(), tainted, unresolvble,
			[]string{"node(s) had untolerated taint {k: v}"}},
		{"taint tolerated exists any effect", plugins.TaintTolerationName,
			fixtures.MakePod().Name("p").Toleration("k", "", "").Obj(), tainted, ok, nil},
		{"noexecute", plugins.TaintTolerationName, plain.Obj(), noExec, unresolvble, []string{"node(s) had untolerated taint {gone: }"}},
		{"prefer does not filter", plugins.TaintTolerationName, plain.Obj(), prefer, ok, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pl := build(t, tc.plugin, "")
			checkStatus(t, filter(t, pl, tc.pod, framework.NewNodeInfo(tc.node)), tc.code, tc.reasons...)
		})
	}
}

func TestNodePorts(t *testing.T) {
	pl := build(t, plugins.NodePortsName, "")
	holder := fixtures.MakePod().Name("h").ContainerPort(80, 8080).Obj()
	ni := framework.NewNodeInfo(stdNode().Obj(), holder)
	clash := fixtures.MakePod().Name("p").ContainerPort(80, 8080).Obj()
	checkStatus(t, filter(t, pl, clash, ni), unsched, plugins.ReasonNodePorts)
	other := fixtures.MakePod().Name("p").ContainerPort(80, 9090).Obj()
	checkStatus(t, filter(t, pl, other, ni), ok)
	udp := fixtures.MakePod().Name("p").ContainerPort(80, 8080).Obj()
	udp.Spec.Containers[0].Ports[0].Protocol = api.ProtocolUDP
	checkStatus(t, filter(t, pl, udp, ni), ok)
	checkStatus(t, filter(t, pl, fixtures.MakePod().Name("none").Obj(), ni), ok)
}

func TestNodeAffinityFilter(t *testing.T) {
	node := stdNode().Label("zone", "a").Label("gen", "5").Obj()
	req := func(key string, op api.NodeSelectorOperator, vals ...string) *api.Pod {
		p := fixtures.MakePod().Name("p").RequiredNodeAffinity(key).Obj()
		r := &p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0]
		r.Operator, r.Values = op, vals
		return p
	}
	field := func(op api.NodeSelectorOperator, vals ...string) *api.Pod {
		p := req("zone", api.NodeSelectorOpExists)
		p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0] =
			api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: op, Values: vals}}}
		return p
	}
	twoTerms := fixtures.MakePod().Name("p").RequiredNodeAffinity("zone", "b").RequiredNodeAffinity("gen", "5").Obj()
	emptyTerm := req("zone", api.NodeSelectorOpExists)
	emptyTerm.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0] = api.NodeSelectorTerm{}
	tests := []struct {
		name string
		pod  *api.Pod
		fits bool
	}{
		{"no constraints", fixtures.MakePod().Name("p").Obj(), true},
		{"selector match", fixtures.MakePod().Name("p").NodeSelector("zone", "a").Obj(), true},
		{"selector mismatch", fixtures.MakePod().Name("p").NodeSelector("zone", "b").Obj(), false},
		{"selector missing label", fixtures.MakePod().Name("p").NodeSelector("disk", "ssd").Obj(), false},
		{"in", req("zone", api.NodeSelectorOpIn, "a", "b"), true},
		{"notin", req("zone", api.NodeSelectorOpNotIn, "a"), false},
		{"notin absent", req("disk", api.NodeSelectorOpNotIn, "ssd"), true},
		{"exists", req("gen", api.NodeSelectorOpExists), true},
		{"doesnotexist", req("gen", api.NodeSelectorOpDoesNotExist), false},
		{"gt", req("gen", api.NodeSelectorOpGt, "4"), true},
		{"lt", req("gen", api.NodeSelectorOpLt, "4"), false},
		{"gt non-integer", req("zone", api.NodeSelectorOpGt, "4"), false},
		{"terms are ORed", twoTerms, true},
		{"empty term matches nothing", emptyTerm, false},
		{"matchFields name", field(api.NodeSelectorOpIn, "n1"), true},
		{"matchFields other name", field(api.NodeSelectorOpIn, "n2"), false},
		{"matchFields notin", field(api.NodeSelectorOpNotIn, "n1"), false},
	}
	pl := build(t, plugins.NodeAffinityName, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := filter(t, pl, tc.pod, framework.NewNodeInfo(node))
			if tc.fits {
				checkStatus(t, st, ok)
			} else {
				checkStatus(t, st, unresolvble, plugins.ReasonNodeAffinity)
			}
		})
	}
}

type recordingBinder struct{ err error }

func (b *recordingBinder) Bind(context.Context, *api.Pod, string) error { return b.err }

type annotatingBinder struct {
	recordingBinder
	got map[string]string
}

func (b *annotatingBinder) BindWithAnnotations(_ context.Context, _ *api.Pod, _ string, ann map[string]string) error {
	b.got = ann
	return b.err
}

func TestDefaultBinderCarriesBindingAnnotations(t *testing.T) {
	b := &annotatingBinder{}
	pl, err := plugins.NewDefaultBinder(nil, binderHandle{b})
	if err != nil {
		t.Fatal(err)
	}
	state := framework.NewCycleState()
	framework.SetBindingAnnotation(state, "a", "1")
	framework.SetBindingAnnotation(state, "b", "2")
	framework.DeleteBindingAnnotation(state, "a")
	forked := state.Clone()
	framework.SetBindingAnnotation(forked, "c", "3") // a fork must not leak into the cycle
	if st := pl.(framework.BindPlugin).Bind(context.Background(), state, fixtures.MakePod().Name("p").Obj(), "n1"); !st.IsSuccess() {
		t.Fatal(st)
	}
	if len(b.got) != 1 || b.got["b"] != "2" {
		t.Fatalf("annotations bound = %v, want only b=2", b.got)
	}
}

type binderHandle struct{ b framework.Binder }

func (binderHandle) SnapshotSharedLister() framework.NodeInfoLister { return nil }
func (h binderHandle) Binder() framework.Binder                     { return h.b }

func TestDefaultBinderAndArgs(t *testing.T) {
	b := &recordingBinder{}
	pl, err := plugins.NewDefaultBinder(nil, binderHandle{b})
	if err != nil {
		t.Fatal(err)
	}
	bp := pl.(framework.BindPlugin)
	pod := fixtures.MakePod().Name("p").Obj()
	if st := bp.Bind(context.Background(), nil, pod, "n1"); !st.IsSuccess() {
		t.Fatal(st)
	}
	b.err = context.DeadlineExceeded
	st := bp.Bind(context.Background(), nil, pod, "n1")
	if st.Code() != framework.Error || !strings.Contains(st.Message(), "bind default/p to n1") {
		t.Fatalf("bind failure status %v", st)
	}
	state := framework.NewCycleState()
	framework.SetBindingAnnotation(state, "k", "v")
	if st := bp.Bind(context.Background(), state, pod, "n1"); st.Code() != framework.Error {
		t.Fatalf("a binder that cannot carry annotations was asked to: status %v", st)
	}
	if _, err := plugins.NewInTreeRegistry()[plugins.NodeNameName]([]byte(`{"x":1}`), nil); err == nil {
		t.Fatalf("args to an argless plugin should be rejected")
	}
}
