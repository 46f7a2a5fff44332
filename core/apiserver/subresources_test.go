package apiserver_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

func TestScaleSubresource(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("d"), 201)
	const path = "/apis/apps/v1/namespaces/default/deployments/d/scale"
	sc := e.mustDo("GET", path, "", 200)
	if get(sc, "kind") != "Scale" || get(sc, "apiVersion") != "autoscaling/v1" ||
		get(sc, "spec", "replicas") != 2.0 || get(sc, "status", "selector") != "app=d" {
		t.Fatalf("scale = %v", sc)
	}
	e.mustDo("PATCH", path, `{"spec":{"replicas":3}}`, 200, "application/merge-patch+json")
	e.mustDo("PATCH", path, `{"spec":{"replicas":4}}`, 200, "application/strategic-merge-patch+json")
	if got := get(e.mustDo("GET", "/apis/apps/v1/namespaces/default/deployments/d", "", 200), "spec", "replicas"); got != 4.0 {
		t.Fatalf("replicas after patch = %v", got)
	}
	rv := get(e.mustDo("GET", path, "", 200), "metadata", "resourceVersion").(string)
	e.mustDo("PUT", path, `{"metadata":{"name":"d","resourceVersion":"`+rv+`"},"spec":{"replicas":5}}`, 200)
	e.mustDo("PUT", path, `{"metadata":{"name":"d","resourceVersion":"`+rv+`"},"spec":{"replicas":6}}`, 409)
	e.mustDo("PUT", path, `{"spec":{"replicas":-1}}`, 422)
	e.mustDo("PUT", path, `{"spec":{"replicas":1},"bogus":1}`, 400)
	e.mustDo("GET", "/apis/apps/v1/namespaces/default/deployments/none/scale", "", 404)
	e.mustDo("GET", "/api/v1/namespaces/default/pods/x/scale", "", 404)
	disc := e.mustDo("GET", "/apis/apps/v1", "", 200)
	found := false
	for _, r := range get(disc, "resources").([]any) {
		if get(r, "name") == "deployments/scale" && get(r, "group") == "autoscaling" {
			found = true
		}
	}
	if !found {
		t.Fatalf("deployments/scale not in discovery: %v", disc)
	}
}

func TestBindingSubresource(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("p", `"a":"b"`), 201)
	const path = "/api/v1/namespaces/default/pods/p/binding"
	e.mustDo("POST", path, `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p","annotations":{"x/devices":"0,3"}},"target":{"kind":"Node","name":"n1"}}`, 201)
	pod := e.mustDo("GET", "/api/v1/namespaces/default/pods/p", "", 200)
	if get(pod, "spec", "nodeName") != "n1" {
		t.Fatalf("nodeName = %v", get(pod, "spec", "nodeName"))
	}
	if got := get(pod, "metadata", "annotations", "x/devices"); got != "0,3" {
		t.Fatalf("the binding's annotation on the pod = %v, want 0,3", got)
	}
	conds, _ := get(pod, "status", "conditions").([]any)
	if len(conds) != 1 || get(conds[0], "type") != "PodScheduled" || get(conds[0], "status") != "True" {
		t.Fatalf("conditions = %v", conds)
	}
	e.mustDo("POST", path, `{"target":{"kind":"Node","name":"n2"}}`, 409)
	e.mustDo("POST", path, `{"target":{"kind":"Pod","name":"n2"}}`, 400)
	e.mustDo("POST", path, `{"target":{}}`, 400)
	e.mustDo("POST", "/api/v1/namespaces/default/pods/none/binding", `{"target":{"name":"n"}}`, 404)
	e.mustDo("GET", path, "", 405)
}

func TestStrategicMergePatchOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", deploymentJSON("d"), 201)
	out := e.mustDo("PATCH", "/apis/apps/v1/namespaces/default/deployments/d",
		`{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i:2","env":[{"name":"A","$patch":"delete"}]}]}}}}`,
		200, "application/strategic-merge-patch+json")
	cs := get(out, "spec", "template", "spec", "containers").([]any)
	env := get(cs[0], "env").([]any)
	if len(cs) != 1 || get(cs[0], "image") != "i:2" || len(env) != 1 || get(env[0], "name") != "B" {
		t.Fatalf("containers = %v", cs)
	}
}

func TestPodLogSaysWhyThereAreNoLogs(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods",
		`{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}`, http.StatusCreated)
	const path = "/api/v1/namespaces/default/pods/p/log"
	st := mustStatusCode(t, e.do("GET", path, ""), http.StatusBadRequest, api.StatusReasonBadRequest)
	if st.Message != "pod p does not have a host assigned" {
		t.Fatalf("unscheduled: %q", st.Message)
	}
	mustStatusCode(t, e.do("GET", path+"?container=nope", ""), http.StatusBadRequest, api.StatusReasonBadRequest)
	e.mustDo("POST", "/api/v1/namespaces/default/pods/p/binding",
		`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`, http.StatusCreated)
	st = mustStatusCode(t, e.do("GET", path, ""), http.StatusServiceUnavailable, api.StatusReasonServiceUnavailable)
	if !strings.Contains(st.Message, "node n1") {
		t.Fatalf("bound: %q", st.Message)
	}
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/gone/log", ""), http.StatusNotFound, api.StatusReasonNotFound)
}

// TestPodLogIsProxiedToTheNodeAgent stands an HTTP server in for the
// agent of node n1 and checks the path, the options passed on and the
// errors passed back.
func TestPodLogIsProxiedToTheNodeAgent(t *testing.T) {
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/containerLogs/default/p/c" {
			http.Error(w, "container x is not valid", http.StatusNotFound)
			return
		}
		fmt.Fprintf(w, "line 1\ntail=%s previous=%s\n", r.URL.Query().Get("tailLines"), r.URL.Query().Get("previous"))
	}))
	defer agent.Close()
	host, port, _ := net.SplitHostPort(agent.Listener.Addr().String())
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	reg := registry.New(memory.New(memory.Options{Clock: c}), c)
	h := apiserver.New(apiserver.Config{Registry: reg, Clock: c, NodeClient: agent.Client()})
	e := &env{t: t, h: h, reg: reg, clock: c}
	e.mustDo("POST", "/api/v1/namespaces", `{"metadata":{"name":"default"}}`, http.StatusCreated)
	e.mustDo("POST", "/api/v1/nodes", fmt.Sprintf(`{"metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":%q}],"daemonEndpoints":{"kubeletEndpoint":{"Port":%s}}}}`, host, port), http.StatusCreated)
	e.mustDo("POST", "/api/v1/namespaces/default/pods",
		`{"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}`, http.StatusCreated)
	rec := e.do("GET", "/api/v1/namespaces/default/pods/p/log?tailLines=5&previous=true", "")
	if rec.Code != http.StatusOK || rec.Body.String() != "line 1\ntail=5 previous=true\n" {
		t.Fatalf("log: %d %q", rec.Code, rec.Body.String())
	}
	e.mustDo("POST", "/api/v1/namespaces/default/pods",
		`{"metadata":{"name":"two"},"spec":{"nodeName":"n1","containers":[{"name":"a","image":"i"},{"name":"b","image":"i"}]}}`, http.StatusCreated)
	st := mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/two/log", ""), http.StatusBadRequest, api.StatusReasonBadRequest)
	if st.Message != "a container name must be specified for pod two, choose one of: [a b]" {
		t.Fatalf("two containers: %q", st.Message)
	}
	st = mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/two/log?container=b", ""), http.StatusBadRequest, api.StatusReasonBadRequest)
	if st.Message != "container x is not valid" {
		t.Fatalf("agent's error: %q", st.Message)
	}
}
