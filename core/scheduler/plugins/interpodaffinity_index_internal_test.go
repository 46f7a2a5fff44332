package plugins

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/scheduler/cache"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// TestAffinityIndexesMatchFullCount drives a cache through a seeded random
// history of pods with and without (anti-)affinity terms, nodes added,
// relabelled and removed, and checks after every step that the aggregates
// InterPodAffinity keeps equal a count over every pod.
func TestAffinityIndexesMatchFullCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 11))
	c, snap := cache.New(), cache.NewSnapshot()
	pl := &InterPodAffinity{handle: snapshotHandle{snap}, hardWeight: 1}
	incoming := framework.NewPodInfo(fixtures.MakePod().Name("incoming").Label("app", "web").
		PodAffinity(zoneLabel, "tier", "cache").PodAntiAffinity(hostnameLabel, "app", "web").Obj())
	var pods []*api.Pod
	for step := range 3000 {
		mutateWith(t, rng, c, &pods, step, func(p *fixtures.PodWrapper) {
			p.Label("tier", []string{"cache", "front"}[rng.IntN(2)])
			switch rng.IntN(4) {
			case 0:
				p.PodAntiAffinity(hostnameLabel, "app", "web")
			case 1:
				p.PodAntiAffinity(zoneLabel, "app", "web")
			case 2:
				p.PodAffinity(zoneLabel, "tier", "cache")
			}
		})
		c.UpdateSnapshot(snap)
		want := &affinityFilterState{pod: incoming, existingAnti: topologyCounts{}, affinity: topologyCounts{}, anti: topologyCounts{}}
		pl.countAll(want, true)
		got := &affinityFilterState{pod: incoming}
		if !pl.countFromIndexes(got) {
			t.Fatal("indexes refused a snapshot without a namespace lister")
		}
		for _, agg := range []struct {
			name      string
			got, want topologyCounts
		}{{"existing anti-affinity", got.existingAnti, want.existingAnti},
			{"affinity", got.affinity, want.affinity}, {"anti-affinity", got.anti, want.anti}} {
			if !maps.Equal(agg.got, agg.want) {
				t.Fatalf("step %d, %s: index %v, full count %v", step, agg.name, agg.got, agg.want)
			}
		}
	}
}

// TestAffinityIndexesNeedNoNamespaceLister: namespace labels can change
// without a node changing, so a namespace lister turns the indexes off.
func TestAffinityIndexesNeedNoNamespaceLister(t *testing.T) {
	snap := cache.NewSnapshot()
	pl := &InterPodAffinity{handle: snapshotHandle{snap},
		nsLabels: func(string) (map[string]string, bool) { return nil, false }}
	s := &affinityFilterState{pod: framework.NewPodInfo(fixtures.MakePod().Name("p").
		PodAntiAffinity(hostnameLabel, "app", "web").Obj())}
	if pl.countFromIndexes(s) {
		t.Fatal("indexes used with a namespace lister")
	}
}

// mutate applies one random change to the cache; decorate shapes new pods.
func mutateWith(t *testing.T, rng *rand.Rand, c *cache.Cache, pods *[]*api.Pod, step int, decorate func(*fixtures.PodWrapper)) {
	t.Helper()
	name := fmt.Sprintf("n%02d", rng.IntN(12))
	if op := rng.IntN(20); op >= 4 && op < 14 {
		app := []string{"web", "db"}[rng.IntN(2)]
		p := fixtures.MakePod().Name(fmt.Sprintf("p%d", step)).UID(fmt.Sprintf("u%d", step)).Label("app", app).Node(name)
		decorate(p)
		if err := c.AddPod(p.Obj()); err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		*pods = append(*pods, p.Obj())
		return
	}
	mutate(t, rng, c, pods, step)
}
