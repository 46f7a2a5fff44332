package clock

import (
	"container/heap"
	"time"
)

// waiter is one timer or ticker of a Manual clock. Its fields other than m,
// ch and fn are guarded by m.mu.
type waiter struct {
	m        *Manual
	ch       chan time.Time // capacity 1; nil for AfterFunc timers
	fn       func()         // nil for channel timers and tickers
	deadline time.Time      // when it fires next, valid while armed
	seq      uint64         // breaks deadline ties: lower fires first
	period   time.Duration  // > 0 for tickers, 0 for one-shot timers
	index    int            // position in m.queue, or -1 when not armed
}

// armed reports whether the waiter is in its clock's queue.
func (w *waiter) armed() bool { return w.index >= 0 }

// drain discards a value the waiter sent but nobody received, so that after
// Stop or Reset no stale time is read, as with the time package since Go 1.23.
func (w *waiter) drain() {
	if w.ch == nil {
		return
	}
	select {
	case <-w.ch:
	default:
	}
}

// send delivers t without blocking; if the previous value is still unread the
// new one is dropped, as time.Ticker drops ticks for slow readers.
func (w *waiter) send(t time.Time) {
	select {
	case w.ch <- t:
	default:
	}
}

// waitQueue is a min-heap of armed waiters ordered by (deadline, seq). The
// pair is unique, so the order in which waiters come out is fully determined
// whatever the heap's internal layout.
type waitQueue []*waiter

var _ heap.Interface = (*waitQueue)(nil)

func (q waitQueue) Len() int { return len(q) }

func (q waitQueue) Less(i, j int) bool {
	if c := q[i].deadline.Compare(q[j].deadline); c != 0 {
		return c < 0
	}
	return q[i].seq < q[j].seq
}

func (q waitQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *waitQueue) Push(x any) {
	w := x.(*waiter)
	w.index = len(*q)
	*q = append(*q, w)
}

func (q *waitQueue) Pop() any {
	old := *q
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	w.index = -1
	return w
}
