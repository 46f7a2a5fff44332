package sim

import (
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// metricSample is one series of the control plane's metrics at one
// instant, named as Prometheus exposes it: name{label="value",...}.
type metricSample struct {
	name  string
	value float64
}

// gatherMetrics reads every registered metric; histograms and summaries
// give their _sum and _count. Gather orders families by name and series
// by labels, so the samples come in a fixed order.
func (w *world) gatherMetrics() []metricSample {
	families, err := w.metrics.Gather()
	if err != nil {
		w.metricErrors++
	}
	var out []metricSample
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out = appendSamples(out, f, m)
		}
	}
	return out
}

func appendSamples(out []metricSample, f *dto.MetricFamily, m *dto.Metric) []metricSample {
	name, labels := f.GetName(), labelString(m.GetLabel())
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return append(out, metricSample{name + labels, m.GetCounter().GetValue()})
	case dto.MetricType_GAUGE:
		return append(out, metricSample{name + labels, m.GetGauge().GetValue()})
	case dto.MetricType_UNTYPED:
		return append(out, metricSample{name + labels, m.GetUntyped().GetValue()})
	case dto.MetricType_HISTOGRAM:
		h := m.GetHistogram()
		return append(out, metricSample{name + "_sum" + labels, h.GetSampleSum()},
			metricSample{name + "_count" + labels, float64(h.GetSampleCount())})
	case dto.MetricType_SUMMARY:
		s := m.GetSummary()
		return append(out, metricSample{name + "_sum" + labels, s.GetSampleSum()},
			metricSample{name + "_count" + labels, float64(s.GetSampleCount())})
	}
	return out
}

// labelString is {k="v",...} in the exposition format's order, or "".
func labelString(pairs []*dto.LabelPair) string {
	if len(pairs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.GetName() + "=" + strconv.Quote(p.GetValue()))
	}
	b.WriteByte('}')
	return b.String()
}
