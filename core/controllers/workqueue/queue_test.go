package workqueue_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

func newClock() *clock.Manual { return clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func take(t *testing.T, q *workqueue.Queue[string]) string {
	t.Helper()
	item, ok := q.TryGet()
	if !ok {
		t.Fatalf("queue empty, want an item")
	}
	return item
}

func TestDedupAndDirtyWhileProcessing(t *testing.T) {
	q := workqueue.New[string](newClock())
	q.Add("a")
	q.Add("b")
	q.Add("a")
	if q.Len() != 2 {
		t.Fatalf("Len = %d, want 2", q.Len())
	}
	a := take(t, q)
	q.Add("a") // while processing: parked as dirty, not handed out
	if got := take(t, q); got != "b" {
		t.Fatalf("got %q, want b", got)
	}
	if _, ok := q.TryGet(); ok {
		t.Fatalf("a handed out while still processing")
	}
	q.Done(a)
	if got := take(t, q); got != "a" {
		t.Fatalf("after Done got %q, want a again", got)
	}
	if st := q.Stats(); st.Adds != 3 || st.Taken != 3 {
		t.Fatalf("stats %+v, want 3 adds and 3 taken", st)
	}
}

func TestNoKeyProcessedConcurrently(t *testing.T) {
	q := workqueue.New[int](clock.Real())
	var inFlight [5]atomic.Int32
	var violations, processed atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, shut := q.Get()
				if shut {
					return
				}
				if inFlight[k].Add(1) > 1 {
					violations.Add(1)
				}
				time.Sleep(50 * time.Microsecond)
				inFlight[k].Add(-1)
				processed.Add(1)
				q.Done(k)
			}
		}()
	}
	for i := range 2000 {
		q.Add(i % 5)
	}
	for q.Len() > 0 || processed.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(5 * time.Millisecond)
	q.ShutDown()
	wg.Wait()
	if violations.Load() != 0 {
		t.Fatalf("%d concurrent reconciles of one key", violations.Load())
	}
}

func TestRateLimitedBackoff(t *testing.T) {
	l := workqueue.NewItemExponentialLimiter[string](workqueue.DefaultBaseDelay, workqueue.DefaultMaxDelay)
	want := []time.Duration{5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond}
	for i, w := range want {
		if got := l.When("k"); got != w {
			t.Fatalf("failure %d: delay %v, want %v", i, got, w)
		}
	}
	for range 40 {
		l.When("k")
	}
	if got := l.When("k"); got != 1000*time.Second {
		t.Fatalf("capped delay %v, want 1000s", got)
	}
	if got := l.When("other"); got != 5*time.Millisecond {
		t.Fatalf("other item delay %v: back-off must be per item", got)
	}
	l.Forget("k")
	if got := l.When("k"); got != 5*time.Millisecond {
		t.Fatalf("after Forget delay %v, want 5ms", got)
	}
}

func TestAddRateLimitedWaitsOnClock(t *testing.T) {
	c := newClock()
	q := workqueue.New[string](c)
	q.AddRateLimited("k")
	q.AddRateLimited("k") // second failure: 10ms, later than the pending 5ms
	if q.Len() != 0 {
		t.Fatalf("item queued before its delay")
	}
	c.Step(4 * time.Millisecond)
	if q.Len() != 0 {
		t.Fatalf("item queued after 4ms, want after 5ms")
	}
	c.Step(time.Millisecond)
	if take(t, q) != "k" || q.NumRequeues("k") != 2 {
		t.Fatalf("NumRequeues = %d, want 2", q.NumRequeues("k"))
	}
	q.Done("k")
	c.Step(time.Hour)
	if q.Len() != 0 {
		t.Fatalf("superseded timer queued the item twice")
	}
}

func TestAddAfterKeepsEarliestAndMeasuresLatency(t *testing.T) {
	c := newClock()
	q := workqueue.New[string](c)
	q.AddAfter("k", 10*time.Second)
	q.AddAfter("k", 3*time.Second)
	q.AddAfter("k", 20*time.Second)
	c.Step(3 * time.Second)
	if q.Len() != 1 {
		t.Fatalf("Len = %d after 3s, want 1", q.Len())
	}
	c.Step(2 * time.Second)
	take(t, q)
	st := q.Stats()
	if st.TotalLatency != 2*time.Second || st.MaxLatency != 2*time.Second {
		t.Fatalf("latency %v/%v, want 2s", st.TotalLatency, st.MaxLatency)
	}
	q.Done("k")
	c.Step(time.Minute)
	if q.Len() != 0 {
		t.Fatalf("later AddAfter requests fired after the earliest one")
	}
}

func TestShutDownWakesGetAndCancelsDelays(t *testing.T) {
	c := newClock()
	q := workqueue.New[string](c)
	q.AddAfter("late", time.Second)
	done := make(chan bool)
	go func() {
		_, shut := q.Get()
		done <- shut
	}()
	q.ShutDown()
	if !<-done {
		t.Fatalf("Get returned an item after ShutDown")
	}
	if c.Pending() != 0 {
		t.Fatalf("%d timers still armed after ShutDown", c.Pending())
	}
	q.Add("x")
	if q.Len() != 0 {
		t.Fatalf("Add accepted after ShutDown")
	}
}
