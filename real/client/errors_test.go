package client_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
)

// TestErrorsMatchTheRegistry makes each API error over HTTP and in
// process and requires the same Status and sentinel from both.
func TestErrorsMatchTheRegistry(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.c.Get(c, podKind, "default", "missing")
	_, regErr := e.reg.Get(c, podKind, "default", "missing")
	sameError(t, err, regErr, store.ErrNotFound)
	if se := statusOf(t, err); se.Status.Code != http.StatusNotFound || !registry.IsNotFound(err) {
		t.Errorf("get missing: %+v", se.Status)
	}

	created, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.c.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{})
	_, regErr = e.reg.Create(c, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{})
	sameError(t, err, regErr, store.ErrAlreadyExists)

	fresh := created.DeepCopyObject().(*api.Pod)
	fresh.Labels = map[string]string{"v": "2"}
	if _, err := e.c.Update(c, podKind, fresh, registry.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := created.DeepCopyObject().(*api.Pod) // at the first resourceVersion
	stale.Labels = map[string]string{"v": "3"}
	_, err = e.c.Update(c, podKind, stale, registry.UpdateOptions{})
	_, regErr = e.reg.Update(c, podKind, stale, registry.UpdateOptions{})
	sameError(t, err, regErr, store.ErrConflict)
	if !registry.IsConflict(err) {
		t.Errorf("stale update: %v, want Conflict", err)
	}

	bad := fixtures.MakePod().Name("bad").Obj()
	bad.Spec.Containers = nil
	_, err = e.c.Create(c, podKind, "default", bad, registry.CreateOptions{})
	_, regErr = e.reg.Create(c, podKind, "default", bad, registry.CreateOptions{})
	sameError(t, err, regErr, nil)
	if se := statusOf(t, err); se.Status.Reason != api.StatusReasonInvalid || se.Status.Details == nil ||
		len(se.Status.Details.Causes) == 0 || !errors.Is(err, store.ErrInvalid) {
		t.Errorf("invalid pod: %+v", se.Status)
	}
}

// TestRequestsRejectedBeforeSending are the registry's own argument
// checks, which the client makes itself since the paths would not exist.
func TestRequestsRejectedBeforeSending(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	_, err := e.c.List(c, nodeKind, store.ListOptions{Namespace: "default"})
	_, regErr := e.reg.List(c, nodeKind, store.ListOptions{Namespace: "default"})
	sameError(t, err, regErr, store.ErrInvalid)
	_, err = e.c.Create(c, podKind, "", &api.Node{}, registry.CreateOptions{})
	_, regErr = e.reg.Create(c, podKind, "", &api.Node{}, registry.CreateOptions{})
	sameError(t, err, regErr, store.ErrInvalid)
	_, err = e.c.Update(c, podKind, fixtures.MakePod().Name("a").Obj(), registry.UpdateOptions{Subresource: "scale"})
	_, regErr = e.reg.Update(c, podKind, fixtures.MakePod().Name("a").Obj(), registry.UpdateOptions{Subresource: "scale"})
	sameError(t, err, regErr, store.ErrInvalid)
	if _, err := e.c.Get(c, podKind, "default", "a/b"); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("get a name with a slash: %v, want ErrInvalid", err)
	}
}

func TestUnauthorizedAndForbidden(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	for _, token := range []string{"wrong", ""} {
		_, err := e.client(token).Get(c, nsKind, "", "default")
		se := statusOf(t, err)
		if se.Status.Code != http.StatusUnauthorized || se.Status.Reason != "Unauthorized" ||
			registry.IsNotFound(err) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("token %q: %+v, want 401 Unauthorized", token, se.Status)
		}
	}
	node := e.client(nodeToken)
	if _, err := node.Get(c, nsKind, "", "default"); err != nil {
		t.Fatalf("a node may read: %v", err)
	}
	if _, err := node.Create(c, nodeKind, "", fixtures.MakeNode().Name("n1").Obj(), registry.CreateOptions{}); err != nil {
		t.Fatalf("a node may create its own Node: %v", err)
	}
	_, err := node.Create(c, nodeKind, "", fixtures.MakeNode().Name("n2").Obj(), registry.CreateOptions{})
	if se := statusOf(t, err); se.Status.Code != http.StatusForbidden || se.Status.Reason != api.StatusReasonForbidden {
		t.Errorf("node n1 creating n2: %+v, want 403 Forbidden", se.Status)
	}
}

func TestTransportErrorsNameTheRequest(t *testing.T) {
	e := newEnv(t)
	c := ctx(t)
	other, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	wrongCA, err := client.New(client.Config{Server: e.srv.URL, CAData: other.CAPEM, Token: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrongCA.Get(c, podKind, "default", "a")
	want := "GET " + e.srv.URL + "/api/v1/namespaces/default/pods/a"
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted server: %v, want an error naming %q and the certificate", err, want)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	gone, err := client.New(client.Config{Server: "https://" + addr, CAData: e.pki.CAPEM})
	if err != nil {
		t.Fatal(err)
	}
	_, err = gone.List(c, podKind, store.ListOptions{Namespace: "default", Limit: 5})
	want = "GET https://" + addr + "/api/v1/namespaces/default/pods?limit=5"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("closed port: %v, want an error naming %q", err, want)
	}
	var se *registry.StatusError
	if errors.As(err, &se) {
		t.Errorf("a transport error is not a StatusError: %v", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, cfg := range []client.Config{
		{Server: ""},
		{Server: "127.0.0.1:6443"},
		{Server: "ftp://host"},
		{Server: "https://host", CAData: []byte("not PEM")},
	} {
		if _, err := client.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	c, err := client.New(client.Config{Server: "https://127.0.0.1:6443/"})
	if err != nil || c.Server() != "https://127.0.0.1:6443" {
		t.Errorf("New: %v, server %q", err, c.Server())
	}
}
