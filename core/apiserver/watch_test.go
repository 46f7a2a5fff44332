package apiserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// watchClient reads a watch stream event by event.
type watchClient struct {
	t    *testing.T
	body io.ReadCloser
	sc   *bufio.Scanner
}

type event struct {
	Type   string          `json:"type"`
	Object json.RawMessage `json:"object"`
}

func (e *env) watch(path string) *watchClient {
	e.t.Helper()
	srv := httptest.NewServer(e.h)
	e.t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		e.t.Fatalf("watch %s: code %d", path, resp.StatusCode)
	}
	e.t.Cleanup(func() { _ = resp.Body.Close() })
	return &watchClient{t: e.t, body: resp.Body, sc: bufio.NewScanner(resp.Body)}
}

// next reads one event and returns its type and the object's name (or
// the Status reason for ERROR events).
func (w *watchClient) next() (string, string) {
	w.t.Helper()
	if !w.sc.Scan() {
		w.t.Fatalf("watch ended early: %v", w.sc.Err())
	}
	var ev event
	if err := json.Unmarshal(w.sc.Bytes(), &ev); err != nil {
		w.t.Fatalf("bad event %q: %v", w.sc.Text(), err)
	}
	if ev.Type == "ERROR" {
		var st api.Status
		_ = json.Unmarshal(ev.Object, &st)
		if st.Code != 410 {
			w.t.Fatalf("error event code %d", st.Code)
		}
		return ev.Type, string(st.Reason)
	}
	var obj struct {
		Metadata api.ObjectMeta `json:"metadata"`
	}
	_ = json.Unmarshal(ev.Object, &obj)
	return ev.Type, obj.Metadata.Name
}

// mustEnd requires the stream to end.
func (w *watchClient) mustEnd() {
	w.t.Helper()
	if w.sc.Scan() {
		w.t.Fatalf("unexpected event after the end: %s", w.sc.Text())
	}
}

func expectEvent(t *testing.T, w *watchClient, typ, name string) {
	t.Helper()
	if gt, gn := w.next(); gt != typ || gn != name {
		t.Fatalf("event %s %s, want %s %s", gt, gn, typ, name)
	}
}

func TestWatchInitialEventsThenChanges(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", `"app":"web"`), 201)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("b", `"app":"db"`), 201)
	w := e.watch("/api/v1/namespaces/default/pods?watch=true&labelSelector=app%3Dweb")
	expectEvent(t, w, "ADDED", "a")
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("c", `"app":"db"`), 201)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("d", `"app":"web"`), 201)
	expectEvent(t, w, "ADDED", "d")
	e.mustDo("PATCH", "/api/v1/namespaces/default/pods/d", `{"metadata":{"annotations":{"k":"v"}}}`, 200,
		"application/merge-patch+json")
	expectEvent(t, w, "MODIFIED", "d")
	e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a", "", 200)
	expectEvent(t, w, "DELETED", "a")
}

func TestWatchFromResourceVersion(t *testing.T) {
	e := newEnv(t)
	a := e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", ""), 201)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("b", ""), 201)
	w := e.watch("/api/v1/pods?watch=1&resourceVersion=" + get(a, "metadata", "resourceVersion").(string))
	expectEvent(t, w, "ADDED", "b")
}

func TestWatchExpired(t *testing.T) {
	e := newEnv(t)
	a := e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", ""), 201)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("b", ""), 201)
	rev, err := e.store.Revision(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Compact(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	w := e.watch("/api/v1/pods?watch=true&resourceVersion=" + get(a, "metadata", "resourceVersion").(string))
	expectEvent(t, w, "ERROR", string(api.StatusReasonExpired))
	w.mustEnd()
}

func TestWatchTimeout(t *testing.T) {
	e := newEnv(t)
	pending := e.clock.Pending()
	w := e.watch("/api/v1/pods?watch=true&timeoutSeconds=5")
	deadline := time.Now().Add(10 * time.Second)
	for e.clock.Pending() == pending {
		if time.Now().After(deadline) {
			t.Fatal("the watch never armed its timeout")
		}
		time.Sleep(time.Millisecond)
	}
	e.clock.Step(5 * time.Second)
	w.mustEnd()
}
