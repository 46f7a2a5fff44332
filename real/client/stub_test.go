package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
)

// stub serves h over plain HTTP and returns a client of it.
func stub(t *testing.T, timeout time.Duration, h http.HandlerFunc) *client.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	c, err := client.New(client.Config{Server: srv.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestErrorsWithoutStatus are failures from something other than the API
// server (a proxy), whose bodies are not Statuses.
func TestErrorsWithoutStatus(t *testing.T) {
	for code, want := range map[int]error{http.StatusBadGateway: nil, http.StatusNotFound: store.ErrNotFound} {
		c := stub(t, 0, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>upstream trouble</html>", code)
		})
		_, err := c.Get(ctx(t), podKind, "default", "a")
		se := statusOf(t, err)
		if int(se.Status.Code) != code || !strings.Contains(se.Error(), "upstream trouble") {
			t.Errorf("code %d: %+v", code, se.Status)
		}
		if want != nil && (!errors.Is(err, want) || !registry.IsNotFound(err)) {
			t.Errorf("code %d: %v does not wrap %v", code, err, want)
		}
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	c := stub(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	if _, err := c.Get(ctx(t), podKind, "default", "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("get from a silent server: %v, want DeadlineExceeded", err)
	}
	_, err := c.Watch(ctx(t), podKind, store.WatchOptions{Revision: 5})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "watch=true") {
		t.Errorf("watch from a silent server: %v, want DeadlineExceeded naming the request", err)
	}
}

// streamOf serves a watch stream of the given lines.
func streamOf(lines ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		for _, l := range lines {
			_, _ = w.Write([]byte(l + "\n"))
		}
	}
}

func TestWatchStreamDecoding(t *testing.T) {
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default","resourceVersion":"7"}}`
	c := stub(t, 0, streamOf(
		`{"type":"BOOKMARK","object":{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"6"}}}`,
		`{"type":"ADDED","object":`+pod+`}`,
		`{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","code":410,"reason":"Expired","message":"too old"}}`,
		`{"type":"ADDED","object":`+pod+`}`, // never read: an Error ends the watch
	))
	w, err := c.Watch(ctx(t), podKind, store.WatchOptions{Revision: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, w); ev.Type != store.Added || ev.Revision != 7 || ev.Object.(*api.Pod).Name != "a" {
		t.Errorf("first event %+v, want ADDED a at 7", ev)
	}
	if ev := next(t, w); ev.Type != store.Error || !errors.Is(ev.Err, store.ErrCompacted) || ev.Err.Error() != "too old" {
		t.Errorf("second event %+v, want the Expired error", ev)
	}
	closes(t, w)

	c = stub(t, 0, streamOf(`{"type":"ADDED","object":{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}}`))
	w, err = c.Watch(ctx(t), podKind, store.WatchOptions{Revision: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, w); ev.Type != store.Error || !strings.Contains(ev.Err.Error(), "Node") {
		t.Errorf("an object of another kind: %+v, want an Error event", ev)
	}
	closes(t, w)

	c = stub(t, 0, streamOf(`not json`))
	w, err = c.Watch(ctx(t), podKind, store.WatchOptions{Revision: 5})
	if err != nil {
		t.Fatal(err)
	}
	if ev := next(t, w); ev.Type != store.Error || !strings.Contains(ev.Err.Error(), "decode event") {
		t.Errorf("a malformed stream: %+v, want an Error event", ev)
	}
	closes(t, w)
}
