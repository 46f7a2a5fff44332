// Package clock is the only way kubetwin's core (store, scheduler,
// controllers) learns the time or waits for it.
//
// Core code never calls time.Now, time.NewTimer and friends directly; it is
// handed a Clock. Real() wraps the time package for the emulate and real
// modes. NewManual returns a clock that moves only when told to, for tests
// and for the discrete-event simulator, which repeatedly asks for
// NextDeadline and steps the clock to it.
//
// Differences from the time package that callers may notice:
//
//   - A Timer or Ticker is an interface, so its channel is read with C()
//     rather than the field C. Timers made by AfterFunc have a nil channel,
//     as with time.AfterFunc.
//   - Manual timers never fire on their own, not even with a zero or
//     negative duration: they fire during Step or SetTime.
package clock

import "time"

// Clock is the source of time and timers that the core depends on, so the
// same code can run on wall time or on simulated time.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Since returns the time elapsed since t, that is Now().Sub(t).
	Since(t time.Time) time.Duration
	// NewTimer returns a timer that sends the time on its channel once,
	// after d.
	NewTimer(d time.Duration) Timer
	// NewTicker returns a ticker that sends the time on its channel every
	// d; it panics if d <= 0, as time.NewTicker does.
	NewTicker(d time.Duration) Ticker
	// After is NewTimer(d).C(), for waits that never need to be stopped.
	After(d time.Duration) <-chan time.Time
	// AfterFunc returns a timer that calls f once, after d; the timer's
	// channel is nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a one-shot timer made by a Clock, mirroring *time.Timer so core
// code can use either clock.
type Timer interface {
	// C returns the channel the timer sends on; nil for AfterFunc timers.
	C() <-chan time.Time
	// Stop disarms the timer and reports whether it was still pending.
	Stop() bool
	// Reset re-arms the timer to fire after d and reports whether it was
	// still pending.
	Reset(d time.Duration) bool
}

// Ticker is a periodic timer made by a Clock, mirroring *time.Ticker so core
// code can use either clock.
type Ticker interface {
	// C returns the channel the ticker sends on.
	C() <-chan time.Time
	// Stop disarms the ticker; it sends nothing afterwards.
	Stop()
	// Reset changes the period to d and restarts it from now; it panics if
	// d <= 0, as (*time.Ticker).Reset does.
	Reset(d time.Duration)
}

// Until returns the duration from c's current time to t, the Clock
// counterpart of time.Until.
func Until(c Clock, t time.Time) time.Duration {
	return t.Sub(c.Now())
}
