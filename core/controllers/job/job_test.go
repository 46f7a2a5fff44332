package job_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/job"
	"github.com/kubetwin/kubetwin/core/registry"
)

var jobKey = controllers.Key{Namespace: "default", Name: "pi"}

func setup(t *testing.T, j *api.Job) (*controllertest.Env, *job.Controller) {
	t.Helper()
	e := controllertest.New(t)
	c := job.New(e.Reg, e.Caches, e.Clock)
	e.Create(job.JobKind, j)
	return e, c
}

func getJob(t *testing.T, e *controllertest.Env) *api.Job {
	t.Helper()
	o, err := e.Get(job.JobKind, "pi")
	if err != nil {
		t.Fatal(err)
	}
	return o.(*api.Job).DeepCopy()
}

// activePods lists the job's pods still running, in key order.
func activePods(e *controllertest.Env) []*api.Pod {
	var out []*api.Pod
	for _, o := range e.List(controllers.PodKind) {
		if p := o.(*api.Pod); controllers.IsPodActive(p) {
			out = append(out, p.DeepCopy())
		}
	}
	return out
}

// finish ends pod p with phase ph at the clock's time, as a node would.
func finish(e *controllertest.Env, p *api.Pod, ph api.PodPhase) {
	p = p.DeepCopy()
	p.Status.Phase = ph
	p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", State: api.ContainerState{
		Terminated: &api.ContainerStateTerminated{ExitCode: 1, FinishedAt: api.NewTime(e.Clock.Now())}}}}
	e.UpdatePodStatus(p)
}

func condition(j *api.Job, t api.JobConditionType) *api.JobCondition {
	for i := range j.Status.Conditions {
		if j.Status.Conditions[i].Type == t {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func TestCompletionsFiveParallelismTwo(t *testing.T) {
	e, c := setup(t, fixtures.MakeJob("pi", 5, 2))
	for round := 0; round < 10; round++ {
		e.Reconcile(c, jobKey)
		act := activePods(e)
		if len(act) > 2 {
			t.Fatalf("round %d: %d active pods, parallelism is 2", round, len(act))
		}
		if round == 0 {
			checkStamped(t, getJob(t, e), act)
		}
		if len(act) == 0 {
			break
		}
		e.Clock.Step(time.Second)
		finish(e, act[0], api.PodSucceeded)
	}
	e.Reconcile(c, jobKey)
	j := getJob(t, e)
	if cond := condition(j, api.JobComplete); cond == nil || cond.Status != api.ConditionTrue {
		t.Fatalf("conditions %+v, want Complete", j.Status.Conditions)
	}
	if j.Status.Succeeded != 5 || j.Status.Active != 0 || j.Status.CompletionTime == nil || j.Status.StartTime == nil {
		t.Fatalf("status %+v, want 5 succeeded, none active, start and completion times", j.Status)
	}
	if n := len(e.List(controllers.PodKind)); n != 5 {
		t.Fatalf("%d pods created, want exactly 5", n)
	}
}

// checkStamped checks pods carry j's template labels and controller ref.
func checkStamped(t *testing.T, j *api.Job, pods []*api.Pod) {
	t.Helper()
	for _, p := range pods {
		ref := cache.ControllerOf(p)
		if ref == nil || ref.UID != j.UID || ref.Kind != "Job" || p.Labels[registry.JobNameLabel] != "pi" {
			t.Fatalf("pod %s labels %v owner %+v: not stamped from the job", p.Name, p.Labels, ref)
		}
	}
}

func TestExpectationsHoldWhileCacheLags(t *testing.T) {
	e, c := setup(t, fixtures.MakeJob("pi", 5, 2))
	e.Reconcile(c, jobKey)
	_, _ = c.Reconcile(e.Ctx, jobKey) // cache not synced: must not create again
	if n := len(activePods(e)); n != 2 {
		t.Fatalf("%d pods, want 2", n)
	}
}

func TestIndexedJob(t *testing.T) {
	j := fixtures.MakeJob("pi", 4, 3)
	mode := api.IndexedCompletion
	j.Spec.CompletionMode = &mode
	e, c := setup(t, j)
	e.Reconcile(c, jobKey)
	act := activePods(e)
	if got := indexesOf(act); !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("indexes %v, want 0,1,2", got)
	}
	for _, p := range act {
		idx := p.Annotations[job.CompletionIndexAnnotation]
		env := p.Spec.Containers[0].Env
		if len(env) != 1 || env[0].Name != job.CompletionIndexEnv || env[0].Value != idx {
			t.Fatalf("pod %s env %+v, want %s=%s", p.Name, env, job.CompletionIndexEnv, idx)
		}
	}
	finish(e, podWithIndex(t, act, "0"), api.PodSucceeded)
	finish(e, podWithIndex(t, act, "2"), api.PodSucceeded)
	e.Reconcile(c, jobKey)
	if got := indexesOf(activePods(e)); !slices.Equal(got, []string{"1", "3"}) {
		t.Fatalf("indexes %v after 0 and 2 succeeded, want 1,3", got)
	}
	e.Reconcile(c, jobKey)
	if s := getJob(t, e).Status.CompletedIndexes; s != "0,2" {
		t.Fatalf("completedIndexes %q, want 0,2", s)
	}
	for _, p := range activePods(e) {
		finish(e, p, api.PodSucceeded)
	}
	e.Reconcile(c, jobKey)
	got := getJob(t, e)
	if got.Status.CompletedIndexes != "0-3" || got.Status.Succeeded != 4 || condition(got, api.JobComplete) == nil {
		t.Fatalf("status %+v, want 0-3 completed and Complete", got.Status)
	}
}

func indexesOf(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Annotations[job.CompletionIndexAnnotation])
	}
	slices.Sort(out)
	return out
}

