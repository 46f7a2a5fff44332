package podgc

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

// The tally asks for a pass when there is work, and otherwise only for
// the first one.
func TestTallyDecidesWhenToLook(t *testing.T) {
	nodes := map[string]bool{"n": true}
	tl := &tally{firstPass: true, nodeKnown: func(name string) bool { return nodes[name] }}
	if !tl.due(1) {
		t.Fatal("the first pass should scan")
	}
	running := fixtures.MakePod().Name("r").Node("n").Phase(api.PodRunning).Obj()
	done := running.DeepCopy()
	done.Status.Phase = api.PodSucceeded
	tl.onPod(nil, running)
	if tl.due(1) {
		t.Fatal("a running pod is nothing to collect")
	}
	tl.onPod(running, done)
	other := fixtures.MakePod().Name("o").Phase(api.PodFailed).Obj()
	tl.onPod(nil, other)
	if !tl.due(1) || tl.finished != 2 {
		t.Fatalf("two finished pods over a threshold of 1: due false or finished %d", tl.finished)
	}
	tl.onPod(done, nil)
	tl.onPod(other, nil)
	now := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	stranded := fixtures.MakePod().Name("s").Obj()
	stranded.DeletionTimestamp = &now
	tl.onPod(nil, stranded)
	if !tl.due(1) {
		t.Fatal("a terminating pod without a node is work")
	}
	tl.onPod(stranded, nil)
	tl.onNode(fixtures.MakeNode().Name("n").Obj(), nil)
	if !tl.due(1) {
		t.Fatal("a deleted node should start a full scan")
	}
	if tl.due(1) {
		t.Fatal("a second pass with nothing to do scanned")
	}
	tl.onPod(nil, fixtures.MakePod().Name("lost").Node("never-was").Phase(api.PodRunning).Obj())
	if !tl.due(1) {
		t.Fatal("a pod bound to an unknown node should start a full scan")
	}
	if tl.due(1) {
		t.Fatal("the scan for orphans should clear the flag")
	}
}
