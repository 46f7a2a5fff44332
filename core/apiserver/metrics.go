package apiserver

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// requestBuckets are kube-apiserver's request latency buckets, in seconds.
var requestBuckets = []float64{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60}

// requestLabels are kube-apiserver's request metric labels.
var requestLabels = []string{"verb", "group", "version", "resource", "subresource", "scope", "component"}

// apiMetrics are the API server's Prometheus metrics, named as
// kube-apiserver's so its dashboards read kubetwin's.
type apiMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newAPIMetrics(reg *prometheus.Registry, r *registry.Registry) (*apiMetrics, error) {
	m := &apiMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "apiserver_request_total",
			Help: "Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code."},
			append(append([]string{}, requestLabels...), "code")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "apiserver_request_duration_seconds",
			Help: "Response latency distribution in seconds for each verb, group, version, resource, subresource, scope and component.", Buckets: requestBuckets},
			requestLabels),
	}
	cs := []prometheus.Collector{m.requests, m.duration}
	if r != nil {
		cs = append(cs, &storageObjects{reg: r, desc: prometheus.NewDesc("apiserver_storage_objects",
			"Number of stored objects at the time of last check split by kind.", []string{"resource"}, nil)})
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register API server metrics: %w", err)
		}
	}
	registerRuntime(reg)
	return m, nil
}

// registerRuntime adds the Go and process collectors unless the registry
// already has them (several components may share one registry).
func registerRuntime(reg *prometheus.Registry) {
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		_ = reg.Register(c) // AlreadyRegistered is fine
	}
}

// observe records one finished request.
func (m *apiMetrics) observe(r *http.Request, path string, code int, took time.Duration) {
	l := labelsFor(r, path)
	m.requests.WithLabelValues(append(l, strconv.Itoa(code))...).Inc()
	if l[0] != "WATCH" {
		m.duration.WithLabelValues(l...).Observe(took.Seconds())
	}
}

// labelsFor names a request as kube-apiserver does: LIST and WATCH for
// collection reads, DELETECOLLECTION, and the HTTP method otherwise;
// non-resource paths have no group, resource or scope.
func labelsFor(r *http.Request, path string) []string {
	t, err := parseTarget(strings.Split(path, "/"))
	if err != nil || t.kind == nil {
		return []string{r.Method, "", "", "", "", "", "apiserver"}
	}
	verb := r.Method
	switch {
	case r.Method == http.MethodGet && t.name == "" && isWatch(r):
		verb = "WATCH"
	case r.Method == http.MethodGet && t.name == "":
		verb = "LIST"
	case r.Method == http.MethodDelete && t.name == "":
		verb = "DELETECOLLECTION"
	}
	scope := "cluster"
	switch {
	case t.name != "":
		scope = "resource"
	case t.kind.Namespaced && t.namespace != "":
		scope = "namespace"
	}
	return []string{verb, t.kind.Group, t.kind.Version, t.kind.Resource, t.sub, scope, "apiserver"}
}

// storageObjects counts each kind's stored objects when scraped.
type storageObjects struct {
	reg  *registry.Registry
	desc *prometheus.Desc
}

// Describe lists the metric, for prometheus.Collector.
func (s *storageObjects) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect lists one object of each kind and reads the remaining count; a
// kind the store cannot count is left out rather than reported wrong.
func (s *storageObjects) Collect(ch chan<- prometheus.Metric) {
	for _, k := range api.Kinds() {
		res, err := s.reg.Store().List(context.Background(), k, store.ListOptions{Limit: 1})
		if err != nil || (res.Continue != "" && res.Remaining == 0) {
			continue
		}
		n := float64(int64(len(res.Items)) + res.Remaining)
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, n, k.GroupResource())
	}
}

// metricsHandler serves reg in the Prometheus text format.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// statusWriter remembers the response code for the metrics; it passes
// Flush through, since watches stream.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush flushes the underlying writer, for watch streams.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack passes through, should a handler need the connection.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, fmt.Errorf("response writer cannot hijack")
	}
	return h.Hijack()
}
