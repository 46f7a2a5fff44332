package clock

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// recorder collects "name@offset" entries, the offset being the manual time
// since epoch at the moment of recording.
type recorder struct {
	m      *Manual
	events []string
}

// fn returns a callback that records name at the clock's current time.
func (r *recorder) fn(name string) func() {
	return func() { r.events = append(r.events, fmt.Sprintf("%s@%v", name, r.m.Since(epoch))) }
}

func newRecorder() (*Manual, *recorder) {
	m := NewManual(epoch)
	return m, &recorder{m: m}
}

func TestManualFiringOrder(t *testing.T) {
	type timer struct {
		name string
		d    time.Duration
	}
	cases := []struct {
		name        string
		timers      []timer // armed in this order
		step        time.Duration
		want        []string
		wantPending int
	}{
		{
			name:   "distinct deadlines fire by deadline",
			timers: []timer{{"a", 3 * time.Second}, {"b", time.Second}, {"c", 2 * time.Second}},
			step:   5 * time.Second,
			want:   []string{"b@1s", "c@2s", "a@3s"},
		},
		{
			name:   "equal deadlines fire in creation order",
			timers: []timer{{"a", time.Second}, {"b", time.Second}, {"c", time.Second}},
			step:   time.Second,
			want:   []string{"a@1s", "b@1s", "c@1s"},
		},
		{
			name:   "mixed deadlines",
			timers: []timer{{"a", 2 * time.Second}, {"b", time.Second}, {"c", 2 * time.Second}, {"d", time.Second}},
			step:   2 * time.Second,
			want:   []string{"b@1s", "d@1s", "a@2s", "c@2s"},
		},
		{
			name:   "zero and negative durations are due at the next step",
			timers: []timer{{"a", 0}, {"b", -time.Second}, {"c", 0}},
			step:   0,
			want:   []string{"a@0s", "b@0s", "c@0s"},
		},
		{
			name:        "timers after the target stay armed",
			timers:      []timer{{"a", time.Second}, {"b", 5 * time.Second}, {"c", 2 * time.Second}},
			step:        2 * time.Second,
			want:        []string{"a@1s", "c@2s"},
			wantPending: 1,
		},
		{
			name:        "nothing due",
			timers:      []timer{{"a", time.Minute}},
			step:        time.Second,
			want:        nil,
			wantPending: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, rec := newRecorder()
			for _, tm := range tc.timers {
				m.AfterFunc(tm.d, rec.fn(tm.name))
			}
			m.Step(tc.step)
			if !slices.Equal(rec.events, tc.want) {
				t.Errorf("fired %v, want %v", rec.events, tc.want)
			}
			if got, want := m.Now(), epoch.Add(tc.step); !got.Equal(want) {
				t.Errorf("Now() = %v after Step, want %v", got, want)
			}
			if got := m.Pending(); got != tc.wantPending {
				t.Errorf("Pending() = %d, want %d", got, tc.wantPending)
			}
		})
	}
}

// TestManualOrderIsDeterministic arms many timers with few distinct deadlines
// so the heap reorders them heavily, and checks they still come out sorted
// by deadline with ties in creation order.
func TestManualOrderIsDeterministic(t *testing.T) {
	m := NewManual(epoch)
	type armed struct {
		id int
		d  time.Duration
	}
	var want []armed
	var got []int
	for i := range 500 {
		d := time.Duration((i*7919)%5) * time.Millisecond
		want = append(want, armed{i, d})
		m.AfterFunc(d, func() {
			if m.Since(epoch) != d {
				t.Errorf("timer %d fired at %v, want %v", i, m.Since(epoch), d)
			}
			got = append(got, i)
		})
	}
	sort.SliceStable(want, func(i, j int) bool { return want[i].d < want[j].d })
	m.Step(time.Second)
	if len(got) != len(want) {
		t.Fatalf("%d timers fired, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i].id {
			t.Fatalf("firing %d was timer %d, want %d", i, got[i], want[i].id)
		}
	}
}

