package framework_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

func TestStatus(t *testing.T) {
	var nilStatus *framework.Status
	if !nilStatus.IsSuccess() || nilStatus.Code() != framework.Success || nilStatus.AsError() != nil {
		t.Fatalf("nil status should be success")
	}
	st := framework.NewStatus(framework.Unschedulable, "Insufficient cpu", "Insufficient memory").WithPlugin("Fit")
	if !st.IsRejected() || st.Plugin() != "Fit" || st.Message() != "Insufficient cpu, Insufficient memory" {
		t.Fatalf("got %v", st)
	}
	if got := st.String(); got != "Unschedulable (Fit): Insufficient cpu, Insufficient memory" {
		t.Fatalf("String() = %q", got)
	}
	boom := errors.New("boom")
	es := framework.AsStatus(boom)
	if es.Code() != framework.Error || !errors.Is(es.AsError(), boom) || es.IsRejected() {
		t.Fatalf("AsStatus = %v", es)
	}
	if framework.AsStatus(nil) != nil {
		t.Fatalf("AsStatus(nil) should be nil")
	}
	if framework.NewStatus(framework.Skip).AsError() != nil {
		t.Fatalf("skip is not an error")
	}
}

func TestCycleState(t *testing.T) {
	cs := framework.NewCycleState()
	if _, err := cs.Read("k"); !errors.Is(err, framework.ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	cs.Write("k", intData(3))
	c := cs.Clone()
	cs.Write("k", intData(4))
	v, err := c.Read("k")
	if err != nil || v.(intData) != 3 {
		t.Fatalf("clone read %v %v", v, err)
	}
}

type intData int

func (d intData) Clone() framework.StateData { return d }

func TestPodRequests(t *testing.T) {
	sidecar := api.ContainerRestartPolicyAlways
	tests := []struct {
		name        string
		pod         *api.Pod
		cpu, mem    int64
		nzCPU, nzMe int64
	}{
		{"empty", fixtures.MakePod().Name("a").Obj(), 0, 0, 100, 200 << 20},
		{"regular sum", fixtures.MakePod().Name("a").CPU("500m").Memory("1Gi").
			Container("d", "x").CPU("250m").Obj(), 750, 1 << 30, 750, 1<<30 + 200<<20},
		{"init max wins", fixtures.MakePod().Name("a").CPU("500m").
			InitContainer("i", "x").Obj(), 0, 0, 0, 0}, // filled below
		{"overhead", fixtures.MakePod().Name("a").CPU("1").Obj(), 1100, 0, 1100, 200 << 20},
	}
	// init container requesting 2 cpu beats the regular 500m.
	tests[2].pod.Spec.InitContainers[0].Resources.Requests = api.ResourceList{api.ResourceCPU: mustQ("2")}
	tests[2].cpu, tests[2].nzCPU, tests[2].nzMe = 2000, 2000, 200<<20
	tests[3].pod.Spec.Overhead = api.ResourceList{api.ResourceCPU: mustQ("100m")}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, nz := framework.PodRequests(tc.pod), framework.PodNonZeroRequests(tc.pod)
			if r.MilliCPU != tc.cpu || r.Memory != tc.mem || nz.MilliCPU != tc.nzCPU || nz.Memory != tc.nzMe {
				t.Fatalf("requests %+v nonzero %+v", r, nz)
			}
		})
	}
	t.Run("sidecar adds to regular", func(t *testing.T) {
		p := fixtures.MakePod().Name("a").CPU("1").InitContainer("s", "x").Obj()
		p.Spec.InitContainers[0].RestartPolicy = &sidecar
		p.Spec.InitContainers[0].Resources.Requests = api.ResourceList{api.ResourceCPU: mustQ("500m"), "nvidia.com/gpu": mustQ("1")}
		r := framework.PodRequests(p)
		if r.MilliCPU != 1500 || r.Scalar["nvidia.com/gpu"] != 1 {
			t.Fatalf("got %+v", r)
		}
	})
}

func TestNodeInfoAccounting(t *testing.T) {
	n := fixtures.MakeNode().Name("n1").CPU("4").Memory("8Gi").Capacity("nvidia.com/gpu", "2").Obj()
	a := fixtures.MakePod().Name("a").CPU("1").Request("nvidia.com/gpu", "1").ContainerPort(80, 8080).Obj()
	b := fixtures.MakePod().Name("b").Memory("1Gi").Obj()
	ni := framework.NewNodeInfo(n, a, b)
	if ni.Allocatable.MilliCPU != 4000 || ni.Allocatable.Memory != 8<<30 || ni.Allocatable.AllowedPodNumber != 110 ||
		ni.Allocatable.Scalar["nvidia.com/gpu"] != 2 {
		t.Fatalf("allocatable %+v", ni.Allocatable)
	}
	if ni.Requested.MilliCPU != 1000 || ni.Requested.Memory != 1<<30 || ni.NonZeroRequested.MilliCPU != 1100 {
		t.Fatalf("requested %+v nonzero %+v", ni.Requested, ni.NonZeroRequested)
	}
	if !ni.UsedPorts.Conflicts(framework.HostPort{IP: "10.0.0.1", Protocol: api.ProtocolTCP, Port: 8080}) {
		t.Fatalf("wildcard port should conflict with a specific IP")
	}
	clone := ni.Clone()
	if !ni.RemovePod(a) || ni.RemovePod(a) {
		t.Fatalf("RemovePod should succeed once")
	}
	if ni.Requested.MilliCPU != 0 || len(ni.Requested.Scalar) != 0 || len(ni.UsedPorts) != 0 {
		t.Fatalf("after remove %+v ports %v", ni.Requested, ni.UsedPorts)
	}
	if clone.Requested.MilliCPU != 1000 || clone.Requested.Scalar["nvidia.com/gpu"] != 1 || len(clone.Pods) != 2 {
		t.Fatalf("clone changed with original: %+v", clone.Requested)
	}
}

