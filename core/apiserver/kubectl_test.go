package apiserver_test

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kubectl runs the installed kubectl against srv. kubectl v1.32 is on every
// machine kubetwin is built on (and .ci/run checks it), so its absence fails
// the test rather than skipping it.
func kubectl(t *testing.T, srv *httptest.Server, stdin string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is required for this test: %v", err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", cfg, "--server", srv.URL,
		"--cache-dir", filepath.Join(dir, "cache")}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKubectl checks that the real client can discover, create, get, list,
// label and delete through the server.
func TestKubectl(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	manifest := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c\n    image: nginx\n"
	steps := [][]string{
		{"create", "--validate=false", "-f", "-"}, // no /openapi yet
		{"get", "pods", "-o", "name"},
		{"get", "pods"},
		{"get", "po", "web", "-o", "jsonpath={.spec.schedulerName}"},
		{"label", "pod", "web", "tier=front"},
		{"get", "pods", "-l", "tier=front", "-o", "name"},
		{"api-resources", "--api-group=apps", "-o", "name"},
		{"delete", "pod", "web"},
	}
	want := []string{"pod/web created", "pod/web", "web", "default-scheduler", "pod/web labeled", "pod/web",
		"deployments.apps", `pod "web" deleted`}
	for i, args := range steps {
		out, err := kubectl(t, srv, manifest, args...)
		if err != nil || !strings.Contains(out, want[i]) {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
	}
}

// tableManifest holds a node, a deployment and a pod bound to the node.
const tableManifest = `apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {node-role.kubernetes.io/worker: ""}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p1}
spec:
  nodeName: n1
  containers: [{name: c, image: busybox}]
`

// TestKubectlTables checks the headers and values kubectl prints from
// the server's Table output.
func TestKubectlTables(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	if out, err := kubectl(t, srv, tableManifest, "create", "--validate=false", "-f", "-"); err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	e.clock.Step(5 * time.Second)
	checks := []struct {
		args []string
		want []string
	}{
		{[]string{"get", "pods"}, []string{"NAME   READY   STATUS    RESTARTS   AGE", "p1     0/1     Pending   0          5s"}},
		{[]string{"get", "pods", "-o", "wide"}, []string{"IP       NODE   NOMINATED NODE   READINESS GATES", "<none>   n1     <none>           <none>"}},
		{[]string{"get", "nodes"}, []string{"NAME   STATUS    ROLES    AGE   VERSION", "n1     Unknown   worker   5s"}},
		{[]string{"get", "deploy"}, []string{"NAME   READY   UP-TO-DATE   AVAILABLE   AGE", "web    0/2     0            0           5s"}},
		{[]string{"get", "deploy", "-o", "wide"}, []string{"CONTAINERS   IMAGES       SELECTOR", "nginx        nginx:1.27   app=web"}},
	}
	for _, c := range checks {
		out, err := kubectl(t, srv, "", c.args...)
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", c.args, err, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("kubectl %v lacks %q:\n%s", c.args, w, out)
			}
		}
	}
}
