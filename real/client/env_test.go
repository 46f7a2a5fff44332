package client_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler/driver"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/real/client"
)

// The client stands in for the registry wherever a component reads or
// writes through one of these interfaces.
var (
	_ cache.Source       = (*client.Client)(nil)
	_ controllers.Client = (*client.Client)(nil)
	_ driver.Client      = (*client.Client)(nil)
	_ events.Writer      = (*client.Client)(nil)
)

// The bearer tokens the test server knows.
const (
	adminToken = "admin-token"
	nodeToken  = "node-n1-token"
)

var (
	podKind  = mustKind(api.CoreV1, "Pod")
	nodeKind = mustKind(api.CoreV1, "Node")
	nsKind   = mustKind(api.CoreV1, "Namespace")
)

func mustKind(apiVersion, kind string) *api.Kind {
	k, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		panic(err)
	}
	return k
}

// env is an API server with token authentication over HTTPS on loopback,
// over a fresh memory store holding namespace "default", and an admin
// client of it.
type env struct {
	t     *testing.T
	store *memory.Store
	reg   *registry.Registry
	pki   *apiserver.PKI
	srv   *httptest.Server
	c     *client.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memory.New(memory.Options{Clock: clk, HistorySize: 64})
	reg := registry.New(s, clk)
	pki, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	auth := apiserver.NewTokenAuthenticator(map[string]apiserver.User{
		adminToken: {Name: apiserver.AdminUser, UID: "admin", Groups: []string{apiserver.GroupMasters}},
		nodeToken:  {Name: apiserver.NodeUserPrefix + "n1", UID: "n1", Groups: []string{apiserver.GroupNodes}},
	})
	srv := httptest.NewUnstartedServer(apiserver.New(apiserver.Config{Registry: reg, Auth: auth, Clock: clock.Real()}))
	srv.TLS = pki.TLSConfig()
	srv.StartTLS()
	e := &env{t: t, store: s, reg: reg, pki: pki, srv: srv}
	e.c = e.client(adminToken)
	t.Cleanup(func() {
		srv.CloseClientConnections() // ends watches a test left open
		srv.Close()
		_ = s.Close()
	})
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}
	if _, err := reg.Create(ctx(t), nsKind, "", ns, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return e
}

// client returns a client of the server that trusts its CA and sends token.
func (e *env) client(token string) *client.Client {
	e.t.Helper()
	c, err := client.New(client.Config{Server: e.srv.URL, CAData: e.pki.CAPEM, Token: token})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// ctx is a context that ends with the test or after a bound.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// statusOf returns err's StatusError, failing the test if there is none.
func statusOf(t *testing.T, err error) *registry.StatusError {
	t.Helper()
	var se *registry.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *registry.StatusError", err, err)
	}
	return se
}

// sameError requires the error from HTTP to carry the Status the
// registry's in-process error does, and to wrap the same sentinel.
func sameError(t *testing.T, overHTTP, inProcess error, sentinel error) {
	t.Helper()
	got, want := statusOf(t, overHTTP), statusOf(t, inProcess)
	if got.Status.Code != want.Status.Code || got.Status.Reason != want.Status.Reason ||
		got.Status.Message != want.Status.Message {
		t.Errorf("over HTTP: %d %s %q; in process: %d %s %q", got.Status.Code, got.Status.Reason,
			got.Status.Message, want.Status.Code, want.Status.Reason, want.Status.Message)
	}
	if sentinel != nil && (!errors.Is(overHTTP, sentinel) || !errors.Is(inProcess, sentinel)) {
		t.Errorf("errors.Is(%v, %v): over HTTP %v, in process %v", overHTTP, sentinel,
			errors.Is(overHTTP, sentinel), errors.Is(inProcess, sentinel))
	}
	if registry.IsNotFound(overHTTP) != registry.IsNotFound(inProcess) ||
		registry.IsConflict(overHTTP) != registry.IsConflict(inProcess) {
		t.Errorf("IsNotFound/IsConflict disagree for %v", overHTTP)
	}
}

// within fails the test unless cond holds within a few seconds.
func within(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
