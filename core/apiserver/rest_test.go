package apiserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestCRUD(t *testing.T) {
	e := newEnv(t)
	created := e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", `"app":"web"`), 201)
	if get(created, "metadata", "uid") == "" || get(created, "kind") != "Pod" {
		t.Fatalf("created %v", created)
	}
	got := e.mustDo("GET", "/api/v1/namespaces/default/pods/a", "", 200)
	if get(got, "metadata", "name") != "a" || get(got, "spec", "schedulerName") != "default-scheduler" {
		t.Fatalf("got %v", got)
	}
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods", podJSON("a", "")), 409, api.StatusReasonAlreadyExists)
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/zz", ""), 404, api.StatusReasonNotFound)

	gen := e.mustDo("POST", "/api/v1/namespaces/default/pods",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, 201)
	if name, _ := get(gen, "metadata", "name").(string); !strings.HasPrefix(name, "web-") || len(name) != 9 {
		t.Fatalf("generated name %q", name)
	}

	rv := get(created, "metadata", "resourceVersion").(string)
	put := fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","resourceVersion":%q,"labels":{"app":"db"}},`+
		`"spec":{"containers":[{"name":"c","image":"busybox"}]}}`, rv)
	updated := e.mustDo("PUT", "/api/v1/namespaces/default/pods/a", put, 200)
	if get(updated, "metadata", "labels", "app") != "db" {
		t.Fatalf("updated %v", updated)
	}
	st := mustStatusCode(t, e.do("PUT", "/api/v1/namespaces/default/pods/a", put), 409, api.StatusReasonConflict)
	if !strings.Contains(st.Message, "the object has been modified") {
		t.Fatalf("conflict message %q", st.Message)
	}
	mustStatusCode(t, e.do("PUT", "/api/v1/namespaces/default/pods/b", put), 400, api.StatusReasonBadRequest)

	del := e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a", "", 200)
	if get(del, "kind") != "Status" || get(del, "status") != "Success" || get(del, "details", "name") != "a" {
		t.Fatalf("delete %v", del)
	}
	mustStatusCode(t, e.do("DELETE", "/api/v1/namespaces/default/pods/a", ""), 404, api.StatusReasonNotFound)
}

func TestClusterScopedAndGroups(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/nodes", `{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"}}`, 201)
	e.mustDo("GET", "/api/v1/nodes/n1", "", 200)
	dep := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},` +
		`"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}`
	out := e.mustDo("POST", "/apis/apps/v1/namespaces/default/deployments", dep, 201)
	if get(out, "metadata", "generation") != float64(1) {
		t.Fatalf("generation %v", get(out, "metadata", "generation"))
	}
	e.mustDo("GET", "/apis/apps/v1/deployments", "", 200)
	mustStatusCode(t, e.do("GET", "/apis/apps/v2/deployments", ""), 404, api.StatusReasonNotFound)
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/nodes/n1", ""), 404, api.StatusReasonNotFound)
	mustStatusCode(t, e.do("GET", "/nope", ""), 404, api.StatusReasonNotFound)
	mustStatusCode(t, e.do("POST", "/api/v1/pods", podJSON("x", "")), 405, api.StatusReasonMethodNotAllowed)
}

