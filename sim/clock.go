package sim

import (
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
)

var _ clock.Clock = (*Engine)(nil)

// Now is the virtual time.
func (e *Engine) Now() time.Time { return e.start.Add(time.Duration(e.now)) }

// Since is the virtual time elapsed since t.
func (e *Engine) Since(t time.Time) time.Duration { return e.Now().Sub(t) }

// AfterFunc runs f as an event after d; core code's delayed work (work
// queue requeues, scheduler backoff) lands in the engine's queue this way.
func (e *Engine) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &timer{e: e, fn: f}
	t.arm(d)
	return t
}

// NewTimer returns a timer that sends on its channel (capacity 1, never
// blocking the engine) after d.
func (e *Engine) NewTimer(d time.Duration) clock.Timer {
	t := &timer{e: e, c: make(chan time.Time, 1)}
	t.fn = func() { t.send() }
	t.arm(d)
	return t
}

// After is NewTimer(d).C().
func (e *Engine) After(d time.Duration) <-chan time.Time { return e.NewTimer(d).C() }

// NewTicker returns a ticker that sends on its channel every d.
func (e *Engine) NewTicker(d time.Duration) clock.Ticker {
	if d <= 0 {
		panic("sim: non-positive interval for NewTicker")
	}
	t := &ticker{timer: timer{e: e, c: make(chan time.Time, 1)}, period: d}
	t.fn = func() {
		t.send()
		t.arm(t.period)
	}
	t.arm(d)
	return t
}

// timer is a cancellable event: stopping or re-arming it bumps gen, so the
// event already in the queue finds itself stale and does nothing.
type timer struct {
	e     *Engine
	fn    func()
	c     chan time.Time
	gen   uint64
	armed bool
}

func (t *timer) arm(d time.Duration) {
	t.gen++
	t.armed = true
	gen := t.gen
	t.e.Schedule(d, func() {
		if t.gen != gen || !t.armed {
			return
		}
		t.armed = false
		t.fn()
	})
}

func (t *timer) send() {
	select {
	case t.c <- t.e.Now():
	default: // the last value is unread: drop this one, as time.Timer's channel would
	}
}

func (t *timer) C() <-chan time.Time { return t.c }

func (t *timer) Stop() bool {
	was := t.armed
	t.armed = false
	t.gen++
	return was
}

func (t *timer) Reset(d time.Duration) bool {
	was := t.armed
	t.arm(d)
	return was
}

// ticker re-arms its timer each time it fires.
type ticker struct {
	timer
	period time.Duration
}

func (t *ticker) Stop() { t.timer.Stop() }

func (t *ticker) Reset(d time.Duration) {
	if d <= 0 {
		panic("sim: non-positive interval for Ticker.Reset")
	}
	t.period = d
	t.arm(d)
}
