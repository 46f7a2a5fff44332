package reports

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// dashboard is the part of Grafana's dashboard model the test reads.
type dashboard struct {
	Title      string `json:"title"`
	UID        string `json:"uid"`
	Templating struct {
		List []struct {
			Name, Type, Query string
		} `json:"list"`
	} `json:"templating"`
	Panels []struct {
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

// The dashboard in grafana/ imports into Grafana (a datasource variable,
// panels bound to it) and asks only for metrics kubetwin exports: the
// scheduler's and work queues' as a simulated run samples them, the API
// server's as it serves them.
func TestGrafanaDashboardNamesExportedMetrics(t *testing.T) {
	b, err := os.ReadFile("grafana/kubetwin.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("grafana/kubetwin.json: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Templating.List) != 1 || d.Templating.List[0].Type != "datasource" {
		t.Fatalf("dashboard %q (uid %q) needs a title, a uid and one datasource variable", d.Title, d.UID)
	}
	exported := exportedMetrics(t)
	selector := regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\{`)
	queries := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if p.Datasource.UID != "${"+d.Templating.List[0].Name+"}" || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, tg := range p.Targets {
			queries++
			names := selector.FindAllStringSubmatch(tg.Expr, -1)
			if len(names) == 0 {
				t.Errorf("panel %q: no metric selector (name{...}) in %q", p.Title, tg.Expr)
			}
			for _, m := range names {
				if base := baseMetric(m[1]); !exported[base] {
					t.Errorf("panel %q asks for %s, which kubetwin does not export", p.Title, m[1])
				}
			}
		}
	}
	if queries < 10 {
		t.Fatalf("%d queries: the dashboard lost its panels", queries)
	}
}

// exportedMetrics are the base names (without _bucket, _sum or _count)
// of the metrics a small simulated run samples and the API server serves.
func exportedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	sc, err := scenarios.Open("quickstart", []string{"nodes=6"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sim.Run(context.Background(), sc, sim.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range res.Series.Names {
		out[baseMetric(strings.SplitN(n, "{", 2)[0])] = true
	}
	clk := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	st := memory.New(memory.Options{Clock: clk})
	t.Cleanup(func() { _ = st.Close() })
	prom := prometheus.NewRegistry()
	h := apiserver.New(apiserver.Config{Registry: registry.New(st, clk), Clock: clk, Metrics: prom})
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/v1/namespaces", nil))
	families, err := prom.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		out[f.GetName()] = true
	}
	return out
}

func baseMetric(name string) string {
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if s, ok := strings.CutSuffix(name, suffix); ok {
			return s
		}
	}
	return name
}
