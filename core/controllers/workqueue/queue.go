// Package workqueue is the controllers' deduplicating work queue: an item
// added many times before a worker takes it is processed once, an item being
// processed is never handed to a second worker at the same time (a re-add
// while it is processing is parked as dirty and queued again on Done), and
// retries back off per item. Delays run on an injected clock.Clock, so the
// same queue works on wall time and on a manual clock.
package workqueue

import (
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/clock"
)

// Stats is a snapshot of the queue's counters, so a driver can export depth
// and latency as metrics without the queue depending on a metrics library.
type Stats struct {
	Depth        int           // items waiting to be taken
	Adds         int64         // items that entered the queue (after dedup)
	Retries      int64         // AddRateLimited calls
	Taken        int64         // items handed to workers
	TotalLatency time.Duration // summed time between queueing and being taken
	MaxLatency   time.Duration // longest such wait seen
}

// Queue is a FIFO of distinct items with dirty/processing bookkeeping and
// per-item exponential retry delays.
type Queue[T comparable] struct {
	clock   clock.Clock
	limiter *ItemExponentialLimiter[T]

	mu         sync.Mutex
	cond       *sync.Cond
	queue      []T
	dirty      map[T]time.Time // queued or to be requeued, with the time it was first added
	processing map[T]time.Time // by the time its worker took it
	waiting    map[T]*delayed
	shutdown   bool
	stats      Stats
	observer   Observer
}

// Observer hears of a queue's activity, so a driver can export Kubernetes'
// workqueue metrics without this package depending on a metrics library.
// It is called with the queue's lock held and must not call back into it.
type Observer interface {
	Added()                      // an item entered the queue
	Taken(wait time.Duration)    // a worker took an item that had waited this long
	Finished(work time.Duration) // a worker finished an item it had worked on this long
	Retried()                    // an item was re-queued after a failure
	Depth(n int)                 // the number of items waiting changed
}

// SetObserver installs o; call it before the queue is used.
func (q *Queue[T]) SetObserver(o Observer) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.observer = o
}

// InFlight reports how long the items now being worked on have been worked
// on, summed and at most (Kubernetes' unfinished-work and
// longest-running-processor gauges).
func (q *Queue[T]) InFlight() (total, longest time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for _, start := range q.processing {
		d := now.Sub(start)
		total += d
		longest = max(longest, d)
	}
	return total, longest
}

// delayed is an item parked until its clock timer fires.
type delayed struct {
	at    time.Time
	timer clock.Timer
}

// New returns an empty queue whose delays and latencies read c and whose
// retries back off with the default per-item limiter (5 ms doubling to 1000 s).
func New[T comparable](c clock.Clock) *Queue[T] {
	return NewWithLimiter(c, NewItemExponentialLimiter[T](DefaultBaseDelay, DefaultMaxDelay))
}

// NewWithLimiter returns an empty queue retrying with l, for tests and
// drivers that want other back-off bounds.
func NewWithLimiter[T comparable](c clock.Clock, l *ItemExponentialLimiter[T]) *Queue[T] {
	q := &Queue[T]{clock: c, limiter: l, dirty: map[T]time.Time{},
		processing: map[T]time.Time{}, waiting: map[T]*delayed{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Add queues item unless it is already queued; an item being processed is
// marked dirty and queued again when its worker calls Done.
func (q *Queue[T]) Add(item T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(item)
}

func (q *Queue[T]) addLocked(item T) {
	if q.shutdown {
		return
	}
	if _, ok := q.dirty[item]; ok {
		return
	}
	q.dirty[item] = q.clock.Now()
	q.stats.Adds++
	if q.observer != nil {
		q.observer.Added()
	}
	if _, ok := q.processing[item]; ok {
		return
	}
	q.push(item)
}

// push appends item to the queue and wakes a worker.
func (q *Queue[T]) push(item T) {
	q.queue = append(q.queue, item)
	q.cond.Signal()
	if q.observer != nil {
		q.observer.Depth(len(q.queue))
	}
}

// AddAfter queues item once d has passed on the clock; a later request for
// an item already waiting only moves its deadline earlier, never later.
func (q *Queue[T]) AddAfter(item T, d time.Duration) {
	if d <= 0 {
		q.Add(item)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	at := q.clock.Now().Add(d)
	if w, ok := q.waiting[item]; ok {
		if !at.Before(w.at) {
			return
		}
		w.timer.Stop()
	}
	w := &delayed{at: at}
	w.timer = q.clock.AfterFunc(d, func() { q.fire(item, w) })
	q.waiting[item] = w
}

// fire moves a waiting item into the queue when its own timer is still the
// current one.
func (q *Queue[T]) fire(item T, w *delayed) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.waiting[item] != w {
		return
	}
	delete(q.waiting, item)
	q.addLocked(item)
}

// AddRateLimited queues item after its back-off delay, which doubles with
// every call until Forget.
func (q *Queue[T]) AddRateLimited(item T) {
	q.mu.Lock()
	q.stats.Retries++
	if q.observer != nil {
		q.observer.Retried()
	}
	q.mu.Unlock()
	q.AddAfter(item, q.limiter.When(item))
}

// Forget resets item's back-off, after a successful reconcile.
func (q *Queue[T]) Forget(item T) { q.limiter.Forget(item) }

// NumRequeues is how many rate-limited retries item has had since Forget.
func (q *Queue[T]) NumRequeues(item T) int { return q.limiter.NumRequeues(item) }

// Get blocks until an item is available and hands it to the caller, who
// must call Done with it; shutdown is true once the queue is shut down and
// drained.
func (q *Queue[T]) Get() (item T, shutdown bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.shutdown {
		q.cond.Wait()
	}
	if len(q.queue) == 0 {
		return item, true
	}
	return q.takeLocked(), false
}

// TryGet hands out the next item without blocking, for drivers such as the
// simulator that poll the queue from their own loop.
func (q *Queue[T]) TryGet() (item T, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) == 0 {
		return item, false
	}
	return q.takeLocked(), true
}

func (q *Queue[T]) takeLocked() T {
	item := q.queue[0]
	var zero T
	q.queue[0] = zero
	q.queue = q.queue[1:]
	now := q.clock.Now()
	wait := now.Sub(q.dirty[item])
	q.stats.Taken++
	q.stats.TotalLatency += wait
	q.stats.MaxLatency = max(q.stats.MaxLatency, wait)
	q.processing[item] = now
	delete(q.dirty, item)
	if q.observer != nil {
		q.observer.Taken(wait)
		q.observer.Depth(len(q.queue))
	}
	return item
}

// Done marks item's processing finished and queues it again if it was
// added meanwhile.
func (q *Queue[T]) Done(item T) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if start, ok := q.processing[item]; ok && q.observer != nil {
		q.observer.Finished(q.clock.Since(start))
	}
	delete(q.processing, item)
	if _, ok := q.dirty[item]; ok {
		q.push(item)
	}
}

// Len is the number of items waiting to be taken (the queue depth metric).
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// Stats returns the queue's counters and current depth.
func (q *Queue[T]) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := q.stats
	s.Depth = len(q.queue)
	return s
}

// ShutDown stops accepting items, cancels delayed ones and wakes every
// blocked Get; items already queued are still handed out.
func (q *Queue[T]) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
	for item, w := range q.waiting {
		w.timer.Stop()
		delete(q.waiting, item)
	}
	q.cond.Broadcast()
}

// ShuttingDown reports whether ShutDown has been called.
func (q *Queue[T]) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}
