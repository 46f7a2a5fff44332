package scheduler_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

// oracleCluster is the constraint oracle's own view: node zones and capacity, and who runs where.
type oracleCluster struct {
	zone  map[string]string
	alloc map[string]naiveNode
	used  map[string]naiveNode
	pods  map[string][]*api.Pod
}

func randomConstrainedCluster(r *rand.Rand, h *harness) (*oracleCluster, []*api.Pod) {
	c := &oracleCluster{zone: map[string]string{}, alloc: map[string]naiveNode{}, used: map[string]naiveNode{}, pods: map[string][]*api.Pod{}}
	zones := 1 + r.IntN(3)
	for i := range 2 + r.IntN(5) {
		name, zone := fmt.Sprintf("n%d", i), fmt.Sprintf("z%d", r.IntN(zones))
		n := naiveNode{cpu: int64(1+r.IntN(4)) * 1000, mem: 8 << 30, pods: 110}
		h.s.AddNode(fixtures.MakeNode().Name(name).Zone(zone).CPU(fmt.Sprintf("%dm", n.cpu)).Memory(fmt.Sprint(n.mem)).Obj())
		c.zone[name], c.alloc[name] = zone, n
	}
	var pods []*api.Pod
	for i := range 1 + r.IntN(20) {
		group := fmt.Sprintf("g%d", r.IntN(3))
		w := fixtures.MakePod().Name(fmt.Sprintf("p%02d", i)).Label("app", group).CPU(fmt.Sprintf("%dm", 100*(1+r.IntN(10))))
		if r.IntN(3) == 0 {
			w.PodAntiAffinity("kubernetes.io/hostname", "app", group)
		}
		if r.IntN(2) == 0 {
			w.SpreadConstraint(int32(1+r.IntN(2)), "topology.kubernetes.io/zone", api.DoNotSchedule, "app", group)
		}
		pods = append(pods, w.Obj())
	}
	return c, pods
}

// allowed is the naive check: resources, anti-affinity both ways, and zone skew.
func (c *oracleCluster) allowed(p *api.Pod, node string) bool {
	if !naiveFits(naiveRequests(p), c.used[node], c.alloc[node]) {
		return false
	}
	for _, q := range c.pods[node] {
		if antiAgainst(p, q) || antiAgainst(q, p) {
			return false
		}
	}
	for _, sc := range p.Spec.TopologySpreadConstraints {
		counts := map[string]int{}
		for n, z := range c.zone {
			counts[z] += 0
			for _, q := range c.pods[n] {
				if q.Labels["app"] == sc.LabelSelector.MatchLabels["app"] {
					counts[z]++
				}
			}
		}
		lo := math.MaxInt
		for _, v := range counts {
			lo = min(lo, v)
		}
		if counts[c.zone[node]]+1-lo > int(sc.MaxSkew) {
			return false
		}
	}
	return true
}

// antiAgainst reports whether a's hostname anti-affinity selects b.
func antiAgainst(a, b *api.Pod) bool {
	if a.Spec.Affinity == nil || a.Spec.Affinity.PodAntiAffinity == nil {
		return false
	}
	for _, t := range a.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		if b.Labels["app"] == t.LabelSelector.MatchLabels["app"] {
			return true
		}
	}
	return false
}

// TestOracleConstraints checks every placement and every "unschedulable"
// verdict against a naive model of anti-affinity and zone spread.
func TestOracleConstraints(t *testing.T) {
	placed, unsched := 0, 0
	r := rand.New(rand.NewPCG(7, 0))
	for trial := range 200 {
		h := newHarness(t, int64(trial))
		c, pods := randomConstrainedCluster(r, h)
		for _, p := range pods {
			h.s.AddPod(p)
		}
		for _, res := range h.drain(t) {
			var fitErr *scheduler.FitError
			switch {
			case res.Err == nil:
				placed++
				if !c.allowed(res.Pod, res.Node) {
					t.Fatalf("trial %d: %s placed on %s against the oracle", trial, res.Pod.Name, res.Node)
				}
				req, u := naiveRequests(res.Pod), c.used[res.Node]
				c.used[res.Node] = naiveNode{u.cpu + req.cpu, u.mem + req.mem, u.gpu, u.pods + 1}
				c.pods[res.Node] = append(c.pods[res.Node], res.Pod)
			case errors.As(res.Err, &fitErr):
				unsched++
				for n := range c.zone {
					if c.allowed(res.Pod, n) {
						t.Fatalf("trial %d: %s unschedulable (%v) but the oracle allows %s", trial, res.Pod.Name, res.Err, n)
					}
				}
			default:
				t.Fatalf("trial %d: unexpected error %v", trial, res.Err)
			}
		}
	}
	if placed == 0 || unsched == 0 {
		t.Errorf("oracle never exercised both outcomes: placed %d, unschedulable %d", placed, unsched)
	}
}
