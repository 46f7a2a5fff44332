package framework_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// fake implements every extension point; its behaviour is set per test.
type fake struct {
	name      string
	preFilter *framework.Status
	filter    *framework.Status
	bind      *framework.Status
	log       *[]string
}

func (f *fake) Name() string                               { return f.name }
func (f *fake) Less(a, b *framework.QueuedPodInfo) bool    { return a.Pod.Name < b.Pod.Name }
func (f *fake) ScoreExtensions() framework.ScoreExtensions { return nil }
func (f *fake) note(s string)                              { *f.log = append(*f.log, f.name+":"+s) }
func (f *fake) PreFilter(context.Context, *framework.CycleState, *api.Pod) *framework.Status {
	return f.preFilter
}
func (f *fake) Filter(context.Context, *framework.CycleState, *api.Pod, *framework.NodeInfo) *framework.Status {
	f.note("filter")
	return f.filter
}
func (f *fake) Score(context.Context, *framework.CycleState, *api.Pod, *framework.NodeInfo) (int64, *framework.Status) {
	return 10, nil
}
func (f *fake) Reserve(context.Context, *framework.CycleState, *api.Pod, string) *framework.Status {
	return nil
}
func (f *fake) Unreserve(context.Context, *framework.CycleState, *api.Pod, string) {
	f.note("unreserve")
}
func (f *fake) Bind(context.Context, *framework.CycleState, *api.Pod, string) *framework.Status {
	f.note("bind")
	return f.bind
}
func (f *fake) PostFilter(context.Context, *framework.CycleState, *api.Pod, framework.NodeToStatus) (*framework.PostFilterResult, *framework.Status) {
	return &framework.PostFilterResult{NominatedNodeName: "n9"}, nil
}

func newFakeFramework(t *testing.T, fakes ...*fake) *framework.Framework {
	t.Helper()
	reg := framework.Registry{}
	var refs []framework.PluginRef
	for _, f := range fakes {
		reg[f.name] = func(json.RawMessage, framework.Handle) (framework.Plugin, error) { return f, nil }
		refs = append(refs, framework.PluginRef{Name: f.name, Weight: 2})
	}
	set := framework.PluginSet{Enabled: refs}
	p := framework.Profile{Plugins: framework.Plugins{QueueSort: framework.PluginSet{Enabled: refs[:1]},
		PreFilter: set, Filter: set, PostFilter: set, Score: set, Reserve: set, Bind: set}}
	fwk, err := framework.NewFramework(p, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fwk
}

func TestFrameworkExtensionPoints(t *testing.T) {
	var log []string
	a := &fake{name: "A", preFilter: framework.NewStatus(framework.Skip), bind: framework.NewStatus(framework.Skip), log: &log}
	b := &fake{name: "B", filter: framework.NewStatus(framework.Unschedulable, "nope"), log: &log}
	fwk := newFakeFramework(t, a, b)
	ctx, state, pod := context.Background(), framework.NewCycleState(), fixtures.MakePod().Name("p").Obj()
	ni := framework.NewNodeInfo(fixtures.MakeNode().Name("n1").Obj())
	if st := fwk.RunPreFilterPlugins(ctx, state, pod); !st.IsSuccess() {
		t.Fatal(st)
	}
	st := fwk.RunFilterPlugins(ctx, state, pod, ni)
	if st.Code() != framework.Unschedulable || st.Plugin() != "B" {
		t.Fatalf("filter %v", st)
	}
	scores, st := fwk.RunScorePlugins(ctx, state, pod, []*framework.NodeInfo{ni}, nil)
	if !st.IsSuccess() || scores[0].Score != 40 || scores[0].Name != "n1" {
		t.Fatalf("scores %v %v (two plugins × 10 × weight 2)", scores, st)
	}
	if res, st := fwk.RunPostFilterPlugins(ctx, state, pod, nil); !st.IsSuccess() || res.NominatedNodeName != "n9" {
		t.Fatalf("postfilter %v %v", res, st)
	}
	fwk.RunReservePluginsUnreserve(ctx, state, pod, "n1")
	if st := fwk.RunBindPlugins(ctx, state, pod, "n1"); !st.IsSuccess() {
		t.Fatal(st)
	}
	// A skipped its Filter (PreFilter Skip); Unreserve runs in reverse; A's bind skipped to B.
	if got := strings.Join(log, " "); got != "B:filter B:unreserve A:unreserve A:bind B:bind" {
		t.Fatalf("log %q", got)
	}
	if fwk.ProfileName() != framework.DefaultSchedulerName || fwk.PercentageOfNodesToScore() != 0 || !fwk.HasScorePlugins() {
		t.Fatalf("profile accessors wrong")
	}
}

func TestFrameworkRejectionsAndErrors(t *testing.T) {
	var log []string
	a := &fake{name: "A", preFilter: framework.NewStatus(framework.UnschedulableAndUnresolvable, "pvc missing"),
		bind: framework.NewStatus(framework.Skip), log: &log}
	fwk := newFakeFramework(t, a)
	ctx, state, pod := context.Background(), framework.NewCycleState(), fixtures.MakePod().Name("p").Obj()
	if st := fwk.RunPreFilterPlugins(ctx, state, pod); st.Code() != framework.UnschedulableAndUnresolvable || st.Plugin() != "A" {
		t.Fatalf("prefilter %v", st)
	}
	if st := fwk.RunBindPlugins(ctx, state, pod, "n1"); st.Code() != framework.Error {
		t.Fatalf("all binders skipped should be an error, got %v", st)
	}
	_, err := framework.NewFramework(framework.Profile{}, framework.Registry{}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "needs a queueSort") {
		t.Fatalf("empty profile: %v", err)
	}
}
