package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// watchEvent is one line of a watch stream.
type watchEvent struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

// watchStream writes watch events as newline-delimited JSON, flushing each.
type watchStream struct {
	w   http.ResponseWriter
	enc *json.Encoder
	fl  http.Flusher
	// table, when set, sends each object as a one-row Table (kubectl get -w).
	table *tableRequest
	kind  *api.Kind
}

// send writes one event; an error means the client is gone.
func (ws *watchStream) send(typ string, obj any) error {
	var raw []byte
	var err error
	o, isObj := obj.(api.Object)
	switch {
	case isObj && ws.table != nil:
		var doc *tableDoc
		if doc, err = ws.table.build(ws.kind, []api.Object{o}); err == nil {
			doc.Metadata.ResourceVersion = o.GetObjectMeta().ResourceVersion
			raw, err = json.Marshal(doc)
		}
	case isObj:
		raw, err = api.Encode(o)
	default:
		raw, err = json.Marshal(obj)
	}
	if err != nil {
		return fmt.Errorf("encode watch event: %w", err)
	}
	if err := ws.enc.Encode(watchEvent{Type: typ, Object: raw}); err != nil {
		return fmt.Errorf("write watch event: %w", err)
	}
	if ws.fl != nil {
		ws.fl.Flush()
	}
	return nil
}

// sendError ends a stream with an ERROR event carrying err's Status.
func (ws *watchStream) sendError(err error) {
	_ = ws.send(string(store.Error), registry.AsStatus(err))
}

// watch answers GET ?watch=true: without a resourceVersion (or "0") the
// current objects first arrive as ADDED, then changes after that list's
// revision; with one, changes after it. An expired revision ends the
// stream with an ERROR event carrying a 410 Expired Status.
func (s *Server) watch(w http.ResponseWriter, r *http.Request, t target) {
	ls, fs, err := selectors(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	rev, err := revisionOf(q.Get("resourceVersion"))
	if err != nil {
		writeError(w, err)
		return
	}
	if err := registry.CheckFieldSelector(t.kind, fs); err != nil {
		writeError(w, err)
		return
	}
	timeout, err := watchTimeout(q.Get("timeoutSeconds"))
	if err != nil {
		writeError(w, err)
		return
	}
	tr, err := s.wantsTable(r)
	if err != nil {
		writeError(w, err)
		return
	}
	ws := startStream(w)
	ws.table, ws.kind = tr, t.kind
	opts := store.WatchOptions{Namespace: t.namespace, Labels: ls, Fields: fs, Revision: rev}
	if rev == 0 {
		if opts.Revision, err = s.sendInitial(r, t, opts, ws); err != nil {
			ws.sendError(err)
			return
		}
	}
	s.stream(r, t, opts, ws, timeout)
}

// startStream sends the response header of a watch.
func startStream(w http.ResponseWriter) *watchStream {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	ws := &watchStream{w: w, enc: json.NewEncoder(w)}
	ws.fl, _ = w.(http.Flusher)
	if ws.fl != nil {
		ws.fl.Flush()
	}
	return ws
}

// watchTimeout reads timeoutSeconds; 0 means no timeout.
func watchTimeout(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, registry.NewBadRequest(fmt.Sprintf("timeoutSeconds %q is not a non-negative integer", v))
	}
	return time.Duration(n) * time.Second, nil
}

// sendInitial sends the current objects as ADDED and returns the revision
// the list reflects, from which the watch continues.
func (s *Server) sendInitial(r *http.Request, t target, opts store.WatchOptions, ws *watchStream) (int64, error) {
	res, err := s.reg.List(r.Context(), t.kind, store.ListOptions{Namespace: opts.Namespace,
		Labels: opts.Labels, Fields: opts.Fields})
	if err != nil {
		return 0, err
	}
	for _, obj := range res.Items {
		if err := ws.send(string(store.Added), obj); err != nil {
			return 0, err
		}
	}
	return res.Revision, nil
}

// stream relays store events until the client leaves, the timeout passes
// or the store ends the watch.
func (s *Server) stream(r *http.Request, t target, opts store.WatchOptions, ws *watchStream, timeout time.Duration) {
	wt, err := s.reg.Watch(r.Context(), t.kind, opts)
	if err != nil {
		ws.sendError(err)
		return
	}
	defer wt.Stop()
	var expired <-chan time.Time
	if timeout > 0 {
		timer := s.clock.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C()
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-expired:
			return
		case ev, ok := <-wt.ResultChan():
			if !ok {
				return
			}
			if ev.Type == store.Error {
				ws.sendError(watchError(t, ev.Err))
				return
			}
			if ws.send(string(ev.Type), ev.Object) != nil {
				return
			}
		}
	}
}

// watchError is the Status an ended watch reports: 410 Expired for a
// compacted revision or a watcher that fell behind, so the client relists.
func watchError(t target, err error) error {
	if errors.Is(err, store.ErrCompacted) || errors.Is(err, store.ErrTooSlow) {
		return registry.NewGone(fmt.Sprintf("too old resource version: %v", err))
	}
	return registry.FromStoreError(t.kind, "", err)
}
