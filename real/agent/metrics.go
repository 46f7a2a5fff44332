package agent

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the agent's, named as the kubelet's where one exists.
type metrics struct {
	startup *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		startup: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kubelet_pod_start_sli_duration_seconds",
			Help:    "Time from a pod's creation to its being Running (phase=running) or Ready (phase=ready), as seen by this node's agent.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120},
		}, []string{"phase"}),
	}
	if reg != nil {
		reg.MustRegister(m.startup)
	}
	return m
}
