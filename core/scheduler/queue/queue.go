// Package queue holds pods waiting to be scheduled: an active queue ordered
// by the profile's QueueSort plugin, a backoff queue for pods that failed
// recently, and a pool of unschedulable pods waiting for a cluster event.
// All timing goes through an injected clock.Clock.
package queue

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Defaults follow kube-scheduler: backoff doubles from 1 s up to 10 s, and an
// unschedulable pod is retried after 5 minutes even without an event.
const (
	DefaultInitialBackoff           = time.Second
	DefaultMaxBackoff               = 10 * time.Second
	DefaultMaxUnschedulableDuration = 5 * time.Minute
)

// ErrClosed is returned by Pop once the queue is closed.
var ErrClosed = errors.New("scheduling queue closed")

// ClusterEvent describes a change that may make unschedulable pods fit, e.g. "Node/Add".
type ClusterEvent struct {
	Resource string
	Action   string
}

// Common events the scheduler's drivers report.
var (
	EventNodeAdd     = ClusterEvent{Resource: "Node", Action: "Add"}
	EventNodeUpdate  = ClusterEvent{Resource: "Node", Action: "Update"}
	EventPodDelete   = ClusterEvent{Resource: "Pod", Action: "Delete"}
	EventUnscheduled = ClusterEvent{Resource: "Pod", Action: "UnschedulableTimeout"}
)

// inFlightPod records what happened to a pod while it was being scheduled.
type inFlightPod struct {
	deleted bool
	updated *api.Pod
}

// Queue is the scheduling queue; it is safe for concurrent use.
type Queue struct {
	mu            sync.Mutex
	clock         clock.Clock
	less          func(a, b *framework.QueuedPodInfo) bool
	active        *podHeap
	backoff       *podHeap
	unschedulable map[string]*framework.QueuedPodInfo
	// nextTimeout is the earliest time an unschedulable pod times out, so
	// flushes skip scanning the pool until then.
	nextTimeout time.Time
	// inFlight tracks popped pods until they are requeued or Done, so
	// updates and deletes that arrive meanwhile are not lost or doubled.
	inFlight         map[string]*inFlightPod
	schedulingCycle  int64
	moveRequestCycle int64
	wake             chan struct{}
	closed           bool
	initialBackoff   time.Duration
	maxBackoff       time.Duration
	maxUnschedulable time.Duration
	// strictBackoff keeps backed-off pods waiting even when nothing else
	// is ready; see SetStrictBackoff.
	strictBackoff bool
}

// SetStrictBackoff chooses what an idle queue does with backed-off pods.
// By default (false), as kube-scheduler does since v1.33, a pod that was
// rejected (not one that hit an error) is popped from backoff early when
// no pod is active, so the scheduler does not sit idle; with true every
// pod waits out its backoff, as before v1.33.
func (q *Queue) SetStrictBackoff(strict bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.strictBackoff = strict
}

// New returns an empty queue ordered by less (a QueueSort plugin's Less).
func New(c clock.Clock, less func(a, b *framework.QueuedPodInfo) bool) *Queue {
	q := &Queue{
		clock: c, less: less, unschedulable: map[string]*framework.QueuedPodInfo{}, inFlight: map[string]*inFlightPod{},
		wake: make(chan struct{}), moveRequestCycle: -1, initialBackoff: DefaultInitialBackoff,
		maxBackoff: DefaultMaxBackoff, maxUnschedulable: DefaultMaxUnschedulableDuration,
	}
	q.active = newPodHeap(less)
	q.backoff = newPodHeap(q.backoffLess)
	return q
}

// backoffLess orders the backoff queue by expiry, then by the sort order.
func (q *Queue) backoffLess(a, b *framework.QueuedPodInfo) bool {
	ea, eb := q.backoffExpiry(a), q.backoffExpiry(b)
	if !ea.Equal(eb) {
		return ea.Before(eb)
	}
	return q.less(a, b)
}

// BackoffDuration is the wait after a pod's attempts-th failure: 1 s doubled per attempt, capped at 10 s.
func (q *Queue) BackoffDuration(attempts int) time.Duration {
	d := q.initialBackoff
	for i := 1; i < attempts; i++ {
		d *= 2
		if d >= q.maxBackoff {
			return q.maxBackoff
		}
	}
	return min(d, q.maxBackoff)
}

