package replicaset_test

import (
	"fmt"
	"testing"

	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
)

func TestScalingReportsCreatesAndDeletes(t *testing.T) {
	e, c, _ := setup(t, 2)
	c.Events = e.Recorder(replicaset.Component)
	e.Reconcile(c, rsKey)
	names := podNames(e)
	for _, n := range names {
		if want := fmt.Sprintf("Normal SuccessfulCreate ReplicaSet/web: Created pod: %s", n); !e.HasEvent(want) {
			t.Errorf("no %q in %q", want, e.Events())
		}
	}
	setReplicas(t, e, 1)
	e.Reconcile(c, rsKey)
	if !e.HasEvent("Normal SuccessfulDelete ReplicaSet/web: Deleted pod: web-") {
		t.Errorf("no SuccessfulDelete in %q", e.Events())
	}
}