func TestManualCallbacksArmAndStopTimers(t *testing.T) {
	m, rec := newRecorder()
	var doomed Timer
	m.AfterFunc(time.Second, func() {
		rec.fn("a")()
		m.AfterFunc(time.Second, rec.fn("b"))       // due at 2s, within the step
		m.AfterFunc(0, rec.fn("c"))                 // due at 1s, after e which was armed earlier
		m.AfterFunc(10*time.Second, rec.fn("late")) // due at 11s, after the step
		if !doomed.Stop() {
			t.Error("Stop from a callback returned false for a pending timer")
		}
	})
	m.AfterFunc(time.Second, rec.fn("e"))
	m.AfterFunc(3*time.Second, rec.fn("x"))
	doomed = m.AfterFunc(4*time.Second, rec.fn("doomed"))

	m.Step(5 * time.Second)

	want := []string{"a@1s", "e@1s", "c@1s", "b@2s", "x@3s"}
	if !slices.Equal(rec.events, want) {
		t.Errorf("fired %v, want %v", rec.events, want)
	}
	if got := m.Since(epoch); got != 5*time.Second {
		t.Errorf("clock at %v after Step, want 5s", got)
	}
	if got := m.Pending(); got != 1 {
		t.Errorf("Pending() = %d, want 1 (the late timer)", got)
	}
	if next, ok := m.NextDeadline(); !ok || !next.Equal(epoch.Add(11*time.Second)) {
		t.Errorf("NextDeadline() = %v, %v, want epoch+11s, true", next, ok)
	}
}

func TestManualTimerStopReset(t *testing.T) {
	kinds := []struct {
		name string
		make func(m *Manual) Timer
	}{
		{"channel", func(m *Manual) Timer { return m.NewTimer(time.Second) }},
		{"func", func(m *Manual) Timer { return m.AfterFunc(time.Second, func() {}) }},
	}
	cases := []struct {
		name        string
		run         func(m *Manual, tm Timer) bool
		want        bool
		wantPending int
	}{
		{"stop pending", func(m *Manual, tm Timer) bool { return tm.Stop() }, true, 0},
		{"stop twice", func(m *Manual, tm Timer) bool { tm.Stop(); return tm.Stop() }, false, 0},
		{"stop after firing", func(m *Manual, tm Timer) bool { m.Step(time.Second); return tm.Stop() }, false, 0},
		{"reset pending", func(m *Manual, tm Timer) bool { return tm.Reset(time.Second) }, true, 1},
		{"reset after firing", func(m *Manual, tm Timer) bool { m.Step(time.Second); return tm.Reset(time.Second) }, false, 1},
		{"reset after stop", func(m *Manual, tm Timer) bool { tm.Stop(); return tm.Reset(time.Second) }, false, 1},
	}
	for _, kind := range kinds {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				m := NewManual(epoch)
				tm := kind.make(m)
				if got := tc.run(m, tm); got != tc.want {
					t.Errorf("returned %v, want %v", got, tc.want)
				}
				if got := m.Pending(); got != tc.wantPending {
					t.Errorf("Pending() = %d, want %d", got, tc.wantPending)
				}
			})
		}
	}
}

func TestManualResetRearmsFromNow(t *testing.T) {
	m := NewManual(epoch)
	tm := m.NewTimer(10 * time.Second)
	m.Step(3 * time.Second)
	tm.Reset(5 * time.Second)
	if next, _ := m.NextDeadline(); !next.Equal(epoch.Add(8 * time.Second)) {
		t.Fatalf("after Reset at 3s the deadline is %v, want epoch+8s", next.Sub(epoch))
	}
	m.Step(4*time.Second + 999*time.Millisecond)
	expectEmpty(t, tm.C())
	m.Step(time.Millisecond)
	expectValue(t, tm.C(), epoch.Add(8*time.Second))
}

