package sim

import (
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// gatherMetrics reads every registered metric; histograms and summaries
// give their _sum and _count. Gather orders families by name and series
// by labels, so the samples come in a fixed order.
func (w *world) gatherMetrics() []MetricSample {
	families, err := w.metrics.Gather()
	if err != nil {
		w.metricErrors++
	}
	return Samples(families)
}

// Samples flattens metric families into samples: counters, gauges and
// untyped metrics as they are, histograms and summaries as _sum and
// _count. A live run reads the server's /metrics through it, so both
// modes name their series alike.
func Samples(families []*dto.MetricFamily) []MetricSample {
	var out []MetricSample
	for _, f := range families {
		for _, m := range f.GetMetric() {
			out = appendSamples(out, f, m)
		}
	}
	return out
}

func appendSamples(out []MetricSample, f *dto.MetricFamily, m *dto.Metric) []MetricSample {
	name, labels := f.GetName(), labelString(m.GetLabel())
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return append(out, MetricSample{name + labels, m.GetCounter().GetValue()})
	case dto.MetricType_GAUGE:
		return append(out, MetricSample{name + labels, m.GetGauge().GetValue()})
	case dto.MetricType_UNTYPED:
		return append(out, MetricSample{name + labels, m.GetUntyped().GetValue()})
	case dto.MetricType_HISTOGRAM:
		h := m.GetHistogram()
		return append(out, MetricSample{name + "_sum" + labels, h.GetSampleSum()},
			MetricSample{name + "_count" + labels, float64(h.GetSampleCount())})
	case dto.MetricType_SUMMARY:
		s := m.GetSummary()
		return append(out, MetricSample{name + "_sum" + labels, s.GetSampleSum()},
			MetricSample{name + "_count" + labels, float64(s.GetSampleCount())})
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
