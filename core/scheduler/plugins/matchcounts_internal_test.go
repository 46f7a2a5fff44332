package plugins

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// TestMatchCountsFollowGenerations: a memoised count is reused only while
// the node info's generation is unchanged; a changed info has generation
// 0 and is always counted afresh.
func TestMatchCountsFollowGenerations(t *testing.T) {
	pod := fixtures.MakePod().Name("new").Label("app", "web").
		SpreadConstraint(1, "zone", api.DoNotSchedule, "app", "web").Obj()
	cs, err := resolveConstraints(pod, pod.Spec.TopologySpreadConstraints, api.DoNotSchedule, nil)
	if err != nil || len(cs) != 1 {
		t.Fatalf("constraints %v, %v", cs, err)
	}
	web := func(name string) *api.Pod { return fixtures.MakePod().Name(name).Label("app", "web").Obj() }
	n := framework.NewNodeInfo(fixtures.MakeNode().Name("n1").Obj(), web("a"))
	n.Generation = 7
	var m matchCounts
	memo := m.forKey(matchKey(pod.Namespace, &cs[0]), 1)
	if got := count(memo, &cs[0], pod, n); got != 1 {
		t.Fatalf("first count %d, want 1", got)
	}
	if got := count(memo, &cs[0], pod, n); got != 1 {
		t.Fatalf("same generation: count %d, want 1", got)
	}
	n.AddPod(web("b"))
	if n.Generation != 0 {
		t.Fatalf("a changed info kept generation %d", n.Generation)
	}
	n.Generation = 8 // as the cache stamps it
	if got := count(memo, &cs[0], pod, n); got != 2 {
		t.Fatalf("new generation: count %d, want 2", got)
	}
	n.AddPod(web("c"))
	if got := count(memo, &cs[0], pod, n); got != 3 {
		t.Fatalf("no generation: count %d, want 3 counted afresh", got)
	}
}
