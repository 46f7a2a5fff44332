package controllers

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

// queueBuckets are client-go's workqueue histogram buckets: 1 ns to 10 s by tens.
var queueBuckets = prometheus.ExponentialBuckets(1e-9, 10, 11)

// queueMetrics are client-go's workqueue metrics, one series per
// controller (label name), so dashboards built for kube-controller-manager
// read kubetwin's.
type queueMetrics struct {
	depth   *prometheus.GaugeVec
	adds    *prometheus.CounterVec
	wait    *prometheus.HistogramVec
	work    *prometheus.HistogramVec
	retries *prometheus.CounterVec
	// unfinished and longest are computed from the queues at scrape time.
	unfinished, longest *prometheus.Desc
	queues              map[string]*workqueue.Queue[Key]
}

func newQueueMetrics(queues map[string]*workqueue.Queue[Key]) *queueMetrics {
	name := []string{"name"}
	return &queueMetrics{queues: queues,
		depth: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "workqueue_depth",
			Help: "Current depth of workqueue"}, name),
		adds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "workqueue_adds_total",
			Help: "Total number of adds handled by workqueue"}, name),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "workqueue_queue_duration_seconds",
			Help: "How long in seconds an item stays in workqueue before being requested.", Buckets: queueBuckets}, name),
		work: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "workqueue_work_duration_seconds",
			Help: "How long in seconds processing an item from workqueue takes.", Buckets: queueBuckets}, name),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "workqueue_retries_total",
			Help: "Total number of retries handled by workqueue"}, name),
		unfinished: prometheus.NewDesc("workqueue_unfinished_work_seconds",
			"How many seconds of work has been done that is in progress and hasn't been observed by work_duration.", name, nil),
		longest: prometheus.NewDesc("workqueue_longest_running_processor_seconds",
			"How many seconds has the longest running processor for workqueue been running.", name, nil),
	}
}

// Describe lists the metrics, for prometheus.Collector.
func (m *queueMetrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.vecs() {
		c.Describe(ch)
	}
	ch <- m.unfinished
	ch <- m.longest
}

// Collect reports the metrics, reading the in-flight gauges from the
// queues in name order.
func (m *queueMetrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.vecs() {
		c.Collect(ch)
	}
	for _, name := range slices.Sorted(maps.Keys(m.queues)) {
		total, longest := m.queues[name].InFlight()
		ch <- prometheus.MustNewConstMetric(m.unfinished, prometheus.GaugeValue, total.Seconds(), name)
		ch <- prometheus.MustNewConstMetric(m.longest, prometheus.GaugeValue, longest.Seconds(), name)
	}
}

func (m *queueMetrics) vecs() []prometheus.Collector {
	return []prometheus.Collector{m.depth, m.adds, m.wait, m.work, m.retries}
}

// observer returns the workqueue.Observer feeding one queue's series.
func (m *queueMetrics) observer(name string) workqueue.Observer {
	return &queueObserver{depth: m.depth.WithLabelValues(name), adds: m.adds.WithLabelValues(name),
		wait: m.wait.WithLabelValues(name), work: m.work.WithLabelValues(name),
		retries: m.retries.WithLabelValues(name)}
}

type queueObserver struct {
	depth         prometheus.Gauge
	adds, retries prometheus.Counter
	wait, work    prometheus.Observer
}

func (o *queueObserver) Added()                      { o.adds.Inc() }
func (o *queueObserver) Taken(wait time.Duration)    { o.wait.Observe(wait.Seconds()) }
func (o *queueObserver) Finished(work time.Duration) { o.work.Observe(work.Seconds()) }
func (o *queueObserver) Retried()                    { o.retries.Inc() }
func (o *queueObserver) Depth(n int)                 { o.depth.Set(float64(n)) }

// RegisterMetrics exports every controller's work queue metrics on reg
// under Kubernetes' names; call it before Run.
func (r *Runner) RegisterMetrics(reg prometheus.Registerer) error {
	observers, err := RegisterQueueMetrics(reg, r.queues)
	if err != nil {
		return err
	}
	for name, q := range r.queues {
		q.SetObserver(observers[name])
	}
	return nil
}

// RegisterQueueMetrics exports the work queue metrics of queues (by
// controller name) on reg and returns the observer that feeds each
// queue's series, for a driver that owns its queues (the simulator) to
// install beside its own.
func RegisterQueueMetrics(reg prometheus.Registerer, queues map[string]*workqueue.Queue[Key]) (map[string]workqueue.Observer, error) {
	m := newQueueMetrics(queues)
	if err := reg.Register(m); err != nil {
		return nil, fmt.Errorf("register workqueue metrics: %w", err)
	}
	out := make(map[string]workqueue.Observer, len(queues))
	for name := range queues {
		out[name] = m.observer(name)
	}
	return out, nil
}
