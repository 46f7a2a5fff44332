package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Metrics reads the server's /metrics (the Prometheus text format) and
// returns its families ordered by name, as a registry's Gather does.
func (c *Client) Metrics(ctx context.Context) ([]*dto.MetricFamily, error) {
	body, err := c.do(ctx, request{method: http.MethodGet, path: "/metrics"})
	if err != nil {
		return nil, fmt.Errorf("read metrics: %w", err)
	}
	var p expfmt.TextParser
	byName, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse metrics of %s: %w", c.Server(), err)
	}
	out := make([]*dto.MetricFamily, 0, len(byName))
	for _, f := range byName {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, nil
}
