package apiserver_test

import (
	"strings"
	"testing"
)

func TestOpenAPIV3(t *testing.T) {
	e := newEnv(t)
	root := e.mustDo("GET", "/openapi/v3", "", 200)
	url, _ := get(root, "paths", "apis/apps/v1", "serverRelativeURL").(string)
	if !strings.HasPrefix(url, "/openapi/v3/apis/apps/v1?hash=") || get(root, "paths", "api/v1") == nil {
		t.Fatalf("root = %v", root)
	}
	doc := e.mustDo("GET", url, "", 200)
	schemas := get(doc, "components", "schemas").(map[string]any)
	dep := schemas["io.kubetwin.api.Deployment"]
	gvk, _ := get(dep, "x-kubernetes-group-version-kind").([]any)
	if len(gvk) != 1 || get(gvk[0], "kind") != "Deployment" || get(gvk[0], "group") != "apps" {
		t.Fatalf("Deployment gvk = %v", gvk)
	}
	containers := get(schemas["io.kubetwin.api.PodSpec"], "properties", "containers")
	if get(containers, "x-kubernetes-patch-merge-key") != "name" || get(containers, "x-kubernetes-patch-strategy") != "merge" {
		t.Fatalf("containers = %v", containers)
	}
	if tol := get(schemas["io.kubetwin.api.PodSpec"], "properties", "tolerations"); get(tol, "x-kubernetes-patch-strategy") != nil {
		t.Fatalf("tolerations should be atomic: %v", tol)
	}
	patch := get(doc, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch")
	if get(patch, "x-kubernetes-group-version-kind", "kind") != "Deployment" ||
		get(patch, "requestBody", "content", "application/strategic-merge-patch+json") == nil ||
		!strings.Contains(encodeJSON(t, get(patch, "parameters")), "fieldValidation") {
		t.Fatalf("patch operation = %v", patch)
	}
	e.mustDo("GET", "/openapi/v3/apis/nothing/v1", "", 404)
	e.mustDo("GET", "/openapi/v2", "", 404)
}
