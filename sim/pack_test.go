package sim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/sim"
)

func packNodes() []*api.Node {
	return []*api.Node{
		fixtures.MakeNode().Name("a").CPU("4").Memory("8Gi").Obj(),
		fixtures.MakeNode().Name("b").CPU("4").Memory("8Gi").Obj(),
	}
}

func packPod(name, cpu string) *api.Pod {
	return fixtures.MakePod().Name(name).CPU(cpu).Obj()
}

// TestPackPlacesInOrderAndDropsWhatFitsNowhere: three pods of 3 cores on
// two 4-core nodes, then one of 1 core. The third fits nowhere and is
// deleted at once, so it neither holds anything nor comes back; the
// fourth fits beside one of the first two.
func TestPackPlacesInOrderAndDropsWhatFitsNowhere(t *testing.T) {
	var got []string
	cfg := sim.PackConfig{Nodes: packNodes(), Seed: 3,
		Pods: []*api.Pod{packPod("p0", "3"), packPod("p1", "3"), packPod("p2", "3"), packPod("p3", "1")},
		Observe: func(i int, bound *api.Pod) error {
			if bound == nil {
				got = append(got, "-")
				return nil
			}
			if bound.Name != fmt.Sprintf("p%d", i) {
				t.Errorf("outcome %d is pod %s", i, bound.Name)
			}
			got = append(got, bound.Spec.NodeName)
			return nil
		}}
	res, err := sim.Pack(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.Placed != 3 || res.Failed != 1 || got[2] != "-" || got[0] == got[1] || got[3] == "-" {
		t.Fatalf("placed %d failed %d, outcomes %v", res.Placed, res.Failed, got)
	}
	first := strings.Join(got, ",")
	got = nil
	if _, err := sim.Pack(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	if again := strings.Join(got, ","); again != first {
		t.Fatalf("the same seed placed %s, then %s", first, again)
	}
}

func TestPackErrors(t *testing.T) {
	nobody := packPod("p", "1")
	nobody.Spec.SchedulerName = "nobody"
	_, err := sim.Pack(context.Background(), sim.PackConfig{Nodes: packNodes(), Pods: []*api.Pod{nobody}})
	if err == nil || !strings.Contains(err.Error(), "schedulerName") {
		t.Fatalf("a pod no profile schedules: %v", err)
	}
	invalid := packPod("p", "1")
	invalid.Spec.Containers = nil
	if _, err := sim.Pack(context.Background(), sim.PackConfig{Nodes: packNodes(), Pods: []*api.Pod{invalid}}); err == nil ||
		!strings.Contains(err.Error(), "pod 0 (p)") {
		t.Fatalf("an invalid pod: %v", err)
	}
	stop := fmt.Errorf("observer stops")
	if _, err := sim.Pack(context.Background(), sim.PackConfig{Nodes: packNodes(), Pods: []*api.Pod{packPod("p", "1")},
		Observe: func(int, *api.Pod) error { return stop }}); err == nil || !strings.Contains(err.Error(), stop.Error()) {
		t.Fatalf("an observer's error: %v", err)
	}
}