func TestManualResetTakesNewSequence(t *testing.T) {
	m, rec := newRecorder()
	a := m.AfterFunc(time.Second, rec.fn("a"))
	m.AfterFunc(time.Second, rec.fn("b"))
	a.Reset(time.Second)
	m.Step(time.Second)
	if want := []string{"b@1s", "a@1s"}; !slices.Equal(rec.events, want) {
		t.Errorf("fired %v, want %v: a reset timer goes behind timers armed before the reset", rec.events, want)
	}
}

func TestManualChannelTimer(t *testing.T) {
	m := NewManual(epoch)
	tm := m.NewTimer(time.Second)
	after := m.After(2 * time.Second)
	m.Step(5 * time.Second) // nobody reads: must not block
	expectValue(t, tm.C(), epoch.Add(time.Second))
	expectValue(t, after, epoch.Add(2*time.Second))
	expectEmpty(t, tm.C())

	tm.Reset(time.Second)
	m.Step(time.Second)
	if tm.Stop() {
		t.Error("Stop after firing returned true")
	}
	expectEmpty(t, tm.C()) // Stop discards the unread value

	tm.Reset(time.Second)
	m.Step(time.Second)
	tm.Reset(time.Second)
	expectEmpty(t, tm.C()) // so does Reset
	m.Step(time.Second)
	expectValue(t, tm.C(), epoch.Add(8*time.Second))
}

func TestManualAfterFuncHasNilChannel(t *testing.T) {
	m := NewManual(epoch)
	if c := m.AfterFunc(time.Second, func() {}).C(); c != nil {
		t.Errorf("AfterFunc timer channel = %v, want nil", c)
	}
}

// TestManualTickerMultiPeriod checks that a Step across several periods
// fires the ticker once per period, in order with other timers: observers
// armed after the ticker at each whole second see that second's tick.
func TestManualTickerMultiPeriod(t *testing.T) {
	m, rec := newRecorder()
	tk := m.NewTicker(time.Second)
	observe := func(name string) func() {
		return func() {
			select {
			case v := <-tk.C():
				rec.fn(fmt.Sprintf("%s:tick%v", name, v.Sub(epoch)))()
			default:
				rec.fn(name + ":none")()
			}
		}
	}
	for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second} {
		m.AfterFunc(d, observe("o"))
	}
	m.Step(4*time.Second + 500*time.Millisecond)
	want := []string{"o:none@500ms", "o:tick1s@1s", "o:tick2s@2s", "o:tick3s@3s", "o:tick4s@4s"}
	if !slices.Equal(rec.events, want) {
		t.Errorf("observed %v, want %v", rec.events, want)
	}
	if next, _ := m.NextDeadline(); !next.Equal(epoch.Add(5 * time.Second)) {
		t.Errorf("next tick at %v, want 5s", next.Sub(epoch))
	}
}

func TestManualTickerDropsUnreadTicks(t *testing.T) {
	m := NewManual(epoch)
	tk := m.NewTicker(time.Second)
	m.Step(3*time.Second + 500*time.Millisecond)
	expectValue(t, tk.C(), epoch.Add(time.Second)) // the first tick stays; 2s and 3s were dropped
	expectEmpty(t, tk.C())
	if next, _ := m.NextDeadline(); !next.Equal(epoch.Add(4 * time.Second)) {
		t.Errorf("next tick at %v, want 4s: a ticker keeps its phase", next.Sub(epoch))
	}
	m.Step(500 * time.Millisecond)
	expectValue(t, tk.C(), epoch.Add(4*time.Second))
}

