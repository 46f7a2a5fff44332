package bench

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/kubetwin/kubetwin/core/scheduler/metrics"
)

// PluginTime is the time one plugin spent at one extension point, over the
// sampled cycles only (metrics.PluginSamplePercent of them).
type PluginTime struct {
	Plugin         string  `json:"plugin"`
	ExtensionPoint string  `json:"extension_point"`
	Calls          uint64  `json:"sampled_calls"`
	Seconds        float64 `json:"sampled_seconds"`
}

// pluginTimes reads the plugin execution histogram back from g, summed
// over statuses, largest time first.
func pluginTimes(g prometheus.Gatherer) ([]PluginTime, error) {
	families, err := g.Gather()
	if err != nil {
		return nil, fmt.Errorf("gather plugin times: %w", err)
	}
	byKey := map[[2]string]*PluginTime{}
	for _, f := range families {
		if f.GetName() != "scheduler_plugin_execution_duration_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			addPluginSample(byKey, m)
		}
	}
	out := make([]PluginTime, 0, len(byKey))
	for _, pt := range byKey {
		out = append(out, *pt)
	}
	slices.SortFunc(out, func(a, b PluginTime) int {
		if c := cmp.Compare(b.Seconds, a.Seconds); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Plugin, b.Plugin); c != 0 {
			return c
		}
		return cmp.Compare(a.ExtensionPoint, b.ExtensionPoint)
	})
	return out, nil
}

// addPluginSample adds one histogram series to its plugin and extension point.
func addPluginSample(byKey map[[2]string]*PluginTime, m *dto.Metric) {
	var plugin, point string
	for _, l := range m.GetLabel() {
		switch l.GetName() {
		case "plugin":
			plugin = l.GetValue()
		case "extension_point":
			point = l.GetValue()
		}
	}
	k := [2]string{plugin, point}
	pt := byKey[k]
	if pt == nil {
		pt = &PluginTime{Plugin: plugin, ExtensionPoint: point}
		byKey[k] = pt
	}
	pt.Calls += m.GetHistogram().GetSampleCount()
	pt.Seconds += m.GetHistogram().GetSampleSum()
}

// samplePercent is exported through the result so readers can scale the sampled times.
const samplePercent = metrics.PluginSamplePercent
