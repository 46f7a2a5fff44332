package proxy

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Connection outcomes, the values of the result label.
const (
	resultForwarded   = "forwarded"    // a backend was reached
	resultNoEndpoints = "no_endpoints" // rejected: the Service has no ready endpoint
	resultFailed      = "failed"       // every backend tried failed
)

// metrics are the proxy's Prometheus series; the sync histogram has
// kube-proxy's name and buckets so dashboards built for it read ours.
type metrics struct {
	syncDuration prometheus.Histogram
	connections  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		syncDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "kubeproxy_sync_proxy_rules_duration_seconds",
			Help:    "SyncProxyRules latency in seconds",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15)}),
		connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kubeproxy_userspace_connections_total",
			Help: "Connections (TCP) and sessions (UDP) the userspace proxy accepted, by protocol and result."},
			[]string{"protocol", "result"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.syncDuration, err = register(reg, m.syncDuration); err != nil {
		return nil, err
	}
	if m.connections, err = register(reg, m.connections); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name, so two proxies in one process share their series.
func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var dup prometheus.AlreadyRegisteredError
	if errors.As(err, &dup) {
		if existing, ok := dup.ExistingCollector.(T); ok {
			return existing, nil
		}
	}
	return c, fmt.Errorf("register proxy metrics: %w", err)
}

// observeSync records one reconcile that began at start.
func (m *metrics) observeSync(start time.Time) {
	m.syncDuration.Observe(time.Since(start).Seconds())
}

// connection counts one connection or session of proto with result.
func (m *metrics) connection(proto, result string) {
	m.connections.WithLabelValues(proto, result).Inc()
}
