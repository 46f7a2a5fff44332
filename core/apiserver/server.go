// Package apiserver serves kubetwin's registry over HTTP with the
// Kubernetes REST conventions (paths, verbs, list and watch, Status
// errors, discovery), so kubectl and client-go talk to kubetwin as to a
// Kubernetes API server. All API semantics live in core/registry; this
// package only translates HTTP to registry calls and back.
//
// Responses are always JSON: clients asking for protobuf get plain JSON,
// which kubectl accepts; clients asking for a meta.k8s.io Table (kubectl
// get) get one, with the columns kubectl users know. Discovery is served in the plain
// (non-aggregated) form, which client-go reads whatever it asked for.
// /metrics serves Prometheus metrics named as kube-apiserver's.
// OpenAPI v3 documents, generated from the Go types, let kubectl validate
// on the server and compute strategic merge patches for apply; OpenAPI v2
// is not served, and kubectl 1.32 does without it.
package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
)

// DefaultMaxBodyBytes is the largest request body accepted unless
// Config.MaxBodyBytes says otherwise, as kube-apiserver's 3 MiB limit.
const DefaultMaxBodyBytes = 3 << 20

// DefaultGitVersion is what /version reports unless Config.Version is set.
const DefaultGitVersion = "v1.32.0-kubetwin"

// Config configures a server.
type Config struct {
	Registry *registry.Registry
	// Version is reported as gitVersion by /version; "" means DefaultGitVersion.
	Version string
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Auth, when set, requires a bearer token on every request but health
	// and version, and applies the built-in authorization policy; nil
	// serves everyone (tests, the in-process simulator).
	Auth *TokenAuthenticator
	// Clock times watch timeouts and Table ages; nil means the registry's clock.
	Clock clock.Clock
	// Metrics is the registry served at /metrics, to which the server adds
	// its request metrics; other components may share it. nil means a
	// private one.
	Metrics *prometheus.Registry
	// NodeClient reaches node agents, to which pods/log is proxied; nil
	// answers log requests with why there are none.
	NodeClient *http.Client
}

// Server is the HTTP handler; create it with New.
type Server struct {
	reg     *registry.Registry
	version string
	maxBody int64
	clock   clock.Clock
	auth    *TokenAuthenticator
	metrics *apiMetrics
	scrape  http.Handler
	nodes   *http.Client
}

// New returns the API server handler for cfg.
func New(cfg Config) *Server {
	s := &Server{reg: cfg.Registry, version: cfg.Version, maxBody: cfg.MaxBodyBytes, clock: cfg.Clock,
		auth: cfg.Auth, nodes: cfg.NodeClient}
	if s.version == "" {
		s.version = DefaultGitVersion
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.clock == nil && s.reg != nil {
		s.clock = s.reg.Clock()
	}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	promReg := cfg.Metrics
	if promReg == nil {
		promReg = prometheus.NewRegistry()
	}
	m, err := newAPIMetrics(promReg, cfg.Registry)
	if err != nil {
		panic(fmt.Sprintf("apiserver: %v (one registry serves one API server)", err))
	}
	s.metrics, s.scrape = m, metricsHandler(promReg)
	return s
}

// ServeHTTP authenticates a request and routes it to discovery, health
// or the REST handlers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.Trim(r.URL.Path, "/")
	if s.auth != nil && !isAnonymousPath(path) {
		u := s.auth.Authenticate(r)
		if u == nil {
			writeJSON(w, http.StatusUnauthorized, unauthorized())
			return
		}
		r = r.WithContext(withUser(r.Context(), u))
	}
	start := s.clock.Now()
	sw := &statusWriter{ResponseWriter: w}
	s.route(sw, r, path)
	s.metrics.observe(r, path, sw.code, s.clock.Since(start))
}

// route sends a request to the handler its path names.
func (s *Server) route(w http.ResponseWriter, r *http.Request, path string) {
	switch path {
	case "healthz", "livez", "readyz":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok"))
		return
	case "version":
		s.serveVersion(w)
		return
	case "metrics":
		s.scrape.ServeHTTP(w, r)
		return
	case "api":
		writeJSON(w, http.StatusOK, apiVersions())
		return
	case "apis":
		writeJSON(w, http.StatusOK, apiGroupList())
		return
	}
	if path == "openapi" || strings.HasPrefix(path, "openapi/") {
		s.serveOpenAPI(w, r, path)
		return
	}
	segs := strings.Split(path, "/")
	if gv, ok := discoveryGroupVersion(segs); ok {
		s.serveResourceList(w, r, gv)
		return
	}
	t, err := parseTarget(segs)
	if err != nil {
		writeError(w, err)
		return
	}
	s.serveREST(w, r, t)
}

// serveREST authorizes a request and dispatches on the verb and the
// shape of the path.
func (s *Server) serveREST(w http.ResponseWriter, r *http.Request, t target) {
	if err := s.authorize(r.Context(), attributesOf(r, t)); err != nil {
		writeError(w, err)
		return
	}
	if t.sub == registry.SubresourceScale || t.sub == registry.SubresourceBinding || t.sub == subresourceLog {
		s.serveSubresource(w, r, t)
		return
	}
	switch {
	case r.Method == http.MethodGet && t.name == "":
		if isWatch(r) {
			s.watch(w, r, t)
		} else {
			s.list(w, r, t)
		}
	case r.Method == http.MethodGet:
		s.get(w, r, t)
	case r.Method == http.MethodPost && t.name == "" && t.nsOK():
		s.create(w, r, t)
	case r.Method == http.MethodPut && t.name != "":
		s.update(w, r, t)
	case r.Method == http.MethodPatch && t.name != "":
		s.patch(w, r, t)
	case r.Method == http.MethodDelete && t.name != "" && t.sub == "":
		s.delete(w, r, t)
	case r.Method == http.MethodDelete && t.name == "" && t.nsOK():
		s.deleteCollection(w, r, t)
	default:
		writeError(w, registry.NewMethodNotAllowed(r.Method))
	}
}

// isWatch reports whether a GET on a collection asks for a watch.
func isWatch(r *http.Request) bool {
	v := r.URL.Query().Get("watch")
	return v == "true" || v == "1"
}

// writeJSON writes v as a JSON response with the given code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, registry.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeObject writes an API object with its kind and apiVersion.
func writeObject(w http.ResponseWriter, code int, obj api.Object) {
	b, err := api.Encode(obj)
	if err != nil {
		writeError(w, registry.NewInternalError(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// writeError writes err as the Status a client expects.
func writeError(w http.ResponseWriter, err error) {
	st := registry.AsStatus(err)
	code := int(st.Code)
	if code == 0 {
		code = http.StatusInternalServerError
	}
	writeJSON(w, code, st)
}
