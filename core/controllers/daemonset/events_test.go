package daemonset_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers/daemonset"
)

func TestDaemonSetReportsCreates(t *testing.T) {
	e, c := setup(t, fixtures.MakeDaemonSet("agent"), fixtures.MakeNode().Name("n1").Obj())
	c.Events = e.Recorder(daemonset.Component)
	e.Reconcile(c, dsKey)
	p := podsByNode(t, e)["n1"]
	if p == nil {
		t.Fatal("no pod on n1")
	}
	if want := "Normal SuccessfulCreate DaemonSet/agent: Created pod: " + p.Name; !e.HasEvent(want) {
		t.Fatalf("no %q in %q", want, e.Events())
	}
}
