package apiserver_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
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

// TestServerSideApplyConflicts: a second manager changing a field the
// first applied gets a 409 naming both; the same value is shared
// ownership; force takes the field over, so the first manager now conflicts.
func TestServerSideApplyConflicts(t *testing.T) {
	e := newEnv(t)
	const path = "/apis/apps/v1/namespaces/default/deployments/d"
	cfg := deploymentJSON("d")
	if rec := e.applyDo(path, cfg, "alice"); rec.Code != 201 {
		t.Fatalf("alice's apply: %d %s", rec.Code, rec.Body.String())
	}
	if rec := e.applyDo(path, cfg, "bob"); rec.Code != 200 {
		t.Fatalf("bob applying the same values: %d %s", rec.Code, rec.Body.String())
	}
	bob := strings.NewReplacer(`"replicas":2`, `"replicas":5`, `"image":"i:1"`, `"image":"i:9"`).Replace(cfg)
	rec := e.applyDo(path, bob, "bob")
	st := mustStatusCode(t, rec, 409, api.StatusReasonConflict)
	want := `Apply failed with 2 conflicts: conflict with "alice": .spec.replicas conflict with "alice": .spec.template.spec.containers[name="c"].image`
	if st.Message != want {
		t.Fatalf("message %q\nwant    %q", st.Message, want)
	}
	if len(st.Details.Causes) != 2 || st.Details.Causes[0].Type != "FieldManagerConflict" || st.Details.Causes[0].Field != ".spec.replicas" {
		t.Fatalf("causes %+v", st.Details.Causes)
	}
	if got := get(e.mustDo("GET", path, "", 200), "spec", "replicas"); got != float64(2) {
		t.Fatalf("replicas %v after a refused apply, want 2", got)
	}
	if rec := e.do("PATCH", path+"?fieldManager=bob&force=true", bob, "application/apply-patch+yaml"); rec.Code != 200 {
		t.Fatalf("forced apply: %d %s", rec.Code, rec.Body.String())
	}
	if got := get(e.mustDo("GET", path, "", 200), "spec", "replicas"); got != float64(5) {
		t.Fatalf("replicas %v after the forced apply, want 5", got)
	}
	rec = e.applyDo(path, cfg, "alice")
	if st := mustStatusCode(t, rec, 409, api.StatusReasonConflict); !strings.Contains(st.Message, `conflict with "bob": .spec.replicas`) {
		t.Fatalf("alice after losing the field: %q", st.Message)
	}
}