func TestManualTickerStopReset(t *testing.T) {
	m := NewManual(epoch)
	tk := m.NewTicker(time.Second)
	m.Step(1500 * time.Millisecond)
	tk.Reset(3 * time.Second) // discards the 1s tick, next ticks at 4.5s and 7.5s
	expectEmpty(t, tk.C())
	m.Step(3 * time.Second)
	expectValue(t, tk.C(), epoch.Add(4500*time.Millisecond))
	m.Step(3 * time.Second)
	tk.Stop() // discards the 7.5s tick
	expectEmpty(t, tk.C())
	if got := m.Pending(); got != 0 {
		t.Errorf("Pending() = %d after Stop, want 0", got)
	}
	m.Step(time.Minute)
	expectEmpty(t, tk.C())
}

func TestManualTickerPanics(t *testing.T) {
	m := NewManual(epoch)
	cases := []struct {
		name string
		run  func()
	}{
		{"NewTicker(0)", func() { m.NewTicker(0) }},
		{"NewTicker(-1s)", func() { m.NewTicker(-time.Second) }},
		{"Reset(0)", func() { m.NewTicker(time.Second).Reset(0) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if msg := panicMessage(tc.run); !strings.Contains(msg, "non-positive interval") {
				t.Errorf("panic %q, want one about a non-positive interval", msg)
			}
		})
	}
}

func TestManualNextDeadlineAndPending(t *testing.T) {
	m := NewManual(epoch)
	check := func(step string, wantPending int, wantNext time.Duration, wantOK bool) {
		t.Helper()
		if got := m.Pending(); got != wantPending {
			t.Errorf("%s: Pending() = %d, want %d", step, got, wantPending)
		}
		next, ok := m.NextDeadline()
		if ok != wantOK || (ok && next.Sub(epoch) != wantNext) {
			t.Errorf("%s: NextDeadline() = %v, %v, want %v, %v", step, next.Sub(epoch), ok, wantNext, wantOK)
		}
	}
	check("empty", 0, 0, false)
	a := m.NewTimer(5 * time.Second)
	m.AfterFunc(2*time.Second, func() {})
	tk := m.NewTicker(3 * time.Second)
	check("three armed", 3, 2*time.Second, true)
	m.Step(2 * time.Second)
	check("func fired", 2, 3*time.Second, true)
	m.Step(time.Second)
	check("ticker re-armed", 2, 5*time.Second, true)
	a.Stop()
	check("timer stopped", 1, 6*time.Second, true)
	tk.Stop()
	check("ticker stopped", 0, 0, false)
}

func TestManualSetTime(t *testing.T) {
	m, rec := newRecorder()
	m.AfterFunc(time.Second, rec.fn("a"))
	m.AfterFunc(time.Hour, rec.fn("b"))
	m.SetTime(epoch.Add(time.Minute))
	if want := []string{"a@1s"}; !slices.Equal(rec.events, want) {
		t.Errorf("fired %v, want %v", rec.events, want)
	}
	if got := m.Now(); !got.Equal(epoch.Add(time.Minute)) {
		t.Errorf("Now() = %v, want epoch+1m", got)
	}
	m.SetTime(m.Now()) // standing still is allowed

	msg := panicMessage(func() { m.SetTime(epoch) })
	if !strings.Contains(msg, "only moves forward") {
		t.Errorf("SetTime backwards panicked with %q, want a reason", msg)
	}
	msg = panicMessage(func() { m.Step(-time.Nanosecond) })
	if !strings.Contains(msg, "only moves forward") {
		t.Errorf("Step(-1ns) panicked with %q, want a reason", msg)
	}
	if got := m.Now(); !got.Equal(epoch.Add(time.Minute)) {
		t.Errorf("Now() = %v after refused moves, want epoch+1m", got)
	}
}

func TestNewManualDropsMonotonicReading(t *testing.T) {
	start := time.Now()
	m := NewManual(start)
	if got := m.Now(); got != start.Round(0) {
		t.Errorf("Now() = %v, want %v without a monotonic reading", got, start.Round(0))
	}
}

