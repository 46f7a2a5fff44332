package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// maxErrorBodyBytes bounds how much of a refused watch's body is read.
const maxErrorBodyBytes = 1 << 20

// bookmark is the watch event type that only reports a revision; the
// client never asks for it and skips it if sent.
const bookmark = "BOOKMARK"

// wireEvent is one line of a watch stream.
type wireEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// Watch streams matching changes after opts.Revision, as
// registry.Registry.Watch does. With Revision 0 the watch starts now: the
// client lists one object to learn the current revision and watches from
// it, so no existing object arrives as ADDED. A revision that has been
// compacted ends the stream with an Error event wrapping
// store.ErrCompacted; a connection that closes closes the channel.
func (c *Client) Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error) {
	if err := checkScope(kind, opts.Namespace); err != nil {
		return nil, err
	}
	if opts.Revision < 0 {
		return nil, registry.NewBadRequest(fmt.Sprintf("watch %s from revision %d: not a revision",
			kind.GroupResource(), opts.Revision))
	}
	rev := opts.Revision
	if rev == 0 {
		res, err := c.List(ctx, kind, store.ListOptions{Namespace: opts.Namespace, Labels: opts.Labels,
			Fields: opts.Fields, Limit: 1})
		if err != nil {
			return nil, err
		}
		rev = res.Revision
	}
	dropAll := selectsNothing(opts.Labels)
	q := selectorQuery(opts.Labels, opts.Fields)
	if dropAll {
		q.Del("labelSelector")
	}
	q.Set("watch", "true")
	q.Set("resourceVersion", strconv.FormatInt(rev, 10))
	return c.openWatch(ctx, kind, request{method: http.MethodGet, path: collectionPath(kind, opts.Namespace), query: q}, dropAll)
}

// openWatch sends a watch request and, once the server has accepted it,
// starts decoding its stream. The response header must arrive within the
// client's timeout; the stream itself lasts until stopped.
func (c *Client) openWatch(ctx context.Context, kind *api.Kind, r request, dropAll bool) (store.Watcher, error) {
	wctx, cancel := context.WithCancel(ctx)
	req, err := c.newHTTPRequest(wctx, r)
	if err != nil {
		cancel()
		return nil, err
	}
	var timer *time.Timer
	if c.timeout > 0 {
		timer = time.AfterFunc(c.timeout, cancel)
	}
	resp, err := c.http.Do(req)
	if timer != nil && !timer.Stop() { // the header came too late, or not at all
		if err == nil {
			resp.Body.Close()
		}
		err = fmt.Errorf("no response within %v: %w", c.timeout, context.DeadlineExceeded)
	}
	if err != nil {
		cancel()
		return nil, transportError(req, err)
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		resp.Body.Close()
		cancel()
		return nil, statusError(resp.StatusCode, body)
	}
	w := &watcher{kind: kind, ctx: wctx, cancel: cancel, body: resp.Body, dropAll: dropAll,
		out: make(chan store.Event)}
	go w.run()
	return w, nil
}

// watcher decodes one watch stream into store events.
type watcher struct {
	kind    *api.Kind
	ctx     context.Context // ends when stopped or the caller's context ends
	cancel  context.CancelFunc
	body    io.ReadCloser
	dropAll bool // labels.Nothing: pass on only errors
	out     chan store.Event
}

var _ store.Watcher = (*watcher)(nil)

// ResultChan implements store.Watcher.
func (w *watcher) ResultChan() <-chan store.Event { return w.out }

// Stop implements store.Watcher: it ends the request, and the channel
// closes soon after. It may be called more than once.
func (w *watcher) Stop() { w.cancel() }

// run delivers the stream's events until it ends, an Error event has
// been delivered, or the watch is stopped; then it closes the channel.
func (w *watcher) run() {
	defer close(w.out)
	defer w.body.Close()
	defer w.cancel()
	dec := json.NewDecoder(w.body)
	for {
		var we wireEvent
		if err := dec.Decode(&we); err != nil {
			if isMalformed(err) {
				w.send(w.failure(fmt.Errorf("decode event: %w", err)))
			}
			return // the connection closed or was stopped: the caller rewatches
		}
		ev, skip := w.convert(we)
		if skip {
			continue
		}
		if !w.send(ev) || ev.Type == store.Error {
			return
		}
	}
}

// send hands ev to the reader unless the watch has been stopped.
func (w *watcher) send(ev store.Event) bool {
	select {
	case w.out <- ev:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// convert turns a wire event into a store event; skip reports events the
// caller never sees (bookmarks, and everything for labels.Nothing).
func (w *watcher) convert(we wireEvent) (ev store.Event, skip bool) {
	switch typ := store.EventType(we.Type); typ {
	case store.Added, store.Modified, store.Deleted:
		if w.dropAll {
			return store.Event{}, true
		}
		obj, err := decodeObject(w.kind, we.Object)
		if err != nil {
			return w.failure(err), false
		}
		rev, err := store.ParseResourceVersion(obj.GetObjectMeta().ResourceVersion)
		if err != nil {
			return w.failure(err), false
		}
		return store.Event{Type: typ, Object: obj, Revision: rev}, false
	case store.Error:
		return store.Event{Type: store.Error, Err: watchStatusError(we.Object)}, false
	case bookmark:
		return store.Event{}, true
	}
	return w.failure(fmt.Errorf("unknown event type %q", we.Type)), false
}

// failure is the Error event ending a stream the client cannot read.
func (w *watcher) failure(err error) store.Event {
	return store.Event{Type: store.Error, Err: fmt.Errorf("watch %s: %w", w.kind.GroupResource(), err)}
}

// watchStatusError is the error an ERROR event's Status describes (410
// Expired: store.ErrCompacted, so the caller relists).
func watchStatusError(raw json.RawMessage) error {
	var st api.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		st = *api.NewStatus(api.StatusFailure, http.StatusInternalServerError, "",
			fmt.Sprintf("the server ended the watch with an unreadable error: %v", err))
	}
	return statusErrorOf(st, http.StatusInternalServerError)
}

// isMalformed tells a stream that is not JSON watch events from one that
// merely ended.
func isMalformed(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ)
}
