package apiserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

// env is a server over a fresh memory store holding namespace "default".
type env struct {
	t     *testing.T
	h     *apiserver.Server
	reg   *registry.Registry
	store *memory.Store
	clock *clock.Manual
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memory.New(memory.Options{Clock: c, HistorySize: 16})
	t.Cleanup(func() { _ = s.Close() })
	reg := registry.New(s, c)
	e := &env{t: t, reg: reg, store: s, clock: c,
		h: apiserver.New(apiserver.Config{Registry: reg, MaxBodyBytes: 64 << 10, Clock: c})}
	e.mustDo("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"default"}}`, 201)
	return e
}

// do sends a request with a JSON (or given content type) body.
func (e *env) do(method, path, body string, contentType ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if len(contentType) > 0 {
		req.Header.Set("Content-Type", contentType[0])
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// mustDo sends a request and requires the status code.
func (e *env) mustDo(method, path, body string, code int, contentType ...string) map[string]any {
	e.t.Helper()
	rec := e.do(method, path, body, contentType...)
	if rec.Code != code {
		e.t.Fatalf("%s %s: code %d, want %d: %s", method, path, rec.Code, code, rec.Body.String())
	}
	return decodeMap(e.t, rec.Body.Bytes())
}

func decodeMap(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]any{"raw": string(b)}
	}
	return m
}

// status decodes a response as a Status.
func status(t *testing.T, rec *httptest.ResponseRecorder) api.Status {
	t.Helper()
	var st api.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatalf("not a Status: %v: %s", err, rec.Body.String())
	}
	return st
}

// get walks a decoded JSON document by keys.
func get(m any, keys ...string) any {
	for _, k := range keys {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[k]
	}
	return m
}

func podJSON(name string, labels string) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `","labels":{` + labels + `}},` +
		`"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
}

// mustStatusCode checks a response is a Status with the code and reason.
func mustStatusCode(t *testing.T, rec *httptest.ResponseRecorder, code int, reason api.StatusReason) api.Status {
	t.Helper()
	if rec.Code != code {
		t.Fatalf("code %d, want %d: %s", rec.Code, code, rec.Body.String())
	}
	st := status(t, rec)
	if st.Kind != "Status" || int(st.Code) != code || st.Reason != reason {
		t.Fatalf("status %+v, want code %d reason %s", st, code, reason)
	}
	return st
}

var _ http.Handler = (*apiserver.Server)(nil)

// deploymentJSON is a deployment with one container c and env A and B.
func deploymentJSON(name string) string {
	return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"` + name + `"},"spec":{"replicas":2,` +
		`"selector":{"matchLabels":{"app":"` + name + `"}},"template":{"metadata":{"labels":{"app":"` + name + `"}},` +
		`"spec":{"containers":[{"name":"c","image":"i:1","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}}}}`
}

// encodeJSON renders v as JSON for substring checks.
func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
