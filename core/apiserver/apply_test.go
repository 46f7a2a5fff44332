package apiserver_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// applyDo sends a server-side apply as manager m.
func (e *env) applyDo(path, body, manager string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do("PATCH", path+"?fieldManager="+manager, body, "application/apply-patch+yaml")
}

func TestServerSideApply(t *testing.T) {
	e := newEnv(t)
	const path = "/apis/apps/v1/namespaces/default/deployments/d"
	cfg := strings.Replace(deploymentJSON("d"), `"image":"i:1"`, `"image":"i:1","ports":[{"containerPort":80}]`, 1)
	if rec := e.applyDo(path, cfg, "me"); rec.Code != 201 {
		t.Fatalf("first apply: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.applyDo(path, cfg, "me"); rec.Code != 200 {
		t.Fatalf("second apply: %d %s", rec.Code, rec.Body.String())
	}
	e.mustDo("PATCH", path, `{"metadata":{"labels":{"other":"x"}}}`, 200, "application/merge-patch+json")
	next := strings.NewReplacer(`"i:1"`, `"i:2"`, `,{"name":"B","value":"2"}`, "",
		`,"ports":[{"containerPort":80}]`, "").Replace(cfg)
	if rec := e.applyDo(path, next, "me"); rec.Code != 200 {
		t.Fatalf("third apply: %d %s", rec.Code, rec.Body.String())
	}
	out := e.mustDo("GET", path, "", 200)
	c := get(out, "spec", "template", "spec", "containers").([]any)[0]
	env := get(c, "env").([]any)
	if get(c, "image") != "i:2" || len(env) != 1 || get(env[0], "name") != "A" || get(c, "ports") != nil {
		t.Fatalf("container after apply = %v", c)
	}
	if get(out, "metadata", "labels", "other") != "x" {
		t.Fatalf("a field set by another writer was lost: %v", get(out, "metadata", "labels"))
	}
	mf := get(out, "metadata", "managedFields").([]any)
	if len(mf) != 1 || get(mf[0], "manager") != "me" || get(mf[0], "operation") != "Apply" {
		t.Fatalf("managedFields = %v", mf)
	}
	e.mustDo("PATCH", path, cfg, 400, "application/apply-patch+yaml") // no fieldManager
	e.mustDo("PATCH", path+"?fieldManager=me", deploymentJSON("other"), 400, "application/apply-patch+yaml")
	e.mustDo("PATCH", path+"?fieldManager=me", `{"spec":{"bogus":1}}`, 400, "application/apply-patch+yaml")
}
