package clock

import (
	"container/heap"
	"fmt"
	"sync"
	"time"
)

// Manual is a Clock that moves only when Step or SetTime is called, so tests
// and the simulator control time exactly and get the same run every time.
//
// Determinism: a Manual clock starts no goroutines and fires nothing by
// itself. Step and SetTime fire every due timer and ticker in order of
// deadline; equal deadlines fire in the order they were armed (NewTimer,
// NewTicker, After, AfterFunc or Reset, each taking the next sequence
// number). Nothing depends on map iteration or scheduling order.
//
// Firing: channel timers and tickers send their deadline on a channel of
// capacity 1 without blocking; when the previous value is still unread the
// new one is dropped, so a Step never waits for a reader. AfterFunc callbacks
// run synchronously in the goroutine calling Step or SetTime, with the
// clock's lock released: a callback may call Now (which returns its
// deadline), arm new timers or stop others. A timer armed by a callback whose
// deadline falls within the same Step fires within that Step, in order; one
// stopped by a callback before its turn does not fire.
//
// Concurrency: every method is safe for concurrent use. The simulator steps
// from one goroutine; if several goroutines step at once, or a callback calls
// Step itself, the clock still only moves forward and fires each due timer
// exactly once, but a callback may then observe a Now later than its own
// deadline.
type Manual struct {
	mu    sync.Mutex
	now   time.Time
	seq   uint64
	queue waitQueue
}

var _ Clock = (*Manual)(nil)

// NewManual returns a Manual clock reading start, for tests and the
// simulator; any monotonic reading in start is dropped so that times compare
// and print by their wall value only.
func NewManual(start time.Time) *Manual {
	return &Manual{now: start.Round(0)}
}

// Now returns the clock's current time; inside an AfterFunc callback that is
// the callback's deadline.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Since returns the manual time elapsed since t.
func (m *Manual) Since(t time.Time) time.Duration {
	return m.Now().Sub(t)
}

// NewTimer returns a timer that sends its deadline, Now()+d, on its channel
// when a Step or SetTime reaches it; d <= 0 makes it due at the next Step,
// even Step(0).
func (m *Manual) NewTimer(d time.Duration) Timer {
	w := m.newWaiter(make(chan time.Time, 1), nil, 0)
	m.arm(w, d)
	return manualTimer{w}
}

// NewTicker returns a ticker that sends each of its deadlines, Now()+d,
// Now()+2d, ..., as Steps reach them; it panics if d <= 0, as
// time.NewTicker does.
func (m *Manual) NewTicker(d time.Duration) Ticker {
	if d <= 0 {
		panic("clock: non-positive interval for NewTicker")
	}
	w := m.newWaiter(make(chan time.Time, 1), nil, d)
	m.arm(w, d)
	return manualTicker{w}
}

// After returns the channel of a new timer firing after d, for waits that
// never need to be stopped.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	return m.NewTimer(d).C()
}

// AfterFunc returns a timer that calls f in the goroutine running Step or
// SetTime once the clock reaches Now()+d; its channel is nil.
func (m *Manual) AfterFunc(d time.Duration, f func()) Timer {
	w := m.newWaiter(nil, f, 0)
	m.arm(w, d)
	return manualTimer{w}
}

// Step advances the clock by d, firing every timer and ticker due by then in
// (deadline, sequence) order, each while Now() equals its deadline; the
// clock ends at its old time plus d. A ticker crossed by several periods
// fires once per period, so a Step costs one firing per period crossed.
// Step panics if d is negative.
func (m *Manual) Step(d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("clock: Step(%v) with a negative duration; a manual clock only moves forward", d))
	}
	m.advanceTo(m.Now().Add(d))
}

// SetTime advances the clock to t exactly as Step(t.Sub(Now())) would, for
// callers (the simulator) that think in absolute times; it panics if t is
// before Now().
func (m *Manual) SetTime(t time.Time) {
	if now := m.Now(); t.Before(now) {
		panic(fmt.Sprintf("clock: SetTime(%v) is before the current manual time %v; "+
			"a manual clock only moves forward, because timers that already fired "+
			"cannot be unfired and events would be replayed out of order", t, now))
	}
	m.advanceTo(t.Round(0))
}

