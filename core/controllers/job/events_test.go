package job_test

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers/job"
)

func TestJobReportsCreatesAndCompletion(t *testing.T) {
	e, c := setup(t, fixtures.MakeJob("pi", 1, 1))
	c.Events = e.Recorder(job.Component)
	e.Reconcile(c, jobKey)
	act := activePods(e)
	if len(act) != 1 {
		t.Fatalf("%d active pods, want 1", len(act))
	}
	if want := "Normal SuccessfulCreate Job/pi: Created pod: " + act[0].Name; !e.HasEvent(want) {
		t.Fatalf("no %q in %q", want, e.Events())
	}
	e.Clock.Step(time.Second)
	finish(e, act[0], api.PodSucceeded)
	e.Reconcile(c, jobKey)
	if !e.HasEvent("Normal Completed Job/pi: Job completed") {
		t.Fatalf("no Completed in %q", e.Events())
	}
}

func TestJobReportsBackoffLimitExceeded(t *testing.T) {
	j := fixtures.MakeJob("pi", 1, 1)
	limit := int32(0)
	j.Spec.BackoffLimit = &limit
	e, c := setup(t, j)
	c.Events = e.Recorder(job.Component)
	e.Reconcile(c, jobKey)
	finish(e, activePods(e)[0], api.PodFailed)
	e.Reconcile(c, jobKey)
	if !e.HasEvent("Warning BackoffLimitExceeded Job/pi: Job has reached the specified backoff limit") {
		t.Fatalf("no BackoffLimitExceeded in %q", e.Events())
	}
}
