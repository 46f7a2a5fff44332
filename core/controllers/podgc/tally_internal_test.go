package podgc

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

// The tally hands a pass the oldest finished pods beyond the threshold
// and the stranded ones, and asks for a scan of the bound pods only first
// and when an orphan may exist.
func TestTallyHandsOutTheWork(t *testing.T) {
	nodes := map[string]bool{"n": true}
	tl := newTally(func(name string) bool { return nodes[name] })
	if _, _, scan := tl.work(1); !scan {
		t.Fatal("the first pass should scan")
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pod := func(name string, age int, phase api.PodPhase) *api.Pod {
		p := fixtures.MakePod().Name(name).Node("n").Phase(phase).Obj()
		p.CreationTimestamp = api.NewTime(t0.Add(time.Duration(age) * time.Minute))
		return p
	}
	running := pod("r", 0, api.PodRunning)
	tl.onPod(nil, running)
	if excess, stranded, scan := tl.work(1); excess != nil || stranded != nil || scan {
		t.Fatalf("a running pod is nothing to collect: %v %v %v", excess, stranded, scan)
	}
	// Finished in another order than created: the oldest goes first.
	tl.onPod(nil, pod("c", 3, api.PodFailed))
	done := running.DeepCopy()
	done.Status.Phase = api.PodSucceeded
	tl.onPod(running, done)
	tl.onPod(nil, pod("b", 2, api.PodSucceeded))
	excess, _, _ := tl.work(1)
	if len(excess) != 2 || excess[0].Name != "r" || excess[1].Name != "b" {
		t.Fatalf("excess over a threshold of 1: %v, want r then b", names(excess))
	}
	tl.onPod(done, nil)
	if excess, _, _ := tl.work(1); len(excess) != 1 || excess[0].Name != "b" {
		t.Fatalf("after r went: %v, want b", names(excess))
	}
	now := api.NewTime(t0)
	stranded := fixtures.MakePod().Name("s").Obj()
	stranded.DeletionTimestamp = &now
	tl.onPod(nil, stranded)
	if _, st, _ := tl.work(0); len(st) != 1 || st[0].Name != "s" {
		t.Fatalf("stranded %v, want s", names(st))
	}
	tl.onPod(stranded, nil)
	tl.onNode(fixtures.MakeNode().Name("n").Obj(), nil)
	if _, _, scan := tl.work(1); !scan {
		t.Fatal("a deleted node should start a scan")
	}
	if _, _, scan := tl.work(1); scan {
		t.Fatal("a second pass with no news scanned")
	}
	tl.onPod(nil, fixtures.MakePod().Name("lost").Node("never-was").Phase(api.PodRunning).Obj())
	if _, _, scan := tl.work(1); !scan {
		t.Fatal("a pod bound to an unknown node should start a scan")
	}
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}
