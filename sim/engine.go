package sim

import (
	"hash/fnv"
	"math/rand/v2"
	"time"
)

// Engine is the discrete-event core: a queue of callbacks ordered by
// virtual time and then by the order they were scheduled, run one at a
// time from one goroutine. Nothing in it reads the wall clock or depends on
// map order, so the same schedule of events always runs the same way.
//
// The engine is also the run's clock (see clock.go): core code that arms
// timers on it gets events in the same queue.
type Engine struct {
	start   time.Time
	now     int64 // virtual nanoseconds since start
	seq     uint64
	queue   eventHeap
	events  uint64 // callbacks run so far
	seed    uint64
	stopped bool
}

// event is one scheduled callback; at is virtual nanoseconds since start.
type event struct {
	at  int64
	seq uint64
	fn  func()
}

// NewEngine returns an engine whose virtual time starts at start, drawing
// its random streams from seed.
func NewEngine(start time.Time, seed uint64) *Engine {
	return &Engine{start: start.Round(0), seed: seed}
}

// Elapsed is the virtual time since the start of the run.
func (e *Engine) Elapsed() time.Duration { return time.Duration(e.now) }

// Events is how many callbacks have run.
func (e *Engine) Events() uint64 { return e.events }

// Schedule runs fn after delay (at once, after the events already due, for
// delay <= 0).
func (e *Engine) Schedule(delay time.Duration, fn func()) {
	e.ScheduleAt(e.Elapsed()+max(delay, 0), fn)
}

// ScheduleAt runs fn at the virtual offset at, or now when at has passed.
func (e *Engine) ScheduleAt(at time.Duration, fn func()) {
	e.seq++
	e.queue.push(event{at: max(int64(at), e.now), seq: e.seq, fn: fn})
}

// Step runs the next event, moving time to it; false when none is left or
// the engine was stopped.
func (e *Engine) Step() bool {
	if e.stopped || len(e.queue) == 0 {
		return false
	}
	ev := e.queue.pop()
	e.now = ev.at
	e.events++
	ev.fn()
	return true
}

// RunUntil runs every event due at or before end (an offset from the
// start), then leaves time at end unless stopped or emptied earlier than
// end by a Stop. It reports whether it was stopped.
func (e *Engine) RunUntil(end time.Duration) bool {
	for !e.stopped && len(e.queue) > 0 && e.queue[0].at <= int64(end) {
		e.Step()
	}
	if !e.stopped && e.now < int64(end) {
		e.now = int64(end)
	}
	return e.stopped
}

// Next is when the next event is due, as an offset from the start; false
// when none is queued. A driver on the wall clock sleeps until then.
func (e *Engine) Next() (time.Duration, bool) {
	if len(e.queue) == 0 {
		return 0, false
	}
	return time.Duration(e.queue[0].at), true
}

// Stop makes Step and RunUntil return at once; the event being run finishes.
func (e *Engine) Stop() { e.stopped = true }

// Stopped reports whether Stop was called.
func (e *Engine) Stopped() bool { return e.stopped }

// Rand returns a random stream for the named component, seeded from the
// run's seed and the name, so one component drawing more or fewer numbers
// never changes what another draws.
func (e *Engine) Rand(component string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(component))
	return rand.New(rand.NewPCG(e.seed, h.Sum64()))
}

// eventHeap is a binary min-heap of events by (at, seq), written out
// rather than through container/heap so pushes and pops do not box.
type eventHeap []event

func (h eventHeap) less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}

func (h *eventHeap) push(ev event) {
	*h = append(*h, ev)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q.less(i, parent) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *eventHeap) pop() event {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q[last] = event{} // drop the callback so it can be collected
	q = q[:last]
	*h = q
	for i := 0; ; {
		l, r, small := 2*i+1, 2*i+2, i
		if l < len(q) && q.less(l, small) {
			small = l
		}
		if r < len(q) && q.less(r, small) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	return top
}
