package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/core/scheduler/queue"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newQueue() (*queue.Queue, *clock.Manual) {
	c := clock.NewManual(t0)
	return queue.New(c, (&plugins.PrioritySort{}).Less), c
}

func pod(name string, prio int32, created time.Duration) *api.Pod {
	p := fixtures.MakePod().Name(name).Priority(prio).Obj()
	p.CreationTimestamp = api.NewTime(t0.Add(created))
	return p
}

func popAll(t *testing.T, q *queue.Queue) []string {
	t.Helper()
	var out []string
	for {
		qp, ok := q.PopNow()
		if !ok {
			return out
		}
		out = append(out, qp.Pod.Name)
	}
}

func TestActiveOrder(t *testing.T) {
	q, _ := newQueue()
	q.Add(pod("low-old", 0, 0))
	q.Add(pod("high", 10, 5*time.Second))
	q.Add(pod("low-new", 0, time.Second))
	q.Add(pod("low-old-b", 0, 0))
	got := popAll(t, q)
	want := []string{"high", "low-old", "low-old-b", "low-new"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

func TestBackoffDuration(t *testing.T) {
	q, _ := newQueue()
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}
	for i, w := range want {
		if got := q.BackoffDuration(i + 1); got != w {
			t.Fatalf("attempt %d: %v, want %v", i+1, got, w)
		}
	}
}

func TestErrorGoesToBackoffThenActive(t *testing.T) {
	q, c := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	q.AddUnschedulable(qp, q.SchedulingCycle()) // no plugins: an error → backoff
	if n := q.Len(); n.Backoff != 1 {
		t.Fatalf("counts %+v", n)
	}
	if next, ok := q.NextBackoff(); !ok || !next.Equal(t0.Add(time.Second)) {
		t.Fatalf("next backoff %v %v", next, ok)
	}
	c.Step(999 * time.Millisecond)
	if _, ok := q.PopNow(); ok {
		t.Fatalf("popped during backoff")
	}
	c.Step(time.Millisecond)
	qp, ok := q.PopNow()
	if !ok || qp.Attempts != 2 {
		t.Fatalf("pop after backoff: %v %+v", ok, qp)
	}
	// Second failure: 2 s backoff, driven by Flush at an explicit time.
	q.AddUnschedulable(qp, q.SchedulingCycle())
	q.Flush(c.Now().Add(1500 * time.Millisecond))
	if q.Len().Active != 0 {
		t.Fatalf("flushed too early")
	}
	q.Flush(c.Now().Add(2 * time.Second))
	if q.Len().Active != 1 {
		t.Fatalf("flush did not move the pod: %+v", q.Len())
	}
}

func TestUnschedulableWaitsForEvent(t *testing.T) {
	q, c := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	qp.UnschedulablePlugins = []string{"NodeResourcesFit"}
	q.AddUnschedulable(qp, q.SchedulingCycle())
	c.Step(time.Minute)
	if _, ok := q.PopNow(); ok || q.Len().Unschedulable != 1 {
		t.Fatalf("unschedulable pod popped without an event: %+v", q.Len())
	}
	q.MoveAllToActiveOrBackoff(queue.EventNodeAdd)
	if qp, ok := q.PopNow(); !ok || qp.Pod.Name != "p" {
		t.Fatalf("event did not move the pod")
	}
}

func TestMoveDuringBackoffGoesToBackoff(t *testing.T) {
	q, c := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	qp.UnschedulablePlugins = []string{"X"}
	q.AddUnschedulable(qp, q.SchedulingCycle())
	q.MoveAllToActiveOrBackoff(queue.EventNodeUpdate)
	if n := q.Len(); n.Backoff != 1 || n.Active != 0 {
		t.Fatalf("counts %+v", n)
	}
	c.Step(time.Second)
	if _, ok := q.PopNow(); !ok {
		t.Fatalf("not ready after backoff")
	}
}

func TestEventDuringCycleSendsRejectionToBackoff(t *testing.T) {
	q, _ := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	cycle := q.SchedulingCycle()
	q.MoveAllToActiveOrBackoff(queue.EventNodeAdd) // a node arrived while p was being scheduled
	qp.UnschedulablePlugins = []string{"NodeResourcesFit"}
	q.AddUnschedulable(qp, cycle)
	if n := q.Len(); n.Backoff != 1 || n.Unschedulable != 0 {
		t.Fatalf("counts %+v", n)
	}
}

func TestUnschedulableTimeout(t *testing.T) {
	q, c := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	qp.UnschedulablePlugins = []string{"X"}
	q.AddUnschedulable(qp, q.SchedulingCycle())
	c.Step(queue.DefaultMaxUnschedulableDuration)
	if _, ok := q.PopNow(); !ok {
		t.Fatalf("pod not retried after the unschedulable timeout")
	}
}

func TestUpdateAndDelete(t *testing.T) {
	q, _ := newQueue()
	q.Add(pod("a", 0, 0))
	q.Add(pod("b", 0, time.Second))
	q.Update(pod("b", 100, time.Second))
	q.Delete(pod("a", 0, 0))
	got := popAll(t, q)
	if len(got) != 1 || got[0] != "b" {
		t.Fatalf("got %v", got)
	}
	q.Add(pod("c", 0, 0))
	qp, _ := q.PopNow()
	qp.UnschedulablePlugins = []string{"X"}
	q.AddUnschedulable(qp, q.SchedulingCycle())
	q.Update(pod("c", 0, 0)) // an update gives an unschedulable pod another chance, after backoff
	if n := q.Len(); n.Backoff != 1 || n.Unschedulable != 0 {
		t.Fatalf("counts %+v", n)
	}
}

func TestPopBlocksUntilBackoffEnds(t *testing.T) {
	q, c := newQueue()
	q.Add(pod("p", 0, 0))
	qp, _ := q.PopNow()
	q.AddUnschedulable(qp, q.SchedulingCycle())
	got := make(chan *framework.QueuedPodInfo)
	go func() {
		qp, err := q.Pop(context.Background())
		if err != nil {
			t.Error(err)
		}
		got <- qp
	}()
	for c.Pending() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Step(time.Second)
	if qp := <-got; qp.Pod.Name != "p" {
		t.Fatalf("popped %v", qp.Pod.Name)
	}
}

func TestPopWakesOnAddAndClose(t *testing.T) {
	q, _ := newQueue()
	done := make(chan string)
	go func() {
		qp, err := q.Pop(context.Background())
		if err != nil {
			done <- err.Error()
			return
		}
		done <- qp.Pod.Name
	}()
	q.Add(pod("x", 0, 0))
	if got := <-done; got != "x" {
		t.Fatalf("got %q", got)
	}
	go func() {
		_, err := q.Pop(context.Background())
		done <- err.Error()
	}()
	q.Close()
	if got := <-done; got != queue.ErrClosed.Error() {
		t.Fatalf("got %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := q.Pop(ctx); err == nil {
		t.Fatalf("pop on a closed queue should fail")
	}
}

func TestInFlightUpdateAndDelete(t *testing.T) {
	q, _ := newQueue()
	q.Add(pod("u", 0, 0))
	q.Add(pod("d", 0, time.Second))
	u, _ := q.PopNow()
	d, _ := q.PopNow()
	q.Update(pod("u", 7, 0)) // must not create a second queued copy while u is in flight
	q.Delete(pod("d", 0, time.Second))
	if n := q.Len(); n.Active != 0 {
		t.Fatalf("in-flight update was queued twice: %+v", n)
	}
	u.UnschedulablePlugins, d.UnschedulablePlugins = []string{"X"}, []string{"X"}
	q.AddUnschedulable(u, q.SchedulingCycle())
	q.AddUnschedulable(d, q.SchedulingCycle())
	if n := q.Len(); n.Backoff != 1 || n.Unschedulable != 0 || *u.Pod.Spec.Priority != 7 {
		t.Fatalf("updated pod should back off with its new spec, deleted one vanish: %+v", n)
	}
	q.Add(pod("b", 0, 0))
	b, _ := q.PopNow()
	q.Done(b.Pod)
	q.Update(pod("b", 0, 0)) // after Done the pod is no longer in flight: a plain add
	if q.Len().Active != 1 {
		t.Fatalf("counts %+v", q.Len())
	}
}
