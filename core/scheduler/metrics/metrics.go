// Package metrics defines the scheduler's Prometheus metrics under
// kube-scheduler's names, so dashboards and queries written for Kubernetes
// read kubetwin's scheduler unchanged. Durations are measured by the
// scheduler on its injected clock, so a simulated run records virtual time.
// A nil *Metrics records nothing, which keeps the scheduler's hot path free
// of checks when no registry was given.
package metrics

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/scheduler/queue"
)

// Results of a scheduling attempt, as kube-scheduler labels them.
const (
	ResultScheduled     = "scheduled"
	ResultUnschedulable = "unschedulable"
	ResultError         = "error"
)

// PluginSamplePercent is the share of scheduling cycles whose plugin calls
// are timed, as kube-scheduler samples them to keep the cost low.
const PluginSamplePercent = 10

// Metrics holds the scheduler's collectors.
type Metrics struct {
	attempts        *prometheus.CounterVec
	attemptDuration *prometheus.HistogramVec
	podDuration     prometheus.Histogram
	pending         *prometheus.GaugeVec
	pluginDuration  *prometheus.HistogramVec
	// cycleTimed says whether the current scheduling cycle is sampled.
	cycleTimed atomic.Bool
}

// New creates the collectors, unregistered, so a scheduler whose
// construction fails leaves the caller's registry untouched.
func New() *Metrics {
	m := &Metrics{
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{Subsystem: "scheduler", Name: "schedule_attempts_total",
			Help: "Number of attempts to schedule pods, by the result."}, []string{"result", "profile"}),
		attemptDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Subsystem: "scheduler",
			Name: "scheduling_attempt_duration_seconds", Help: "Scheduling attempt latency in seconds.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 15)}, []string{"result", "profile"}),
		podDuration: prometheus.NewHistogram(prometheus.HistogramOpts{Subsystem: "scheduler",
			Name: "pod_scheduling_duration_seconds", Help: "E2e latency for a pod being scheduled, from its first attempt.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 20)}),
		pending: prometheus.NewGaugeVec(prometheus.GaugeOpts{Subsystem: "scheduler", Name: "pending_pods",
			Help: "Number of pending pods, by the queue type."}, []string{"queue"}),
		pluginDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Subsystem: "scheduler",
			Name: "plugin_execution_duration_seconds", Help: "Duration for running a plugin at a specific extension point.",
			Buckets: prometheus.ExponentialBuckets(0.00001, 1.5, 20)}, []string{"plugin", "extension_point", "status"}),
	}
	return m
}

// Register registers every collector on reg, the registry the caller
// passed in, so several schedulers (or tests) can each use their own.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.attempts, m.attemptDuration, m.podDuration, m.pending, m.pluginDuration} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register scheduler metrics: %w", err)
		}
	}
	return nil
}

// ObserveAttempt counts one scheduling attempt and its duration.
func (m *Metrics) ObserveAttempt(result, profile string, d time.Duration) {
	if m == nil {
		return
	}
	m.attempts.WithLabelValues(result, profile).Inc()
	m.attemptDuration.WithLabelValues(result, profile).Observe(d.Seconds())
}

// ObservePodScheduled records the time from a pod's first attempt to its bind.
func (m *Metrics) ObservePodScheduled(d time.Duration) {
	if m == nil {
		return
	}
	m.podDuration.Observe(d.Seconds())
}

// SetPending publishes the queue's sizes.
func (m *Metrics) SetPending(c queue.Counts) {
	if m == nil {
		return
	}
	m.pending.WithLabelValues("active").Set(float64(c.Active))
	m.pending.WithLabelValues("backoff").Set(float64(c.Backoff))
	m.pending.WithLabelValues("unschedulable").Set(float64(c.Unschedulable))
}

// ObservePlugin records one timed plugin call.
func (m *Metrics) ObservePlugin(plugin, point, status string, d time.Duration) {
	if m == nil {
		return
	}
	m.pluginDuration.WithLabelValues(plugin, point, status).Observe(d.Seconds())
}