func TestListPagingAndSelectors(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		app := "web"
		if i%2 == 1 {
			app = "db"
		}
		e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON(fmt.Sprintf("p%d", i), `"app":"`+app+`"`), 201)
	}
	page := e.mustDo("GET", "/api/v1/namespaces/default/pods?limit=2", "", 200)
	if get(page, "kind") != "PodList" || get(page, "apiVersion") != "v1" || len(page["items"].([]any)) != 2 {
		t.Fatalf("page 1 %v", page)
	}
	if get(page, "metadata", "remainingItemCount") != float64(3) {
		t.Fatalf("remaining %v", get(page, "metadata", "remainingItemCount"))
	}
	var names []string
	for cont := ""; ; {
		p := e.mustDo("GET", "/api/v1/namespaces/default/pods?limit=2&continue="+cont, "", 200)
		for _, it := range p["items"].([]any) {
			names = append(names, get(it, "metadata", "name").(string))
		}
		c, _ := get(p, "metadata", "continue").(string)
		if c == "" {
			break
		}
		cont = c
	}
	if strings.Join(names, ",") != "p0,p1,p2,p3,p4" {
		t.Fatalf("paged names %v", names)
	}
	web := e.mustDo("GET", "/api/v1/pods?labelSelector=app%3Dweb", "", 200)
	if len(web["items"].([]any)) != 3 {
		t.Fatalf("label selector: %d items", len(web["items"].([]any)))
	}
	byName := e.mustDo("GET", "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dp1", "", 200)
	if len(byName["items"].([]any)) != 1 {
		t.Fatalf("field selector: %v", byName["items"])
	}
	st := mustStatusCode(t, e.do("GET", "/api/v1/pods?fieldSelector=spec.bogus%3Dx", ""), 400, api.StatusReasonBadRequest)
	if st.Message != "field label not supported: spec.bogus" {
		t.Fatalf("message %q", st.Message)
	}
	mustStatusCode(t, e.do("GET", "/api/v1/pods?labelSelector=%3D%3D", ""), 400, api.StatusReasonBadRequest)
	empty := e.mustDo("GET", "/api/v1/namespaces/default/services", "", 200)
	if items, ok := empty["items"].([]any); !ok || len(items) != 0 {
		t.Fatalf("empty list items %v", empty["items"])
	}
}

func TestStatusSubresource(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", ""), 201)
	out := e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a/status",
		`{"status":{"phase":"Running"},"metadata":{"labels":{"x":"y"}}}`, 200, "application/merge-patch+json")
	if get(out, "status", "phase") != "Running" || get(out, "metadata", "labels", "x") != nil {
		t.Fatalf("status patch %v", out)
	}
	got := e.mustDo("GET", "/api/v1/namespaces/default/pods/a/status", "", 200)
	if get(got, "status", "phase") != "Running" {
		t.Fatalf("get status %v", got)
	}
	main := e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a",
		`{"status":{"phase":"Failed"},"metadata":{"labels":{"x":"y"}}}`, 200, "application/merge-patch+json")
	if get(main, "status", "phase") != "Running" || get(main, "metadata", "labels", "x") != "y" {
		t.Fatalf("main patch %v", main)
	}
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/events/a/status", ""), 404, api.StatusReasonNotFound)
}

func TestPatchTypes(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", `"app":"web"`), 201)
	jp := `[{"op":"add","path":"/metadata/annotations","value":{"a":"1"}},{"op":"replace","path":"/metadata/labels/app","value":"db"}]`
	out := e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a", jp, 200, "application/json-patch+json")
	if get(out, "metadata", "labels", "app") != "db" || get(out, "metadata", "annotations", "a") != "1" {
		t.Fatalf("json patch %v", out)
	}
	out = e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a", `{"metadata":{"labels":{"app":null}}}`, 200,
		"application/strategic-merge-patch+json")
	if get(out, "metadata", "labels", "app") != nil {
		t.Fatalf("strategic (as merge) patch %v", out)
	}
	mustStatusCode(t, e.do("PATCH", "/api/v1/namespaces/default/pods/a", `[{"op":"remove","path":"/nope"}]`,
		"application/json-patch+json"), 400, api.StatusReasonBadRequest)
	mustStatusCode(t, e.do("PATCH", "/api/v1/namespaces/default/pods/a", `{}`, "text/plain"),
		415, api.StatusReasonUnsupportedMediaType)
	mustStatusCode(t, e.do("PATCH", "/api/v1/namespaces/default/pods/a", `{"metadata":{"resourceVersion":"1"}}`,
		"application/merge-patch+json"), 409, api.StatusReasonConflict)
	mustStatusCode(t, e.do("PATCH", "/api/v1/namespaces/default/pods/zz", `{}`, "application/merge-patch+json"),
		404, api.StatusReasonNotFound)
}