// backoffExpiry is when qp may be tried again.
func (q *Queue) backoffExpiry(qp *framework.QueuedPodInfo) time.Time {
	return qp.Timestamp.Add(q.BackoffDuration(qp.Attempts))
}

// signalLocked wakes blocked Pops.
func (q *Queue) signalLocked() {
	close(q.wake)
	q.wake = make(chan struct{})
}

// Add queues a new pending pod, or updates it when already queued.
func (q *Queue) Add(pod *api.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.updateLocked(pod) {
		return
	}
	q.active.add(&framework.QueuedPodInfo{Pod: pod, Timestamp: q.clock.Now()})
	q.signalLocked()
}

// Update replaces a queued pod's object; an unschedulable pod gets another
// chance, since its spec may now fit. A pod not queued is added.
func (q *Queue) Update(pod *api.Pod) { q.Add(pod) }

// updateLocked replaces the pod wherever it is queued and reports whether it was.
func (q *Queue) updateLocked(pod *api.Pod) bool {
	key := framework.PodKey(pod)
	if f, ok := q.inFlight[key]; ok {
		f.updated = pod
		return true
	}
	if qp, ok := q.active.get(key); ok {
		qp.Pod = pod
		q.active.add(qp)
		return true
	}
	if qp, ok := q.backoff.get(key); ok {
		qp.Pod = pod
		q.backoff.add(qp)
		return true
	}
	if qp, ok := q.unschedulable[key]; ok {
		delete(q.unschedulable, key)
		qp.Pod = pod
		q.requeueLocked(qp, q.clock.Now())
		return true
	}
	return false
}

// Delete drops a pod from every part of the queue.
func (q *Queue) Delete(pod *api.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(pod)
	if f, ok := q.inFlight[key]; ok {
		f.deleted = true
	}
	q.active.remove(key)
	q.backoff.remove(key)
	delete(q.unschedulable, key)
}

// requeueLocked sends qp to backoff while its backoff lasts, else to active.
func (q *Queue) requeueLocked(qp *framework.QueuedPodInfo, now time.Time) {
	if q.backoffExpiry(qp).After(now) {
		q.backoff.add(qp)
	} else {
		q.active.add(qp)
	}
	q.signalLocked()
}

// AddUnschedulable returns a pod after a failed attempt made in
// schedulingCycle: errors, and rejections that raced with a cluster event or
// an update of the pod, go to backoff; other rejections wait in the
// unschedulable pool; a pod deleted meanwhile is dropped.
func (q *Queue) AddUnschedulable(qp *framework.QueuedPodInfo, schedulingCycle int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := framework.PodKey(qp.Pod)
	f := q.inFlight[key]
	delete(q.inFlight, key)
	if f != nil && f.deleted {
		return
	}
	qp.Timestamp = q.clock.Now()
	updated := f != nil && f.updated != nil
	if updated {
		qp.Pod = f.updated
	}
	if updated || len(qp.UnschedulablePlugins) == 0 || q.moveRequestCycle >= schedulingCycle {
		q.backoff.add(qp)
		q.signalLocked()
		return
	}
	q.unschedulable[framework.PodKey(qp.Pod)] = qp
	if timeout := qp.Timestamp.Add(q.maxUnschedulable); q.nextTimeout.IsZero() || timeout.Before(q.nextTimeout) {
		q.nextTimeout = timeout
	}
}

// Done ends a popped pod's attempt without requeueing it (it was bound, or
// belongs to no profile).
func (q *Queue) Done(pod *api.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, framework.PodKey(pod))
}

// MoveAllToActiveOrBackoff gives every unschedulable pod another chance
// after a cluster event, in key order for determinism.
func (q *Queue) MoveAllToActiveOrBackoff(_ ClusterEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for _, key := range slices.Sorted(maps.Keys(q.unschedulable)) {
		q.requeueLocked(q.unschedulable[key], now)
		delete(q.unschedulable, key)
	}
	q.moveRequestCycle = q.schedulingCycle
}
