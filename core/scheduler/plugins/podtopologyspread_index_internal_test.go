package plugins

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/cache"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// snapshotHandle is a Handle over a cache snapshot.
type snapshotHandle struct{ s *cache.Snapshot }

func (h snapshotHandle) SnapshotSharedLister() framework.NodeInfoLister { return h.s }
func (snapshotHandle) Binder() framework.Binder                         { return nil }

// TestDomainIndexMatchesFullCount drives a cache through a seeded random
// history (pods added and removed, nodes added, relabelled to another zone
// or stripped of it, and removed) and checks after every step that the
// incrementally kept domain counts equal a count over every node.
func TestDomainIndexMatchesFullCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	c, snap := cache.New(), cache.NewSnapshot()
	pl := &PodTopologySpread{handle: snapshotHandle{snap}}
	incoming := fixtures.MakePod().Name("incoming").Label("app", "web").
		SpreadConstraint(1, zoneLabel, api.DoNotSchedule, "app", "web").
		SpreadConstraint(2, hostnameLabel, api.DoNotSchedule, "app", "web").Obj()
	cs, _, err := pl.constraints(incoming, api.DoNotSchedule)
	if err != nil || !podIndependent(incoming, cs) {
		t.Fatalf("constraints %v, %v", cs, err)
	}
	var pods []*api.Pod
	for step := range 3000 {
		mutate(t, rng, c, &pods, step)
		c.UpdateSnapshot(snap)
		want := &spreadFilterState{constraints: cs, counts: make([]map[string]int64, len(cs))}
		pl.countAll(want, incoming)
		for i := range cs {
			got := pl.domainCounts(snap, incoming, cs, i)
			if !maps.Equal(got, want.counts[i]) {
				t.Fatalf("step %d, constraint %s: index %v, full count %v", step, cs[i].key, got, want.counts[i])
			}
		}
	}
}

const zoneLabel = "topology.kubernetes.io/zone"

// mutate applies one random change to the cache.
func mutate(t *testing.T, rng *rand.Rand, c *cache.Cache, pods *[]*api.Pod, step int) {
	t.Helper()
	name := fmt.Sprintf("n%02d", rng.IntN(12))
	switch op := rng.IntN(20); {
	case op == 0:
		if err := c.RemoveNode(fixtures.MakeNode().Name(name).Obj()); err != nil && !errorsIsUnknown(err) {
			t.Fatalf("step %d: %v", step, err)
		}
	case op < 4:
		n := fixtures.MakeNode().Name(name).Label(hostnameLabel, name)
		if zone := rng.IntN(4); zone < 3 { // a node without a zone counts in no domain
			n.Zone(fmt.Sprintf("z%d", zone))
		}
		c.AddNode(n.Obj())
	case op < 14:
		app := []string{"web", "db"}[rng.IntN(2)]
		p := fixtures.MakePod().Name(fmt.Sprintf("p%d", step)).UID(fmt.Sprintf("u%d", step)).
			Label("app", app).Node(name).Obj()
		if err := c.AddPod(p); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		*pods = append(*pods, p)
	case len(*pods) > 0:
		i := rng.IntN(len(*pods))
		if err := c.RemovePod((*pods)[i]); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		*pods = slices.Delete(*pods, i, i+1)
	}
}

func errorsIsUnknown(err error) bool { return errors.Is(err, cache.ErrUnknownNode) }

// nodeListHandle lists the snapshot's nodes but offers no change log, so
// PreScore takes the walk over every node.
type nodeListHandle struct{ s *cache.Snapshot }

func (h nodeListHandle) SnapshotSharedLister() framework.NodeInfoLister { return plainLister{h.s} }
func (nodeListHandle) Binder() framework.Binder                         { return nil }

// plainLister hides the snapshot's change log behind the lister interface.
type plainLister struct{ framework.NodeInfoLister }

// TestScoreDomainIndexMatchesWalk checks, through a random history, that
// PreScore's domain counts and Score's per-node figures from the label
// index equal those of the walk over every node.
func TestScoreDomainIndexMatchesWalk(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	c, snap := cache.New(), cache.NewSnapshot()
	indexed := &PodTopologySpread{handle: snapshotHandle{snap}, systemDef: true}
	walked := &PodTopologySpread{handle: nodeListHandle{snap}, systemDef: true}
	soft := fixtures.MakePod().Name("soft").Label("app", "web").
		SpreadConstraint(1, zoneLabel, api.ScheduleAnyway, "app", "web").
		SpreadConstraint(2, hostnameLabel, api.ScheduleAnyway, "app", "web").Obj()
	var pods []*api.Pod
	for step := range 1500 {
		mutate(t, rng, c, &pods, step)
		c.UpdateSnapshot(snap)
		feasible := snap.List()
		for _, pod := range []*api.Pod{soft} {
			a, b := framework.NewCycleState(), framework.NewCycleState()
			sa, sb := indexed.PreScore(context.Background(), a, pod, feasible), walked.PreScore(context.Background(), b, pod, feasible)
			if !sa.IsSuccess() || !sb.IsSuccess() {
				continue // skipped alike: no constraint applies
			}
			ga, _ := readState[*spreadScoreState](a, spreadScoreKey)
			gb, _ := readState[*spreadScoreState](b, spreadScoreKey)
			for i := range ga.counts {
				if !maps.Equal(ga.counts[i], gb.counts[i]) {
					t.Fatalf("step %d, %s constraint %d: indexed %v, walk %v", step, pod.Name, i, ga.counts[i], gb.counts[i])
				}
			}
			for _, n := range feasible {
				x, _ := indexed.Score(context.Background(), a, pod, n)
				y, _ := walked.Score(context.Background(), b, pod, n)
				if x != y {
					t.Fatalf("step %d, node %s: indexed score %d, walk %d", step, n.Name(), x, y)
				}
			}
		}
	}
}
