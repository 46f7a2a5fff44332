package nodelifecycle_test

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers/nodelifecycle"
)

func TestLostNodeReportsNotReadyAndEvictions(t *testing.T) {
	f := setup(t, fixtures.MakeNode().Name("n1").Zone("a").Obj(), fixtures.MakeNode().Name("n2").Zone("a").Obj())
	f.c.Events = f.Recorder(nodelifecycle.Component)
	f.CreatePod(tolerating("now", "n1", new(int64(0))))
	f.advance(41*time.Second, "n2")
	f.monitor()
	for _, want := range []string{
		"Normal NodeNotReady Node/n1: Node n1 status is now: NodeNotReady",
		"Normal TaintManagerEviction Pod/now: Marking for deletion Pod default/now",
	} {
		if !f.HasEvent(want) {
			t.Errorf("no %q in %q", want, f.Events())
		}
	}
	if f.HasEvent("Normal NodeNotReady Node/n2") {
		t.Errorf("n2 renewed its lease but was reported NotReady: %q", f.Events())
	}
}
