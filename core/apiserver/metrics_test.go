package apiserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/kubetwin/kubetwin/core/apiserver"
)

func TestMetricsCountRequestsAsKubeAPIServer(t *testing.T) {
	e := newEnv(t)
	promReg := prometheus.NewRegistry()
	e.h = apiserver.New(apiserver.Config{Registry: e.reg, Clock: e.clock, Metrics: promReg})
	e.mustDo("POST", "/api/v1/namespaces/default/pods",
		`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, http.StatusCreated)
	e.mustDo("GET", "/api/v1/namespaces/default/pods", "", http.StatusOK)
	e.mustDo("GET", "/api/v1/namespaces/default/pods/p", "", http.StatusOK)
	e.do("GET", "/api/v1/namespaces/default/pods/nope", "")

	want := `
# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 1
apiserver_request_total{code="200",component="apiserver",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 1
apiserver_request_total{code="201",component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="POST",version="v1"} 1
apiserver_request_total{code="404",component="apiserver",group="",resource="pods",scope="resource",subresource="",verb="GET",version="v1"} 1
`
	if err := testutil.GatherAndCompare(promReg, strings.NewReader(want), "apiserver_request_total"); err != nil {
		t.Fatal(err)
	}
	if n := testutil.CollectAndCount(promReg, "apiserver_request_duration_seconds"); n != 3 {
		t.Fatalf("%d duration series, want 3 (LIST, GET, POST)", n)
	}

	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, w := range []string{`apiserver_storage_objects{resource="pods"} 1`,
		`apiserver_storage_objects{resource="namespaces"} 1`, "go_goroutines", "apiserver_request_total{"} {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
}
