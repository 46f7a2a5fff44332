package scheduler_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

// identicalCluster gives every pod a tie between every node, so placements
// depend only on the seeded tie-breaking.
func identicalCluster(seed int64, t *testing.T) map[string]string {
	h := newHarness(t, seed)
	for i := range 20 {
		h.s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("n%02d", i)).CPU("4").Memory("8Gi").Obj())
	}
	for i := range 30 {
		h.s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("p%02d", i)).CPU("100m").Memory("100Mi").Obj())
	}
	return placements(h.drain(t))
}

func TestDeterministicBySeed(t *testing.T) {
	a, b := identicalCluster(42, t), identicalCluster(42, t)
	if !maps.Equal(a, b) {
		t.Fatalf("same seed, different placements:\n%v\n%v", a, b)
	}
	if c := identicalCluster(7, t); maps.Equal(a, c) {
		t.Fatalf("seeds 42 and 7 gave identical tie-breaks: %v", c)
	}
	if len(a) != 30 {
		t.Fatalf("placed %d pods", len(a))
	}
}

// naiveNode is the oracle's own accounting, from raw quantities.
type naiveNode struct {
	cpu, mem, gpu, pods int64
}

func naiveRequests(p *api.Pod) naiveNode {
	var r naiveNode
	for _, c := range p.Spec.Containers {
		q := c.Resources.Requests
		cpu, mem, gpu := q[api.ResourceCPU], q[api.ResourceMemory], q["nvidia.com/gpu"]
		r.cpu += cpu.MilliValue()
		r.mem += mem.Value()
		r.gpu += gpu.Value()
	}
	r.pods = 1
	return r
}

func naiveFits(req, used, alloc naiveNode) bool {
	return used.cpu+req.cpu <= alloc.cpu && used.mem+req.mem <= alloc.mem &&
		used.gpu+req.gpu <= alloc.gpu && used.pods+1 <= alloc.pods
}

func randomCluster(r *rand.Rand, h *harness) (map[string]naiveNode, []*api.Pod) {
	alloc := map[string]naiveNode{}
	for i := range 1 + r.IntN(6) {
		name := fmt.Sprintf("n%d", i)
		n := naiveNode{cpu: int64(1+r.IntN(8)) * 1000, mem: int64(1+r.IntN(16)) << 30, gpu: int64(r.IntN(3)), pods: int64(2 + r.IntN(8))}
		h.s.AddNode(fixtures.MakeNode().Name(name).CPU(fmt.Sprintf("%dm", n.cpu)).Memory(fmt.Sprint(n.mem)).
			Capacity("nvidia.com/gpu", fmt.Sprint(n.gpu)).Capacity(api.ResourcePods, fmt.Sprint(n.pods)).Obj())
		alloc[name] = n
	}
	var pods []*api.Pod
	for i := range 1 + r.IntN(15) {
		w := fixtures.MakePod().Name(fmt.Sprintf("p%d", i)).Priority(int32(r.IntN(3)))
		if r.IntN(4) > 0 {
			w.CPU(fmt.Sprintf("%dm", r.IntN(4000)))
		}
		if r.IntN(4) > 0 {
			w.Memory(fmt.Sprint(int64(r.IntN(8<<10)) << 20))
		}
		if r.IntN(4) == 0 {
			w.Request("nvidia.com/gpu", fmt.Sprint(1+r.IntN(2)))
		}
		pods = append(pods, w.Obj())
	}
	return alloc, pods
}

// TestOracle checks every placement against a naive fit check and every
// "unschedulable" verdict against an exhaustive search, at the moment each was made.
func TestOracle(t *testing.T) {
	placed, unsched := 0, 0
	defer func() {
		if placed == 0 || unsched == 0 {
			t.Errorf("oracle never exercised both outcomes: placed %d, unschedulable %d", placed, unsched)
		}
	}()
	r := rand.New(rand.NewPCG(2026, 0))
	for trial := range 300 {
		h := newHarness(t, int64(trial))
		alloc, pods := randomCluster(r, h)
		used := map[string]naiveNode{}
		for _, p := range pods {
			h.s.AddPod(p)
		}
		for _, res := range h.drain(t) {
			if res.Err != nil {
				unsched++
			} else {
				placed++
			}
			req := naiveRequests(res.Pod)
			var fitErr *scheduler.FitError
			switch {
			case res.Err == nil:
				if !naiveFits(req, used[res.Node], alloc[res.Node]) {
					t.Fatalf("trial %d: %s placed on %s over allocatable (used %+v req %+v alloc %+v)",
						trial, res.Pod.Name, res.Node, used[res.Node], req, alloc[res.Node])
				}
				u := used[res.Node]
				used[res.Node] = naiveNode{u.cpu + req.cpu, u.mem + req.mem, u.gpu + req.gpu, u.pods + 1}
			case errors.As(res.Err, &fitErr):
				for name, a := range alloc {
					if naiveFits(req, used[name], a) {
						t.Fatalf("trial %d: %s reported unschedulable (%v) but fits %s", trial, res.Pod.Name, res.Err, name)
					}
				}
			default:
				t.Fatalf("trial %d: unexpected error %v", trial, res.Err)
			}
		}
	}
}