func TestUntil(t *testing.T) {
	m := NewManual(epoch)
	m.Step(time.Second)
	if got := Until(m, epoch.Add(5*time.Second)); got != 4*time.Second {
		t.Errorf("Until = %v, want 4s", got)
	}
	if got := m.Since(epoch); got != time.Second {
		t.Errorf("Since = %v, want 1s", got)
	}
}

// TestManualPendingWaitsForGoroutine shows how a test steps a goroutine that
// sleeps on the clock: wait until its timer is armed, then step.
func TestManualPendingWaitsForGoroutine(t *testing.T) {
	m := NewManual(epoch)
	woke := make(chan time.Time)
	go func() { woke <- <-m.After(time.Second) }()
	waitFor(t, func() bool { return m.Pending() == 1 })
	m.Step(time.Second)
	select {
	case v := <-woke:
		if !v.Equal(epoch.Add(time.Second)) {
			t.Errorf("woke with %v, want epoch+1s", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("goroutine did not wake after Step")
	}
}

// TestManualConcurrentUse arms, waits on and stops timers from several
// goroutines while another steps the clock; run it with -race.
func TestManualConcurrentUse(t *testing.T) {
	const workers, rounds = 4, 50
	m := NewManual(epoch)
	var fired atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				d := time.Duration(1+(w+i)%3) * time.Millisecond
				m.AfterFunc(d, func() { _ = m.Now(); fired.Add(1) })
				m.NewTimer(time.Hour).Stop()
				<-m.NewTimer(d).C()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tk := m.NewTicker(2 * time.Millisecond)
		defer tk.Stop()
		for range rounds {
			<-tk.C()
		}
	}()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	deadline := time.Now().Add(20 * time.Second)
	for stepping := true; stepping; {
		select {
		case <-done:
			stepping = false
		default:
			if time.Now().After(deadline) {
				t.Fatal("workers did not finish while the clock was stepped")
			}
			m.Step(time.Millisecond)
			time.Sleep(10 * time.Microsecond) // let workers arm their next timers
		}
	}
	m.Step(time.Second) // fire callbacks armed after the last step
	if got := fired.Load(); got != workers*rounds {
		t.Errorf("%d callbacks fired, want %d", got, workers*rounds)
	}
	if got := m.Pending(); got != 0 {
		t.Errorf("Pending() = %d at the end, want 0", got)
	}
}

// expectValue fails unless c holds exactly want right now.
func expectValue(t *testing.T, c <-chan time.Time, want time.Time) {
	t.Helper()
	select {
	case got := <-c:
		if !got.Equal(want) {
			t.Errorf("received %v, want %v", got.Sub(epoch), want.Sub(epoch))
		}
	default:
		t.Errorf("nothing to receive, want %v", want.Sub(epoch))
	}
}

// expectEmpty fails if c holds a value right now.
func expectEmpty(t *testing.T, c <-chan time.Time) {
	t.Helper()
	select {
	case got := <-c:
		t.Errorf("received %v, want nothing", got.Sub(epoch))
	default:
	}
}

// panicMessage runs f and returns what it panicked with, or "" if it did not.
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// waitFor polls cond on the wall clock for up to five seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
	}
}

// TestManualStepFromCallback checks the documented fallback when a callback
// steps the clock itself: no deadlock, every timer fires once, in order, and
// the clock never moves backwards.
func TestManualStepFromCallback(t *testing.T) {
	m, rec := newRecorder()
	m.AfterFunc(time.Second, func() {
		rec.fn("a")()
		m.Step(2 * time.Second) // to 3s, past the outer Step's target
	})
	m.AfterFunc(2*time.Second, rec.fn("b"))
	m.AfterFunc(4*time.Second, rec.fn("c"))
	m.Step(1500 * time.Millisecond)
	if want := []string{"a@1s", "b@2s"}; !slices.Equal(rec.events, want) {
		t.Errorf("fired %v, want %v", rec.events, want)
	}
	if got := m.Since(epoch); got != 3*time.Second {
		t.Errorf("clock at %v, want 3s (the inner Step's target)", got)
	}
}
