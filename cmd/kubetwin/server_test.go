package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// e2eManifest is one of each kind a user starts with.
const e2eManifest = `apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: demo}
spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gone, namespace: demo}
spec: {containers: [{name: c, image: busybox}]}
`

// kubectlBin is the installed kubectl; its absence fails the test, since
// every machine kubetwin is built on has it.
func kubectlBin(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/kubectl"); err == nil {
		return "/usr/bin/kubectl"
	}
	bin, err := exec.LookPath("kubectl")
	if err != nil {
		t.Fatalf("kubectl is required for this test: %v", err)
	}
	return bin
}

// kubectlCommand is kubectl with the server's kubeconfig and a discovery
// cache of its own.
func kubectlCommand(ctx context.Context, t *testing.T, kubeconfig string, args []string) *exec.Cmd {
	t.Helper()
	return exec.CommandContext(ctx, kubectlBin(t), append([]string{"--kubeconfig", kubeconfig,
		"--cache-dir", filepath.Join(filepath.Dir(kubeconfig), "kubectl-cache")}, args...)...)
}

// runKubectl runs kubectl with the server's kubeconfig and requires success
// and every wanted string in the output.
func runKubectl(t *testing.T, kubeconfig, stdin string, args []string, want ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := kubectlCommand(ctx, t, kubeconfig, args)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %v: %v\n%s", args, err, out)
	}
	for _, w := range want {
		if !strings.Contains(string(out), w) {
			t.Errorf("kubectl %v lacks %q:\n%s", args, w, out)
		}
	}
	return string(out)
}

// startTestServer runs the server in process on dir and a free port.
func startTestServer(t *testing.T, dir string) *runningServer {
	t.Helper()
	return startTestServerWith(t, serverOptions{dataDir: dir})
}

// startTestServerWith runs the server with o on a free port.
func startTestServerWith(t *testing.T, o serverOptions) *runningServer {
	t.Helper()
	o.listen, o.serviceCIDR = "127.0.0.1:0", "10.96.0.0/16"
	s, err := startServer(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func stopTestServer(t testing.TB, s *runningServer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestServerWithKubectl drives a real server with the real kubectl over
// TLS and tokens, restarts it on the same data directory, and checks that
// nothing was lost.
func TestServerWithKubectl(t *testing.T) {
	dir := t.TempDir()
	s := startTestServer(t, dir)
	kc := s.Kubeconfig
	runKubectl(t, kc, e2eManifest, []string{"create", "-f", "-"},
		"namespace/demo created", "deployment.apps/web created", "service/web created", "pod/p1 created")
	runKubectl(t, kc, "", []string{"get", "pods", "-n", "demo", "-o", "wide"}, "NOMINATED NODE", "p1", "Pending")
	runKubectl(t, kc, "", []string{"get", "deploy,svc", "-n", "demo"},
		"deployment.apps/web", "0/2", "service/web", "ClusterIP", "80/TCP")
	runKubectl(t, kc, "", []string{"label", "pod", "p1", "-n", "demo", "tier=front"}, "pod/p1 labeled")
	runKubectl(t, kc, "", []string{"annotate", "deploy", "web", "-n", "demo", "owner=team-a"}, "deployment.apps/web annotated")
	runKubectl(t, kc, "", []string{"scale", "deployment", "web", "-n", "demo", "--replicas", "3"}, "deployment.apps/web scaled")
	runKubectl(t, kc, "", []string{"get", "deploy", "web", "-n", "demo", "-o", "jsonpath={.spec.replicas}"}, "3")
	runKubectl(t, kc, "", []string{"patch", "deploy", "web", "-n", "demo", "-p",
		`{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.29"}]}}}}`}, "deployment.apps/web patched")
	runKubectl(t, kc, "", []string{"get", "deploy", "web", "-n", "demo", "-o", "json"}, `"image": "nginx:1.29"`, `"replicas": 3`)
	runKubectl(t, kc, "", []string{"describe", "pod", "p1", "-n", "demo"}, "Name:", "p1", "Image:", "busybox")
	checkApply(t, kc, "api", nil, "created", "unchanged", "configured")
	checkApply(t, kc, "ssa", []string{"--server-side"}, "serverside-applied", "serverside-applied", "serverside-applied")
	runKubectl(t, kc, "", []string{"delete", "pod", "gone", "-n", "demo"}, `pod "gone" deleted`)
	runKubectl(t, kc, "", []string{"api-resources"}, "deployments", "apps/v1", "pods", "po")
	runKubectl(t, kc, "", []string{"get", "ns"}, "default", "kube-system", "kube-public", "kube-node-lease", "demo")
	stopTestServer(t, s)

	s = startTestServer(t, dir)
	defer stopTestServer(t, s)
	runKubectl(t, kc, "", []string{"get", "pods", "-n", "demo", "-l", "tier=front", "-o", "name"}, "pod/p1")
	runKubectl(t, kc, "", []string{"get", "deploy", "web", "-n", "demo", "-o", "jsonpath={.metadata.annotations.owner}"}, "team-a")
	runKubectl(t, kc, "", []string{"get", "svc", "web", "-n", "demo"}, "ClusterIP")
	runKubectl(t, kc, "", []string{"get", "ns", "demo"}, "Active")
	if out := runKubectl(t, kc, "", []string{"get", "pods", "-n", "demo", "-o", "name"}); strings.Contains(out, "gone") {
		t.Errorf("a deleted pod came back after restart:\n%s", out)
	}
}

// applyManifest is a deployment applied three times: twice as is, then
// with a new image and without env var B.
const applyManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, namespace: demo}
spec:
  replicas: 1
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
      - name: app
        image: "app:1"
        env: [{name: A, value: "1"}, {name: B, value: "2"}]
      - name: sidecar
        image: "side:1"
`

// checkApply runs kubectl apply (with flags: client-side apply computes a
// strategic merge patch from the served OpenAPI schema; --server-side
// sends the manifest) on a deployment named name, and checks the result
// and the words kubectl prints for each of the three applies.
func checkApply(t *testing.T, kc, name string, flags []string, said ...string) {
	t.Helper()
	manifest := strings.ReplaceAll(applyManifest, "NAME", name)
	args := append(append([]string{"apply"}, flags...), "-f", "-")
	runKubectl(t, kc, manifest, args, "deployment.apps/"+name+" "+said[0])
	runKubectl(t, kc, manifest, args, "deployment.apps/"+name+" "+said[1])
	changed := strings.NewReplacer(`"app:1"`, `"app:2"`, `, {name: B, value: "2"}`, "").Replace(manifest)
	runKubectl(t, kc, changed, args, "deployment.apps/"+name+" "+said[2])
	out := runKubectl(t, kc, "", []string{"get", "deploy", name, "-n", "demo", "-o", "yaml"}, "image: app:2", "image: side:1")
	if strings.Contains(out, "name: B") || !strings.Contains(out, "name: A") {
		t.Errorf("env after apply should hold A and not B:\n%s", out)
	}
}

func TestServerRequiresDataDir(t *testing.T) {
	if _, err := execute(t, "", "server"); err == nil || !strings.Contains(err.Error(), "data-dir") {
		t.Fatalf("err = %v", err)
	}
}
