package apiserver_test

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/apiserver"
)

// secureEnv is an env whose server demands tokens and serves TLS with a
// generated CA.
type secureEnv struct {
	*env
	srv    *httptest.Server
	client *http.Client
	admin  string
	pki    *apiserver.PKI
}

func newSecureEnv(t *testing.T) *secureEnv {
	t.Helper()
	e := newEnv(t)
	dir := t.TempDir()
	pki, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: dir, Clock: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(dir, "tokens.csv")
	admin, err := apiserver.EnsureTokenFile(tokens)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"n1", "n2"} {
		u := apiserver.User{Name: apiserver.NodeUserPrefix + n, UID: n, Groups: []string{apiserver.GroupNodes}}
		if err := apiserver.AppendToken(tokens, "tok-"+n, u); err != nil {
			t.Fatal(err)
		}
	}
	auth, err := apiserver.LoadTokenFile(tokens)
	if err != nil {
		t.Fatal(err)
	}
	h := apiserver.New(apiserver.Config{Registry: e.reg, Clock: e.clock, Auth: auth})
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = pki.TLSConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.CertPool()}}}
	return &secureEnv{env: e, srv: srv, client: client, admin: admin, pki: pki}
}

// call sends a request with a bearer token ("" for none) and returns the code and body.
func (s *secureEnv) call(token, method, path, body string, contentType ...string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewBufferString(body))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if len(contentType) > 0 {
		req.Header.Set("Content-Type", contentType[0])
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func nodeJSON(name string) string {
	return `{"apiVersion":"v1","kind":"Node","metadata":{"name":"` + name + `"}}`
}

func TestAuthenticationRequired(t *testing.T) {
	s := newSecureEnv(t)
	for _, p := range []string{"/healthz", "/livez", "/readyz", "/version"} {
		if code, body := s.call("", "GET", p, ""); code != 200 {
			t.Errorf("anonymous GET %s: %d %s", p, code, body)
		}
	}
	for _, tok := range []string{"", "wrong"} {
		code, body := s.call(tok, "GET", "/api/v1/namespaces", "")
		if code != 401 || !strings.Contains(body, `"reason":"Unauthorized"`) {
			t.Errorf("token %q: %d %s", tok, code, body)
		}
	}
	if code, body := s.call(s.admin, "GET", "/api/v1/namespaces", ""); code != 200 {
		t.Fatalf("admin list: %d %s", code, body)
	}
	if code, _ := s.call(s.admin, "GET", "/apis", ""); code != 200 {
		t.Fatalf("admin discovery: %d", code)
	}
}

func TestNodeAuthorization(t *testing.T) {
	s := newSecureEnv(t)
	const merge = "application/merge-patch+json"
	s.mustDo("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"kube-node-lease"}}`, 201)
	s.mustDo("POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"on1"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"x"}]}}`, 201)
	s.mustDo("POST", "/api/v1/namespaces/default/pods", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"on2"},"spec":{"nodeName":"n2","containers":[{"name":"c","image":"x"}]}}`, 201)
	lease := func(n string) string {
		return `{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"` + n + `"},"spec":{"holderIdentity":"` + n + `"}}`
	}
	steps := []struct {
		method, path, body, ct string
		code                   int
	}{
		{"POST", "/api/v1/nodes", nodeJSON("n1"), "", 201},
		{"POST", "/api/v1/nodes", nodeJSON("n2"), "", 403},
		{"PATCH", "/api/v1/nodes/n1/status", `{"status":{"phase":"Running"}}`, merge, 200},
		{"PATCH", "/api/v1/nodes/n1", `{"metadata":{"labels":{"a":"b"}}}`, merge, 200},
		{"DELETE", "/api/v1/nodes/n1", "", "", 403},
		{"POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("n1"), "", 201},
		{"POST", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease("n2"), "", 403},
		{"PATCH", "/api/v1/namespaces/default/pods/on1/status", `{"status":{"phase":"Running"}}`, merge, 200},
		{"PATCH", "/api/v1/namespaces/default/pods/on2/status", `{"status":{"phase":"Running"}}`, merge, 403},
		{"PATCH", "/api/v1/namespaces/default/pods/on1", `{"metadata":{"labels":{"a":"b"}}}`, merge, 403},
		{"POST", "/api/v1/namespaces/default/pods", podJSON("new", ""), "", 403},
		{"POST", "/api/v1/namespaces/default/events", `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e1"},"involvedObject":{"kind":"Node","name":"n1"},"reportingComponent":"kubelet","reportingInstance":"n1"}`, "", 201},
		{"GET", "/api/v1/namespaces/default/pods", "", "", 200},
		{"GET", "/api/v1/nodes/n1", "", "", 200},
	}
	for _, st := range steps {
		ct := []string{}
		if st.ct != "" {
			ct = append(ct, st.ct)
		}
		code, body := s.call("tok-n1", st.method, st.path, st.body, ct...)
		if code != st.code {
			t.Errorf("n1 %s %s: %d, want %d: %s", st.method, st.path, code, st.code, body)
		}
		if code == 403 && !strings.Contains(body, `User \"system:node:n1\" cannot`) {
			t.Errorf("403 body lacks the user: %s", body)
		}
	}
	if code, body := s.call("tok-n2", "POST", "/api/v1/nodes", nodeJSON("n2"), ""); code != 201 {
		t.Errorf("n2 creating itself: %d %s", code, body)
	}
}

func TestTLSVerifiedWithGeneratedCA(t *testing.T) {
	s := newSecureEnv(t)
	plain := &http.Client{}
	if _, err := plain.Get(s.srv.URL + "/healthz"); err == nil {
		t.Fatal("a client without the CA must not verify the server")
	}
	for _, host := range []string{"localhost", "127.0.0.1"} {
		conn, err := tls.Dial("tcp", s.srv.Listener.Addr().String(), &tls.Config{RootCAs: s.pki.CertPool(), ServerName: host})
		if err != nil {
			t.Fatalf("verify as %s: %v", host, err)
		}
		_ = conn.Close()
	}
}

func TestPKIAndTokensReusedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	first, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	again, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CAPEM, again.CAPEM) || !bytes.Equal(first.Serving.Certificate[0], again.Serving.Certificate[0]) {
		t.Fatal("certificates were regenerated on restart")
	}
	more, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: dir, Hosts: []string{"10.1.2.3", "kt.example"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.CAPEM, more.CAPEM) || bytes.Equal(first.Serving.Certificate[0], more.Serving.Certificate[0]) {
		t.Fatal("a new host must reissue the serving certificate from the same CA")
	}
	tokens := filepath.Join(dir, "tokens.csv")
	tok1, err := apiserver.EnsureTokenFile(tokens)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := apiserver.EnsureTokenFile(tokens)
	if err != nil || tok1 != tok2 || len(tok1) != 64 {
		t.Fatalf("tokens %q %q: %v", tok1, tok2, err)
	}
	fi, err := os.Stat(tokens)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode: %v %v", fi.Mode(), err)
	}
}