func TestDryRun(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods?dryRun=All", podJSON("a", ""), 201)
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/a", ""), 404, api.StatusReasonNotFound)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", ""), 201)
	e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a?dryRun=All", `{"metadata":{"labels":{"x":"y"}}}`, 200,
		"application/merge-patch+json")
	if got := e.mustDo("GET", "/api/v1/namespaces/default/pods/a", "", 200); get(got, "metadata", "labels") != nil {
		t.Fatalf("dry-run patch stored labels %v", get(got, "metadata", "labels"))
	}
	e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a?dryRun=All", "", 200)
	e.mustDo("GET", "/api/v1/namespaces/default/pods/a", "", 200)
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods?dryRun=Some", podJSON("b", "")), 400,
		api.StatusReasonBadRequest)
}

func TestDeleteCollection(t *testing.T) {
	e := newEnv(t)
	for i, app := range []string{"web", "web", "db"} {
		e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON(fmt.Sprintf("p%d", i), `"app":"`+app+`"`), 201)
	}
	out := e.mustDo("DELETE", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb", "", 200)
	if get(out, "kind") != "PodList" || len(out["items"].([]any)) != 2 {
		t.Fatalf("deletecollection %v", out)
	}
	left := e.mustDo("GET", "/api/v1/namespaces/default/pods", "", 200)
	if items := left["items"].([]any); len(items) != 1 || get(items[0], "metadata", "name") != "p2" {
		t.Fatalf("left %v", items)
	}
}

