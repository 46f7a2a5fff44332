package examples_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/examples"
)

const binpackProfile = `
schedulerName: gpu-binpack
plugins:
  score:
    enabled:
    - {name: GPUBinPacking, weight: 10}
pluginConfig:
- name: GPUBinPacking
  args: {resourceName: nvidia.com/gpu}
`

type nopBinder struct{}

func (nopBinder) Bind(context.Context, *api.Pod, string) error { return nil }

// place schedules eight one-GPU pods on four eight-GPU nodes with the given
// scheduler name and returns how many pods each node got.
func place(t *testing.T, schedulerName string) map[string]int {
	t.Helper()
	p, err := framework.ParseProfile([]byte(binpackProfile))
	if err != nil {
		t.Fatal(err)
	}
	s, err := scheduler.New(scheduler.Options{Clock: clock.NewManual(time.Unix(0, 0)), Rand: rand.New(rand.NewPCG(3, 0)),
		Binder: nopBinder{}, Registry: examples.Registry(), Profiles: []framework.Profile{{}, *p}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("gpu-%d", i)).CPU("32").Memory("128Gi").
			Capacity(examples.DefaultGPUResource, "8").Obj())
	}
	perNode := map[string]int{}
	for i := range 8 {
		s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("train-%d", i)).SchedulerName(schedulerName).
			CPU("1").Request(examples.DefaultGPUResource, "1").Obj())
		res, ok := s.ScheduleOne(t.Context())
		if !ok || res.Err != nil {
			t.Fatalf("pod %d: %+v", i, res)
		}
		bound := res.Pod.DeepCopy()
		bound.Spec.NodeName = res.Node
		if err := s.UpdatePod(res.Pod, bound); err != nil {
			t.Fatal(err)
		}
		perNode[res.Node]++
	}
	return perNode
}

func TestProfileNamingGPUBinPackingPacksNodes(t *testing.T) {
	spread := place(t, framework.DefaultSchedulerName)
	packed := place(t, "gpu-binpack")
	if len(spread) != 4 {
		t.Errorf("default profile should spread over all 4 nodes: %v", spread)
	}
	if len(packed) != 1 {
		t.Errorf("GPUBinPacking should fill one node before the next: %v", packed)
	}
}

func TestGPUBinPackingScoreAndArgs(t *testing.T) {
	pl, err := examples.NewGPUBinPacking([]byte(`{"resourceName": "example.com/fpga"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	score := pl.(framework.ScorePlugin)
	node := framework.NewNodeInfo(fixtures.MakeNode().Name("n").Capacity("example.com/fpga", "4").Obj(),
		fixtures.MakePod().Name("a").Request("example.com/fpga", "2").Obj())
	cases := []struct {
		pod  *api.Pod
		want int64
	}{
		{fixtures.MakePod().Name("one").Request("example.com/fpga", "1").Obj(), 75},
		{fixtures.MakePod().Name("two").Request("example.com/fpga", "2").Obj(), 100},
		{fixtures.MakePod().Name("none").CPU("1").Obj(), 0},
	}
	for _, c := range cases {
		if got, st := score.Score(t.Context(), framework.NewCycleState(), c.pod, node); !st.IsSuccess() || got != c.want {
			t.Errorf("%s: score %d (%v), want %d", c.pod.Name, got, st, c.want)
		}
	}
	if _, err := examples.NewGPUBinPacking([]byte(`{"resource": "x"}`), nil); err == nil {
		t.Error("an unknown arg must be refused")
	}
}