func podWithIndex(t *testing.T, pods []*api.Pod, idx string) *api.Pod {
	t.Helper()
	for _, p := range pods {
		if p.Annotations[job.CompletionIndexAnnotation] == idx {
			return p
		}
	}
	t.Fatalf("no pod with index %s", idx)
	return nil
}

func TestBackoffLimitExceeded(t *testing.T) {
	j := fixtures.MakeJob("pi", 1, 1)
	limit := int32(2)
	j.Spec.BackoffLimit = &limit
	e, c := setup(t, j)
	e.Reconcile(c, jobKey)
	for failures := int32(1); failures <= 3; failures++ {
		act := activePods(e)
		if len(act) != 1 {
			t.Fatalf("after %d failures: %d active, want 1", failures-1, len(act))
		}
		finish(e, act[0], api.PodFailed)
		res := e.Reconcile(c, jobKey)
		if failures == 3 {
			break
		}
		want := job.BackoffDelay(failures)
		if res.RequeueAfter != want || len(activePods(e)) != 0 {
			t.Fatalf("after failure %d: requeue %v with %d active, want %v and none", failures, res.RequeueAfter, len(activePods(e)), want)
		}
		e.Clock.Step(want)
		e.Reconcile(c, jobKey)
	}
	got := getJob(t, e)
	cond := condition(got, api.JobFailed)
	if cond == nil || cond.Reason != job.ReasonBackoffLimitExceeded || got.Status.Failed != 3 {
		t.Fatalf("status %+v, want Failed BackoffLimitExceeded after 3 failures", got.Status)
	}
}

func TestBackoffDelayDoublesToCap(t *testing.T) {
	for failed, want := range map[int32]time.Duration{0: 0, 1: 10 * time.Second, 2: 20 * time.Second,
		3: 40 * time.Second, 6: 320 * time.Second, 7: 6 * time.Minute, 30: 6 * time.Minute} {
		if got := job.BackoffDelay(failed); got != want {
			t.Errorf("BackoffDelay(%d) = %v, want %v", failed, got, want)
		}
	}
}

func TestActiveDeadline(t *testing.T) {
	j := fixtures.MakeJob("pi", 3, 3)
	deadline := int64(60)
	j.Spec.ActiveDeadlineSeconds = &deadline
	e, c := setup(t, j)
	res := e.Reconcile(c, jobKey)
	if res.RequeueAfter != time.Minute || len(activePods(e)) != 3 {
		t.Fatalf("requeue %v with %d active, want 1m and 3", res.RequeueAfter, len(activePods(e)))
	}
	e.Clock.Step(time.Minute)
	e.Reconcile(c, jobKey)
	got := getJob(t, e)
	if cond := condition(got, api.JobFailed); cond == nil || cond.Reason != job.ReasonDeadlineExceeded {
		t.Fatalf("conditions %+v, want Failed DeadlineExceeded", got.Status.Conditions)
	}
	if n := len(activePods(e)); n != 0 || got.Status.Active != 0 {
		t.Fatalf("%d pods left active (status %d), want 0", n, got.Status.Active)
	}
}

func TestSuspendDeletesPodsAndResumes(t *testing.T) {
	e, c := setup(t, fixtures.MakeJob("pi", 2, 2))
	e.Reconcile(c, jobKey)
	j := getJob(t, e)
	suspend := true
	j.Spec.Suspend = &suspend
	if _, err := e.Reg.Update(e.Ctx, job.JobKind, j, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, jobKey)
	e.Reconcile(c, jobKey)
	got := getJob(t, e)
	if cond := condition(got, api.JobSuspended); cond == nil || cond.Status != api.ConditionTrue || len(activePods(e)) != 0 {
		t.Fatalf("conditions %+v with %d pods, want Suspended and none", got.Status.Conditions, len(activePods(e)))
	}
	suspend = false
	got.Spec.Suspend = &suspend
	if _, err := e.Reg.Update(e.Ctx, job.JobKind, got, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	e.Reconcile(c, jobKey)
	if n := len(activePods(e)); n != 2 {
		t.Fatalf("%d pods after resume, want 2", n)
	}
}

func TestTTLDeletesFinishedJob(t *testing.T) {
	j := fixtures.MakeJob("pi", 1, 1)
	ttl := int32(100)
	j.Spec.TTLSecondsAfterFinished = &ttl
	e, c := setup(t, j)
	e.Reconcile(c, jobKey)
	finish(e, activePods(e)[0], api.PodSucceeded)
	res := e.Reconcile(c, jobKey)
	if res.RequeueAfter != 100*time.Second {
		t.Fatalf("requeue %v after completion, want 100s", res.RequeueAfter)
	}
	e.Clock.Step(40 * time.Second)
	if res := e.Reconcile(c, jobKey); res.RequeueAfter != 60*time.Second {
		t.Fatalf("requeue %v 40s later, want 60s", res.RequeueAfter)
	}
	e.Clock.Step(60 * time.Second)
	e.Reconcile(c, jobKey)
	if _, err := e.Get(job.JobKind, "pi"); !registry.IsNotFound(err) {
		t.Fatalf("job after its TTL: err %v, want not found", err)
	}
	if n := len(e.List(controllers.PodKind)); n != 0 {
		t.Fatalf("%d pods left after the TTL, want 0", n)
	}
}