func TestFinalizers(t *testing.T) {
	e := newEnv(t)
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","finalizers":["example.com/hold"]},` +
		`"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	e.mustDo("POST", "/api/v1/namespaces/default/pods", body, 201)
	out := e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a", `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}`, 200)
	if get(out, "kind") != "Pod" || get(out, "metadata", "deletionTimestamp") == nil {
		t.Fatalf("delete with finalizer returned %v", out)
	}
	e.mustDo("PATCH", "/api/v1/namespaces/default/pods/a", `{"metadata":{"finalizers":null}}`, 200,
		"application/merge-patch+json")
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/a", ""), 404, api.StatusReasonNotFound)
}

func TestDeletePreconditionsAndGrace(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces/default/pods", podJSON("a", ""), 201)
	mustStatusCode(t, e.do("DELETE", "/api/v1/namespaces/default/pods/a", `{"preconditions":{"uid":"nope"}}`),
		409, api.StatusReasonConflict)
	out := e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a?gracePeriodSeconds=30", "", 200)
	if get(out, "metadata", "deletionGracePeriodSeconds") != float64(30) {
		t.Fatalf("graceful delete %v", out)
	}
	e.mustDo("DELETE", "/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0", "", 200)
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/default/pods/a", ""), 404, api.StatusReasonNotFound)
	mustStatusCode(t, e.do("DELETE", "/api/v1/namespaces/default/pods/a?propagationPolicy=Sideways", ""),
		400, api.StatusReasonBadRequest)
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	st := mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods", `{"apiVersion":`), 400, api.StatusReasonBadRequest)
	if st.Message == "" {
		t.Fatal("malformed body: empty message")
	}
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"a"}}`), 400, api.StatusReasonBadRequest)
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"bogus":1}}`), 400, api.StatusReasonBadRequest)
	st = mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c"}]}}`), 422, api.StatusReasonInvalid)
	if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field != "spec.containers[0].image" {
		t.Fatalf("invalid causes %+v", st.Details)
	}
	if st.Details.Kind != "Pod" || st.Details.Name != "a" {
		t.Fatalf("invalid details %+v", st.Details)
	}
	big := podJSON("big", `"x":"`+strings.Repeat("a", 70<<10)+`"`)
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/default/pods", big), 413, api.StatusReasonRequestEntityTooLarge)
	yaml := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: yml\nspec:\n  containers:\n  - name: c\n    image: busybox\n"
	e.mustDo("POST", "/api/v1/namespaces/default/pods", yaml, 201, "application/yaml")
	noKind := `{"metadata":{"name":"nk"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	e.mustDo("POST", "/api/v1/namespaces/default/pods", noKind, 201)
	mustStatusCode(t, e.do("POST", "/api/v1/namespaces/nope/pods", podJSON("z", "")), 404, api.StatusReasonNotFound)
}

func TestDiscoveryAndHealth(t *testing.T) {
	e := newEnv(t)
	v := e.mustDo("GET", "/api", "", 200)
	if get(v, "kind") != "APIVersions" || fmt.Sprint(v["versions"]) != "[v1]" {
		t.Fatalf("/api %v", v)
	}
	groups := e.mustDo("GET", "/apis", "", 200)
	var names []string
	for _, g := range groups["groups"].([]any) {
		names = append(names, get(g, "name").(string)+"="+get(g, "preferredVersion", "groupVersion").(string))
	}
	if strings.Join(names, ",") != "apps=apps/v1,batch=batch/v1,coordination.k8s.io=coordination.k8s.io/v1,scheduling.k8s.io=scheduling.k8s.io/v1" {
		t.Fatalf("groups %v", names)
	}
	core := e.mustDo("GET", "/api/v1", "", 200)
	found := map[string]map[string]any{}
	for _, r := range core["resources"].([]any) {
		found[get(r, "name").(string)] = r.(map[string]any)
	}
	if p := found["pods"]; p == nil || p["kind"] != "Pod" || p["namespaced"] != true || fmt.Sprint(p["shortNames"]) != "[po]" {
		t.Fatalf("pods resource %v", p)
	}
	if found["pods/status"] == nil || found["events/status"] != nil || found["namespaces/status"] == nil {
		t.Fatalf("status subresources %v", found)
	}
	apps := e.mustDo("GET", "/apis/apps/v1", "", 200)
	if get(apps, "groupVersion") != "apps/v1" {
		t.Fatalf("apps %v", apps)
	}
	ver := e.mustDo("GET", "/version", "", 200)
	if ver["minor"] != "32" || ver["gitVersion"] != "v1.32.0-kubetwin" {
		t.Fatalf("version %v", ver)
	}
	for _, p := range []string{"/healthz", "/livez", "/readyz"} {
		if rec := e.do("GET", p, ""); rec.Code != http.StatusOK || rec.Body.String() != "ok" {
			t.Fatalf("%s: %d %q", p, rec.Code, rec.Body.String())
		}
	}
}

func TestNamespaceDeletion(t *testing.T) {
	e := newEnv(t)
	e.mustDo("POST", "/api/v1/namespaces", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}`, 201)
	out := e.mustDo("DELETE", "/api/v1/namespaces/team", "", 200)
	if get(out, "kind") != "Namespace" || get(out, "status", "phase") != "Terminating" {
		t.Fatalf("namespace delete returned %v", out)
	}
	st := mustStatusCode(t, e.do("POST", "/api/v1/namespaces/team/pods", podJSON("a", "")), 403, api.StatusReasonForbidden)
	if !strings.Contains(st.Message, "because it is being terminated") {
		t.Fatalf("message %q", st.Message)
	}
	// What the namespace controller will do once the namespace is empty.
	e.mustDo("PATCH", "/api/v1/namespaces/team", `{"metadata":{"finalizers":null},"spec":{"finalizers":null}}`, 200,
		"application/merge-patch+json")
	mustStatusCode(t, e.do("GET", "/api/v1/namespaces/team", ""), 404, api.StatusReasonNotFound)
}
