package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// watcher is one running watch. Writers append to its queue under the
// store's lock, which keeps events in revision order without ever blocking
// a writer on a reader; one goroutine moves them from the queue to the
// channel.
type watcher struct {
	s     *Store
	ks    *kindState
	opts  store.WatchOptions
	limit int

	out      chan store.Event
	done     chan struct{} // closed by Stop
	stopOnce sync.Once
	wake     chan struct{} // capacity 1: "the queue may have grown"

	indexed      bool   // registered under ks.byValue[triggerValue]
	triggerValue string // the trigger field's value the selector pins

	mu      sync.Mutex
	queue   []store.Event
	head    int  // queue[head:] is undelivered
	closing bool // no more events: deliver the queue, then end
}

// Watch implements store.Store. Past changes newer than opts.Revision are
// queued under the same lock that registers the watcher, so the watcher
// sees every later change exactly once.
func (s *Store) Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error) {
	ks, err := s.state(kind)
	if err != nil {
		return nil, err
	}
	if opts.Revision < 0 {
		return nil, fmt.Errorf("watch %s from revision %d: %w", ks.kind.GroupResource(), opts.Revision, store.ErrInvalid)
	}
	w := &watcher{s: s, ks: ks, opts: opts, limit: s.queueLimit,
		out: make(chan store.Event), done: make(chan struct{}), wake: make(chan struct{}, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if opts.Revision > 0 {
		if c := s.compacted(); opts.Revision < c {
			return nil, fmt.Errorf("watch %s from revision %d, compacted at %d: %w",
				ks.kind.GroupResource(), opts.Revision, c, store.ErrCompacted)
		}
		s.hist.since(opts.Revision, s.rev, func(c *change) {
			if c.ks == ks {
				cf := c.filter()
				w.offer(&cf)
			}
		})
	}
	ks.register(w)
	go w.run(ctx)
	return w, nil
}

// offer queues the change if the watcher's filter lets it through; it
// reports false once the watcher takes no more events.
func (w *watcher) offer(cf *store.ChangeFilter) bool {
	if cf.Rev <= w.opts.Revision { // a watch from a future revision
		return true
	}
	ev, ok := cf.For(w.opts)
	if !ok {
		return true
	}
	return w.push(ev)
}

// push appends an event, or, when the queue is full, replaces the queue
// with an ErrTooSlow error that ends the watch.
func (w *watcher) push(ev store.Event) bool {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return false
	}
	if len(w.queue)-w.head >= w.limit {
		clear(w.queue)
		w.queue, w.head, w.closing = w.queue[:0], 0, true
		ev = store.Event{Type: store.Error,
			Err: fmt.Errorf("watch %s: more than %d events undelivered: %w",
				w.ks.kind.GroupResource(), w.limit, store.ErrTooSlow)}
	}
	if w.head > 0 && len(w.queue) == cap(w.queue) { // reuse the delivered prefix
		n := copy(w.queue, w.queue[w.head:])
		clear(w.queue[n:])
		w.queue, w.head = w.queue[:n], 0
	}
	w.queue = append(w.queue, ev)
	open := !w.closing
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return open
}

// ended reports whether the watcher takes no more events.
func (w *watcher) ended() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closing {
		return true
	}
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// ResultChan implements store.Watcher.
func (w *watcher) ResultChan() <-chan store.Event { return w.out }

// Stop implements store.Watcher; the channel closes soon after.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() { close(w.done) })
}

// run delivers queued events until the watch ends, then unregisters the
// watcher and closes its channel.
func (w *watcher) run(ctx context.Context) {
	defer close(w.out)
	defer w.s.unregister(w)
	for {
		ev, ok := w.pop(ctx)
		if !ok {
			return
		}
		select {
		case w.out <- ev:
		case <-w.done:
			return
		case <-ctx.Done():
			return
		}
		if ev.Type == store.Error {
			return
		}
	}
}

// pop waits for the next event; false means the watch is over.
func (w *watcher) pop(ctx context.Context) (store.Event, bool) {
	for {
		w.mu.Lock()
		if w.head < len(w.queue) {
			ev := w.queue[w.head]
			w.queue[w.head] = store.Event{}
			w.head++
			if w.head == len(w.queue) {
				w.queue, w.head = w.queue[:0], 0
			}
			w.mu.Unlock()
			return ev, true
		}
		closing := w.closing
		w.mu.Unlock()
		if closing {
			return store.Event{}, false
		}
		select {
		case <-w.wake:
		case <-w.done:
			return store.Event{}, false
		case <-ctx.Done():
			return store.Event{}, false
		}
	}
}

// unregister removes an ended watcher from its kind.
func (s *Store) unregister(w *watcher) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.ks.unregister(w)
}
