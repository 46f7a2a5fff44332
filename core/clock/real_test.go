package clock

import (
	"testing"
	"time"
)

// realWait bounds every wait on the real clock so a broken timer fails the
// test instead of hanging it.
const realWait = 5 * time.Second

func TestRealNowAndSince(t *testing.T) {
	c := Real()
	before := time.Now()
	now := c.Now()
	if now.Before(before) {
		t.Errorf("Now() = %v is before time.Now() = %v taken earlier", now, before)
	}
	if got := c.Since(before); got < 0 {
		t.Errorf("Since = %v, want >= 0", got)
	}
	if got := Until(c, now.Add(time.Hour)); got <= 0 || got > time.Hour {
		t.Errorf("Until(now+1h) = %v, want in (0, 1h]", got)
	}
}

func TestRealTimersFire(t *testing.T) {
	c := Real()
	receive(t, "NewTimer", c.NewTimer(time.Millisecond).C())
	receive(t, "After", c.After(time.Millisecond))

	called := make(chan time.Time, 1)
	tm := c.AfterFunc(time.Millisecond, func() { called <- time.Now() })
	if tm.C() != nil {
		t.Error("AfterFunc timer has a channel, want nil")
	}
	receive(t, "AfterFunc", called)

	tk := c.NewTicker(time.Millisecond)
	defer tk.Stop()
	receive(t, "first tick", tk.C())
	receive(t, "second tick", tk.C())
	tk.Reset(2 * time.Millisecond)
	receive(t, "tick after Reset", tk.C())
}

func TestRealTimerStopReset(t *testing.T) {
	c := Real()
	tm := c.NewTimer(time.Hour)
	if !tm.Stop() {
		t.Error("Stop on a pending timer returned false")
	}
	if tm.Stop() {
		t.Error("second Stop returned true")
	}
	if tm.Reset(time.Millisecond) {
		t.Error("Reset of a stopped timer returned true")
	}
	receive(t, "timer after Reset", tm.C())
}

// receive fails the test unless c delivers within realWait.
func receive(t *testing.T, what string, c <-chan time.Time) {
	t.Helper()
	select {
	case <-c:
	case <-time.After(realWait):
		t.Fatalf("%s did not fire within %v", what, realWait)
	}
}