func TestParseProfile(t *testing.T) {
	good := `
schedulerName: packer
percentageOfNodesToScore: 30
plugins:
  score:
    disabled: [{name: NodeResourcesBalancedAllocation}]
    enabled: [{name: NodeResourcesFit, weight: 5}, {name: MyPolicy, weight: 2}]
pluginConfig:
- name: NodeResourcesFit
  args:
    scoringStrategy: {type: MostAllocated}
`
	p, err := framework.ParseProfile([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	defaults := framework.Plugins{Score: framework.PluginSet{Enabled: []framework.PluginRef{
		{Name: "NodeResourcesFit", Weight: 1}, {Name: "NodeResourcesBalancedAllocation", Weight: 1}, {Name: "TaintToleration", Weight: 3}}}}
	r := p.Resolve(defaults)
	got := r.Plugins.Score.Enabled
	want := []framework.PluginRef{{Name: "NodeResourcesFit", Weight: 5}, {Name: "TaintToleration", Weight: 3}, {Name: "MyPolicy", Weight: 2}}
	if len(got) != len(want) {
		t.Fatalf("resolved %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("resolved %v, want %v", got, want)
		}
	}
	if r.Name() != "packer" || *r.PercentageOfNodesToScore != 30 {
		t.Fatalf("resolved %+v", r)
	}
}

func TestParseProfileErrors(t *testing.T) {
	tests := map[string]struct{ in, want string }{
		"unknown field":     {"schedulerName: a\nplugin: {}\n", `unknown field "plugin"`},
		"unknown point":     {"plugins: {scoring: {}}\n", `unknown field "scoring"`},
		"bad percentage":    {"percentageOfNodesToScore: 150\n", "percentageOfNodesToScore 150 not in [0, 100]"},
		"bad tie-break":     {"tieBreak: alphabetical\n", `tieBreak "alphabetical": want random or nodeName`},
		"negative weight":   {"plugins: {score: {enabled: [{name: X, weight: -1}]}}\n", "negative weight"},
		"nameless plugin":   {"plugins: {filter: {enabled: [{weight: 1}]}}\n", "plugin without a name"},
		"duplicate config":  {"pluginConfig: [{name: A}, {name: A}]\n", "given twice"},
		"not yaml":          {"schedulerName: [\n", "parse scheduler profile"},
		"wrong type weight": {"plugins: {score: {enabled: [{name: X, weight: high}]}}\n", "parse scheduler profile"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := framework.ParseProfile([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want containing %q", err, tc.want)
			}
		})
	}
	_, err := framework.ParseConfig([]byte("profiles: [{schedulerName: a}, {schedulerName: a}]\n"))
	if !errors.Is(err, framework.ErrInvalidProfile) || !strings.Contains(err.Error(), "duplicate schedulerName") {
		t.Fatalf("duplicate profiles: %v", err)
	}
}

func TestDecodeArgs(t *testing.T) {
	var out struct {
		A int `json:"a"`
	}
	if err := framework.DecodeArgs([]byte(`{"a": 1, "b": 2}`), &out); err == nil || !strings.Contains(err.Error(), `unknown field "b"`) {
		t.Fatalf("want unknown field error, got %v", err)
	}
	m, err := framework.ArgsMap([]byte(`{"x": "y"}`))
	if err != nil || m["x"] != "y" {
		t.Fatalf("ArgsMap = %v, %v", m, err)
	}
	if err := framework.DecodeArgs(nil, &out); err != nil {
		t.Fatalf("empty args: %v", err)
	}
}

func TestRegistry(t *testing.T) {
	var f framework.PluginFactory = func(json.RawMessage, framework.Handle) (framework.Plugin, error) { return nil, nil }
	r := framework.Registry{}
	if err := r.Register("A", f); err != nil {
		t.Fatal(err)
	}
	if err := r.Merge(framework.Registry{"B": f, "A": f}); err == nil || !strings.Contains(err.Error(), `"A": already registered`) {
		t.Fatalf("duplicate merge: %v", err)
	}
}
