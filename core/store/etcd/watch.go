package etcd

import (
	"context"
	"errors"
	"fmt"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// watchBuffer is how many events a watcher holds for a slow reader before
// the reader's pace slows the etcd stream down.
const watchBuffer = 128

// Watch streams changes of kind after opts.Revision (0: after now). A
// revision that is already compacted fails here with ErrCompacted; one
// compacted while the watch starts ends it with an Error event.
func (s *Store) Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error) {
	if err := s.checkOpen("watch"); err != nil {
		return nil, err
	}
	if opts.Revision < 0 {
		return nil, fmt.Errorf("watch %s: negative revision: %w", kind.GroupResource(), store.ErrInvalid)
	}
	from, err := s.watchStart(ctx, opts.Revision)
	if err != nil {
		return nil, fmt.Errorf("watch %s from %d: %w", kind.GroupResource(), opts.Revision, err)
	}
	prefix := s.watchPrefix(kind, opts.Namespace)
	wctx, cancel := context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(s.ctx, cancel)
	w := &watcher{
		s: s, kind: kind, opts: opts, ctx: wctx, cancel: cancel,
		ch: make(chan store.Event, watchBuffer), done: make(chan struct{}),
		filtered: !(opts.Labels == nil || opts.Labels.Empty()) || !(opts.Fields == nil || opts.Fields.Empty()),
	}
	wch := s.client.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(from+1), clientv3.WithPrevKV())
	s.watchers.Add(1)
	go func() {
		defer s.watchers.Done()
		defer stopOnClose()
		w.run(wch)
	}()
	return w, nil
}

// watchPrefix is the etcd key prefix a watch reads: the namespace's keys
// when it names one of a namespaced kind, else the kind's. etcd then does
// the namespace filtering, and a namespace given for a cluster-scoped kind
// is ignored, as store.Matches ignores it.
func (s *Store) watchPrefix(kind *api.Kind, namespace string) string {
	if kind.Namespaced && namespace != "" {
		return s.kindPrefix(kind) + namespace + "/"
	}
	return s.kindPrefix(kind)
}

// watchStart is the revision a watch's events come after: rev itself,
// checked against compaction by reading at it, or the current revision.
func (s *Store) watchStart(ctx context.Context, rev int64) (int64, error) {
	if rev == 0 {
		return s.Revision(ctx)
	}
	_, err := s.client.Get(ctx, s.prefix, clientv3.WithRev(rev), clientv3.WithCountOnly())
	if err != nil && !errors.Is(s.mapErr(err), store.ErrInvalid) { // a future revision is fine: the watch waits
		return 0, s.mapErr(err)
	}
	return rev, nil
}

// watcher turns one etcd watch into store events.
type watcher struct {
	s        *Store
	kind     *api.Kind
	opts     store.WatchOptions
	filtered bool // a label or field selector is set
	ctx      context.Context
	cancel   context.CancelFunc
	ch       chan store.Event
	done     chan struct{}
}

// ResultChan is the stream of events; it closes when the watch ends.
func (w *watcher) ResultChan() <-chan store.Event { return w.ch }

// Stop ends the watch and waits until its channel is closed.
func (w *watcher) Stop() {
	w.cancel()
	<-w.done
}

// run forwards etcd's responses until the watch fails or is stopped.
func (w *watcher) run(wch clientv3.WatchChan) {
	defer close(w.done)
	defer close(w.ch)
	defer w.cancel()
	for {
		select {
		case <-w.ctx.Done():
			return
		case resp, ok := <-wch:
			if !ok {
				w.fail(fmt.Errorf("watch %s: the etcd client was closed: %w", w.kind.GroupResource(), store.ErrClosed))
				return
			}
			if !w.forward(resp) {
				return
			}
		}
	}
}

// forward sends one response's events, or its error as the last event; it
// reports whether the watch goes on.
func (w *watcher) forward(resp clientv3.WatchResponse) bool {
	if err := resp.Err(); err != nil {
		if w.ctx.Err() != nil {
			return false
		}
		return w.fail(fmt.Errorf("watch %s: %w", w.kind.GroupResource(), w.s.mapErr(err)))
	}
	for _, ev := range resp.Events {
		event, ok, err := w.convert(ev)
		if err != nil {
			return w.fail(fmt.Errorf("watch %s: %w", w.kind.GroupResource(), err))
		}
		if ok && !w.send(event) {
			return false
		}
	}
	return true
}

// convert makes the store event for an etcd event, filtered by the
// watch's selectors (etcd's prefix already chose the namespace); ok is
// false when the watcher must not see it.
func (w *watcher) convert(ev *clientv3.Event) (store.Event, bool, error) {
	if ev.Type == mvccpb.DELETE {
		return w.convertDelete(ev)
	}
	obj, err := w.s.decode(w.kind, ev.Kv)
	if err != nil {
		return store.Event{}, false, err
	}
	if ev.IsCreate() {
		return w.filter(store.Added, obj, nil, ev.Kv.ModRevision)
	}
	if !w.filtered {
		return store.Event{Type: store.Modified, Object: obj, Revision: ev.Kv.ModRevision}, true, nil
	}
	prev, err := w.decodePrev(ev)
	if err != nil {
		return store.Event{}, false, err
	}
	return w.filter(store.Modified, obj, prev, ev.Kv.ModRevision)
}

// convertDelete makes a Deleted event carrying the object's last stored
// state, the one before the delete (every delete, including one an update
// completes, removes the stored value as is), stamped with the delete's
// revision.
func (w *watcher) convertDelete(ev *clientv3.Event) (store.Event, bool, error) {
	obj, err := w.decodePrev(ev)
	if err != nil {
		return store.Event{}, false, err
	}
	rev := ev.Kv.ModRevision
	store.SetResourceVersion(obj, rev)
	return w.filter(store.Deleted, obj, nil, rev)
}

// decodePrev decodes the state before an event, which deletions and
// filtered modifications need.
func (w *watcher) decodePrev(ev *clientv3.Event) (api.Object, error) {
	if ev.PrevKv == nil {
		return nil, fmt.Errorf("%s at revision %d: previous state no longer kept: %w",
			ev.Kv.Key, ev.Kv.ModRevision, store.ErrCompacted)
	}
	return w.s.decode(w.kind, ev.PrevKv)
}

// filter applies the shared selector rules, skipping them when the watch
// has no selector (the namespace is chosen by the watched prefix).
func (w *watcher) filter(typ store.EventType, obj, prev api.Object, rev int64) (store.Event, bool, error) {
	if !w.filtered {
		return store.Event{Type: typ, Object: obj, Revision: rev}, true, nil
	}
	ev, ok := store.FilterEvent(w.kind, w.opts, typ, obj, prev, rev)
	return ev, ok, nil
}

// send delivers an event unless the watch is stopped first.
func (w *watcher) send(ev store.Event) bool {
	select {
	case w.ch <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// fail delivers err as the watch's last event; it always ends the watch.
func (w *watcher) fail(err error) bool {
	w.send(store.Event{Type: store.Error, Err: err})
	return false
}