// NextDeadline returns the earliest deadline among armed timers and tickers,
// so the simulator can jump straight to its next event; ok is false when
// nothing is armed.
func (m *Manual) NextDeadline() (deadline time.Time, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return time.Time{}, false
	}
	return m.queue[0].deadline, true
}

// Pending returns the number of armed timers and tickers, so a test can wait
// until a goroutine under test has armed its timer before stepping.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.queue)
}

// newWaiter returns an unarmed waiter of m.
func (m *Manual) newWaiter(ch chan time.Time, fn func(), period time.Duration) *waiter {
	return &waiter{m: m, ch: ch, fn: fn, period: period, index: -1}
}

// arm queues w to fire d after now with the next sequence number; a negative
// d counts as zero so no deadline is ever before now.
func (m *Manual) arm(w *waiter, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.armLocked(w, d)
}

// armLocked is arm for callers already holding m.mu.
func (m *Manual) armLocked(w *waiter, d time.Duration) {
	w.deadline = m.now.Add(max(d, 0))
	m.seq++
	w.seq = m.seq
	heap.Push(&m.queue, w)
}

// disarmLocked removes w from the queue and reports whether it was there.
func (m *Manual) disarmLocked(w *waiter) bool {
	if !w.armed() {
		return false
	}
	heap.Remove(&m.queue, w.index)
	return true
}

// advanceTo fires, one at a time, every waiter due by target, running each
// callback with the lock released, then leaves the clock at target.
func (m *Manual) advanceTo(target time.Time) {
	for {
		fn, fired := m.fireNext(target)
		if !fired {
			return
		}
		if fn != nil {
			fn()
		}
	}
}

// fireNext fires the earliest waiter due by target and returns its callback,
// if any, for the caller to run unlocked; when none is due it moves the
// clock to target and reports fired == false.
func (m *Manual) fireNext(target time.Time) (fn func(), fired bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 || m.queue[0].deadline.After(target) {
		m.moveTo(target)
		return nil, false
	}
	w := m.queue[0]
	at := w.deadline
	m.moveTo(at)
	if w.period > 0 {
		// A ticker keeps its sequence number, and re-arms one period after
		// the deadline it fires for (not after target), so a long Step
		// fires it once per period.
		w.deadline = at.Add(w.period)
		heap.Fix(&m.queue, 0)
	} else {
		heap.Pop(&m.queue)
	}
	if w.ch != nil {
		w.send(at)
	}
	return w.fn, true
}

// moveTo sets the clock to t unless it is already later, which happens only
// when another Step got further first (concurrent steppers, or a callback
// that steps).
func (m *Manual) moveTo(t time.Time) {
	if t.After(m.now) {
		m.now = t
	}
}

// manualTimer is the Timer handed out by a Manual clock.
type manualTimer struct{ w *waiter }

// C returns the timer's channel, nil for AfterFunc timers.
func (t manualTimer) C() <-chan time.Time { return t.w.ch }

// Stop disarms the timer, discards an unread value, and reports whether the
// timer was still armed.
func (t manualTimer) Stop() bool {
	m := t.w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	t.w.drain()
	return m.disarmLocked(t.w)
}

// Reset re-arms the timer for Now()+d, discarding an unread value, and
// reports whether it was still armed; the timer takes a new sequence number.
func (t manualTimer) Reset(d time.Duration) bool {
	m := t.w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	t.w.drain()
	wasArmed := m.disarmLocked(t.w)
	m.armLocked(t.w, d)
	return wasArmed
}

// manualTicker is the Ticker handed out by a Manual clock.
type manualTicker struct{ w *waiter }

// C returns the ticker's channel.
func (t manualTicker) C() <-chan time.Time { return t.w.ch }

// Stop disarms the ticker and discards an unread tick.
func (t manualTicker) Stop() {
	m := t.w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	t.w.drain()
	m.disarmLocked(t.w)
}

// Reset sets the period to d and re-arms the ticker for Now()+d with a new
// sequence number, discarding an unread tick; it panics if d <= 0.
func (t manualTicker) Reset(d time.Duration) {
	if d <= 0 {
		panic("clock: non-positive interval for Ticker.Reset")
	}
	m := t.w.m
	m.mu.Lock()
	defer m.mu.Unlock()
	t.w.drain()
	m.disarmLocked(t.w)
	t.w.period = d
	m.armLocked(t.w, d)
}
