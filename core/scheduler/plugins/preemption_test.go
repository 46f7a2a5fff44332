package plugins_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
)

// preempt runs the default profile's PreFilter, Filter and PostFilter over nodes.
func preempt(t *testing.T, nodes []*framework.NodeInfo, pod *api.Pod) (*framework.PostFilterResult, *framework.Status) {
	t.Helper()
	fwk, err := framework.NewFramework(plugins.DefaultProfile(), plugins.NewInTreeRegistry(), framework.NodeList(nodes), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, state := context.Background(), framework.NewCycleState()
	if st := fwk.RunPreFilterPlugins(ctx, state, pod); !st.IsSuccess() {
		t.Fatalf("prefilter: %v", st)
	}
	filtered := framework.NodeToStatus{}
	for _, n := range nodes {
		if st := fwk.RunFilterPlugins(ctx, state, pod, n); !st.IsSuccess() {
			filtered[n.Name()] = st
		}
	}
	if len(filtered) < len(nodes) {
		t.Fatalf("pod fits somewhere: %v", filtered)
	}
	return fwk.RunPostFilterPlugins(ctx, state, pod, filtered)
}

var start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func victim(name string, prio int32, cpu string, startMin int) *api.Pod {
	p := fixtures.MakePod().Name(name).Priority(prio).CPU(cpu).Obj()
	st := api.NewTime(start.Add(time.Duration(startMin) * time.Minute))
	p.Status.StartTime = &st
	return p
}

func cpuNode(name, cpu string, pods ...*api.Pod) *framework.NodeInfo {
	return framework.NewNodeInfo(fixtures.MakeNode().Name(name).CPU(cpu).Memory("8Gi").Obj(), pods...)
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

func TestDefaultPreemption(t *testing.T) {
	never := api.PreemptNever
	highWithAnti := fixtures.MakePod().Name("p").Priority(100).CPU("1").PodAntiAffinity(hostKey, "app", "web").Obj()
	cases := []struct {
		name    string
		nodes   []*framework.NodeInfo
		pod     *api.Pod
		node    string
		victims []string
		msg     string
	}{
		{"lowest-priority victims, only as many as needed",
			[]*framework.NodeInfo{cpuNode("n1", "4", victim("a", 10, "2", 0), victim("b", 10, "2", 1)),
				cpuNode("n2", "4", victim("c", 1, "2", 0), victim("d", 1, "2", 1))},
			fixtures.MakePod().Name("p").Priority(100).CPU("2").Obj(), "n2", []string{"d"}, ""},
		{"fewest victims at equal priority",
			[]*framework.NodeInfo{cpuNode("n1", "4", victim("a", 5, "2", 0), victim("b", 5, "2", 1)),
				cpuNode("n2", "4", victim("c", 5, "4", 0))},
			fixtures.MakePod().Name("p").Priority(100).CPU("4").Obj(), "n2", []string{"c"}, ""},
		{"latest start among equal candidates",
			[]*framework.NodeInfo{cpuNode("n1", "2", victim("a", 5, "2", 0)), cpuNode("n2", "2", victim("b", 5, "2", 9))},
			fixtures.MakePod().Name("p").Priority(100).CPU("2").Obj(), "n2", []string{"b"}, ""},
		{"higher-priority pods are never victims",
			[]*framework.NodeInfo{cpuNode("n1", "4", victim("a", 200, "3", 0), victim("b", 1, "1", 0))},
			fixtures.MakePod().Name("p").Priority(100).CPU("2").Obj(), "", nil,
			"preemption: 0/1 nodes are available: 1 Insufficient cpu"},
		{"anti-affinity victim removed through the extension",
			[]*framework.NodeInfo{cpuNode("n1", "4", labelled("web", "app", "web").Priority(1).Obj())},
			highWithAnti, "n1", []string{"web"}, ""},
		{"preemptionPolicy Never",
			[]*framework.NodeInfo{cpuNode("n1", "2", victim("a", 1, "2", 0))},
			func() *api.Pod {
				p := fixtures.MakePod().Name("p").Priority(100).CPU("2").Obj()
				p.Spec.PreemptionPolicy = &never
				return p
			}(), "", nil, "preemption: not eligible due to preemptionPolicy=Never"},
		{"unresolvable nodes are not helped",
			[]*framework.NodeInfo{cpuNode("n1", "2", victim("a", 1, "2", 0)), cpuNode("n2", "1")},
			fixtures.MakePod().Name("p").Priority(100).CPU("2").NodeSelector("x", "y").Obj(), "", nil,
			"preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, st := preempt(t, tc.nodes, tc.pod)
			if tc.msg != "" {
				if st.IsSuccess() || !strings.Contains(st.Message(), tc.msg) {
					t.Fatalf("status %v, want message %q (result %+v)", st, tc.msg, res)
				}
				return
			}
			if !st.IsSuccess() || res.NominatedNodeName != tc.node || !slices.Equal(names(res.Victims), tc.victims) {
				t.Fatalf("got %v %+v victims %v, want %s %v", st, res, names(res.Victims), tc.node, tc.victims)
			}
		})
	}
}

func TestDefaultPreemptionArgs(t *testing.T) {
	if _, err := plugins.NewInTreeRegistry()[plugins.DefaultPreemptionName](
		[]byte(`{"minCandidateNodesPercentage":0,"minCandidateNodesAbsolute":0}`), nil); err == nil {
		t.Fatal("both zero accepted")
	}
}
