package queue

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Flush moves pods whose backoff ended by now to the active queue, and pods
// unschedulable for longer than the maximum back for another try; the
// simulator calls it at virtual times, PopNow and Pop call it themselves.
func (q *Queue) Flush(now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.flushLocked(now)
}

func (q *Queue) flushLocked(now time.Time) {
	moved := false
	for qp := q.backoff.peek(); qp != nil && !q.backoffExpiry(qp).After(now); qp = q.backoff.peek() {
		q.active.add(q.backoff.pop())
		moved = true
	}
	q.flushTimedOutLocked(now)
	if moved {
		q.signalLocked()
	}
}

// flushTimedOutLocked requeues, in key order, the unschedulable pods that
// waited longer than the maximum, scanning the pool only when one is due.
func (q *Queue) flushTimedOutLocked(now time.Time) {
	if q.nextTimeout.IsZero() || now.Before(q.nextTimeout) {
		return
	}
	q.nextTimeout = time.Time{}
	for _, key := range slices.Sorted(maps.Keys(q.unschedulable)) {
		qp := q.unschedulable[key]
		timeout := qp.Timestamp.Add(q.maxUnschedulable)
		if !now.Before(timeout) {
			delete(q.unschedulable, key)
			q.requeueLocked(qp, now)
		} else if q.nextTimeout.IsZero() || timeout.Before(q.nextTimeout) {
			q.nextTimeout = timeout
		}
	}
}

// popLocked takes the first active pod, or when there is none and backoff
// is not strict the first backed-off pod if it was rejected, and counts the
// attempt. Pods that hit errors always wait, so a failing API cannot spin
// the scheduler.
func (q *Queue) popLocked() *framework.QueuedPodInfo {
	qp := q.active.pop()
	if head := q.backoff.peek(); qp == nil && !q.strictBackoff && head != nil && len(head.UnschedulablePlugins) > 0 {
		qp = q.backoff.pop()
	}
	if qp == nil {
		return nil
	}
	q.schedulingCycle++
	q.inFlight[framework.PodKey(qp.Pod)] = &inFlightPod{}
	qp.Attempts++
	if qp.InitialAttemptTimestamp.IsZero() {
		qp.InitialAttemptTimestamp = q.clock.Now()
	}
	return qp
}

// PopNow returns the next pod ready to schedule at the clock's current
// time, or false when none is; the simulator's non-blocking Pop.
func (q *Queue) PopNow() (*framework.QueuedPodInfo, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.flushLocked(q.clock.Now())
	qp := q.popLocked()
	return qp, qp != nil
}

// Pop blocks until a pod is ready, the context ends or the queue closes; the real driver's Pop.
func (q *Queue) Pop(ctx context.Context) (*framework.QueuedPodInfo, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, ErrClosed
		}
		q.flushLocked(q.clock.Now())
		if qp := q.popLocked(); qp != nil {
			q.mu.Unlock()
			return qp, nil
		}
		wake := q.wake
		next, ok := q.nextWakeLocked()
		q.mu.Unlock()
		if err := q.wait(ctx, wake, next, ok); err != nil {
			return nil, err
		}
	}
}

// wait sleeps until woken, the deadline (when set) passes, or ctx ends.
func (q *Queue) wait(ctx context.Context, wake <-chan struct{}, deadline time.Time, hasDeadline bool) error {
	var timerC <-chan time.Time
	if hasDeadline {
		t := q.clock.NewTimer(clock.Until(q.clock, deadline))
		defer t.Stop()
		timerC = t.C()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-timerC:
	}
	return nil
}

// nextWakeLocked is when the next backoff ends.
func (q *Queue) nextWakeLocked() (time.Time, bool) {
	qp := q.backoff.peek()
	if qp == nil {
		return time.Time{}, false
	}
	return q.backoffExpiry(qp), true
}

// NextBackoff returns when the earliest backed-off pod becomes ready, so the
// simulator can schedule a wake-up event.
func (q *Queue) NextBackoff() (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.nextWakeLocked()
}

// SchedulingCycle counts pops so far; the scheduler passes it back with AddUnschedulable.
func (q *Queue) SchedulingCycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.schedulingCycle
}

// Close wakes blocked Pops and makes them return ErrClosed.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.signalLocked()
}

// Counts reports the pods in each part of the queue, for metrics and tests.
type Counts struct {
	Active, Backoff, Unschedulable int
}

// Len returns the number of pods in each part of the queue.
func (q *Queue) Len() Counts {
	q.mu.Lock()
	defer q.mu.Unlock()
	return Counts{Active: q.active.Len(), Backoff: q.backoff.Len(), Unschedulable: len(q.unschedulable)}
}
