package sim

import (
	"fmt"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestEventsRunInTimeThenScheduleOrder(t *testing.T) {
	e := NewEngine(epoch, 1)
	var got []string
	note := func(s string) func() { return func() { got = append(got, fmt.Sprintf("%s@%v", s, e.Elapsed())) } }
	e.Schedule(2*time.Second, note("c"))
	e.Schedule(time.Second, note("a"))
	e.Schedule(time.Second, func() {
		note("b")()
		e.Schedule(0, note("b-child")) // same instant: after everything already due
		e.Schedule(-time.Second, note("b-past"))
	})
	e.Schedule(time.Second, note("b2"))
	for e.Step() {
	}
	want := "[a@1s b@1s b2@1s b-child@1s b-past@1s c@2s]"
	if fmt.Sprint(got) != want {
		t.Fatalf("order %v, want %s", got, want)
	}
	if e.Events() != 6 {
		t.Fatalf("events %d, want 6", e.Events())
	}
}

func TestRunUntilStopsAtTheBoundAndMovesTime(t *testing.T) {
	e := NewEngine(epoch, 1)
	ran := 0
	e.Schedule(time.Second, func() { ran++ })
	e.Schedule(3*time.Second, func() { ran++ })
	if stopped := e.RunUntil(2 * time.Second); stopped || ran != 1 {
		t.Fatalf("stopped %v ran %d, want false 1", stopped, ran)
	}
	if e.Elapsed() != 2*time.Second || !e.Now().Equal(epoch.Add(2*time.Second)) {
		t.Fatalf("time %v, want 2s", e.Elapsed())
	}
	if !e.Step() || ran != 2 || e.Elapsed() != 3*time.Second {
		t.Fatalf("the 3 s event: ran %d at %v", ran, e.Elapsed())
	}
}

func TestStopEndsTheRun(t *testing.T) {
	e := NewEngine(epoch, 1)
	e.Schedule(time.Second, e.Stop)
	e.Schedule(2*time.Second, func() { t.Fatal("ran after Stop") })
	if !e.RunUntil(time.Hour) || !e.Stopped() || e.Elapsed() != time.Second {
		t.Fatalf("stopped %v at %v", e.Stopped(), e.Elapsed())
	}
}

func TestTimersStopResetAndTick(t *testing.T) {
	e := NewEngine(epoch, 1)
	var fired []time.Duration
	stopped := e.AfterFunc(time.Second, func() { t.Fatal("stopped timer fired") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report pending once")
	}
	moved := e.AfterFunc(time.Second, func() { fired = append(fired, e.Elapsed()) })
	if !moved.Reset(5 * time.Second) {
		t.Fatal("Reset of a pending timer should report true")
	}
	tick := e.NewTicker(2 * time.Second)
	e.RunUntil(6 * time.Second)
	if len(fired) != 1 || fired[0] != 5*time.Second {
		t.Fatalf("reset timer fired at %v, want [5s]", fired)
	}
	select {
	case at := <-tick.C():
		if at.Sub(epoch) != 2*time.Second { // 4 s and 6 s were dropped: the channel was full
			t.Fatalf("first tick at %v", at.Sub(epoch))
		}
	default:
		t.Fatal("ticker did not send")
	}
	tick.Stop()
	e.RunUntil(20 * time.Second)
	select {
	case at := <-tick.C():
		t.Fatalf("tick after Stop at %v", at.Sub(epoch))
	default:
	}
	after := e.After(time.Second)
	e.RunUntil(21 * time.Second)
	if at := <-after; at.Sub(epoch) != 21*time.Second {
		t.Fatalf("After sent %v, want 21s", at.Sub(epoch))
	}
}

func TestRandStreamsAreSeededAndIndependent(t *testing.T) {
	a, b := NewEngine(epoch, 7), NewEngine(epoch, 7)
	ra, rb := a.Rand("nodes"), b.Rand("nodes")
	for range 10 {
		if ra.Uint64() != rb.Uint64() {
			t.Fatal("same seed and name differ")
		}
	}
	if a.Rand("faults").Uint64() == a.Rand("nodes").Uint64() {
		t.Fatal("different components share a stream")
	}
	if NewEngine(epoch, 8).Rand("nodes").Uint64() == NewEngine(epoch, 7).Rand("nodes").Uint64() {
		t.Fatal("different seeds give the same stream")
	}
}

// BenchmarkEngine measures the engine alone: a steady population of 10,000
// pending events, each of which schedules its successor at a random delay,
// as a simulation's timers do. Reported as events/s.
func BenchmarkEngine(b *testing.B) {
	e := NewEngine(epoch, 1)
	r := e.Rand("bench")
	var fn func()
	fn = func() { e.Schedule(time.Duration(r.IntN(1_000_000)), fn) }
	for range 10_000 {
		e.Schedule(time.Duration(r.IntN(1_000_000)), fn)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
