package scheduler_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

func TestAntiAffinitySpreadsReplicasOnePerNode(t *testing.T) {
	h := newHarness(t, 3)
	for i := range 3 {
		h.s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("n%d", i)).CPU("8").Memory("8Gi").Obj())
	}
	for i := range 4 {
		h.s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("web-%d", i)).Label("app", "web").CPU("100m").
			PodAntiAffinity("kubernetes.io/hostname", "app", "web").Obj())
	}
	got := placements(h.drain(t))
	used := map[string]bool{}
	for i := range 3 {
		n := got[fmt.Sprintf("web-%d", i)]
		if !strings.HasPrefix(n, "n") || used[n] {
			t.Fatalf("replica %d on %q: %v", i, n, got)
		}
		used[n] = true
	}
	want := "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules."
	if !strings.HasPrefix(got["web-3"], "<"+want) {
		t.Fatalf("4th replica: %q, want prefix %q", got["web-3"], want)
	}
}

func TestSpreadOverZonesEndToEnd(t *testing.T) {
	h := newHarness(t, 5)
	for i := range 4 {
		h.s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("n%d", i)).CPU("8").Memory("8Gi").Zone(fmt.Sprintf("z%d", i%2)).Obj())
	}
	for i := range 7 {
		h.s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("p%d", i)).Label("app", "db").CPU("100m").
			SpreadConstraint(1, "topology.kubernetes.io/zone", api.DoNotSchedule, "app", "db").Obj())
	}
	perZone := map[string]int{}
	for name, node := range placements(h.drain(t)) {
		if strings.HasPrefix(node, "<") {
			t.Fatalf("%s: %s", name, node)
		}
		perZone[fmt.Sprintf("z%c", node[1]%2+'0')]++
	}
	if d := perZone["z0"] - perZone["z1"]; d < -1 || d > 1 {
		t.Fatalf("skew over 1: %v", perZone)
	}
}

func TestPreemptionNominatesAndReservesNode(t *testing.T) {
	h := newHarness(t, 1)
	h.s.Queue.SetStrictBackoff(true) // so "high" waits while "mid" tries the reserved room
	h.s.AddNode(fixtures.MakeNode().Name("n1").CPU("2").Memory("8Gi").Obj())
	low := fixtures.MakePod().Name("low").Priority(1).CPU("2").Node("n1").Obj()
	if err := h.s.AddPod(low); err != nil {
		t.Fatal(err)
	}
	h.s.AddPod(fixtures.MakePod().Name("high").Priority(100).CPU("2").Obj())
	rs := h.drain(t)
	if len(rs) != 1 || rs[0].NominatedNodeName != "n1" || len(rs[0].Victims) != 1 || rs[0].Victims[0].Name != "low" {
		t.Fatalf("preemption result %+v", rs)
	}
	// The driver deletes the victim; the freed room stays reserved for "high".
	if err := h.s.DeletePod(rs[0].Victims[0]); err != nil {
		t.Fatal(err)
	}
	h.s.AddPod(fixtures.MakePod().Name("mid").Priority(50).CPU("2").Obj())
	mid := h.drain(t)
	var fitErr *scheduler.FitError
	if len(mid) != 1 || mid[0].Pod.Name != "mid" || !errors.As(mid[0].Err, &fitErr) || mid[0].NominatedNodeName != "" {
		t.Fatalf("mid took the nominated room: %+v", mid)
	}
	h.clock.Step(time.Second)
	if got := placements(h.drain(t)); got["high"] != "n1" {
		t.Fatalf("high after victim deletion: %v", got)
	}
}
