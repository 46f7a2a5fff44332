package apiserver_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
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
	e.mustDo("POST", path, `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Node","name":"n1"}}`, 201)
	pod := e.mustDo("GET", "/api/v1/namespaces/default/pods/p", "", 200)
	if get(pod, "spec", "nodeName") != "n1" {
		t.Fatalf("nodeName = %v", get(pod, "spec", "nodeName"))
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
