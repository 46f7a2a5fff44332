package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/proxy"
	"github.com/kubetwin/kubetwin/real/realtest"
)

// e2e is a cluster started by `real up` from a freshly built kubetwin.
type e2e struct {
	t     testing.TB
	state *cluster.State
	opts  cluster.Options
}

// buildKubetwin compiles the binary the cluster's processes run.
func buildKubetwin(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kubetwin")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kubetwin/kubetwin/cmd/kubetwin")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build kubetwin: %v\n%s", err, out)
	}
	return bin
}

func startCluster(t testing.TB, nodes int, proxyMode string) *e2e {
	t.Helper()
	return startClusterWith(t, cluster.Options{Nodes: nodes, NodeGracePeriod: 10 * time.Second, ProxyMode: proxyMode})
}

// startClusterWith brings up a cluster with o, filling in a fresh binary,
// the workload image, a directory and free address ranges, and takes it
// down when the test ends, checking that nothing is left.
func startClusterWith(t testing.TB, o cluster.Options) *e2e {
	t.Helper()
	o.Binary = buildKubetwin(t)
	o.Images = filepath.Dir(realtest.WorkloadImage(t, realtest.WorkloadRef))
	// Short: containerd's socket lives under it, and socket paths are
	// limited to 108 bytes.
	dir, err := os.MkdirTemp("", "kt-real-")
	if err != nil {
		t.Fatal(err)
	}
	o.Dir = dir
	o.PodCIDR = realtest.FreeRange(t)
	o.ServiceCIDR = realtest.FreeRange(t, o.PodCIDR).String()
	o.Timeout = 90 * time.Second
	s, err := cluster.Up(context.Background(), o)
	if err != nil {
		dumpLogs(t, dir)
		os.RemoveAll(dir)
		t.Fatalf("real up: %v", err)
	}
	e := &e2e{t: t, state: s, opts: o}
	t.Cleanup(func() {
		if t.Failed() {
			dumpLogs(t, dir)
		}
		if err := cluster.Down(context.Background(), dir); err != nil {
			t.Errorf("real down: %v", err)
		}
		e.checkNothingLeft()
		os.RemoveAll(dir)
	})
	return e
}

// dumpLogs shows the tail of every process's log after a failure.
func dumpLogs(t testing.TB, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		t.Logf("--- %s\n%s", filepath.Base(l), b)
	}
}

// checkNothingLeft looks for every kind of thing the cluster made.
func (e *e2e) checkNothingLeft() {
	t := e.t
	for _, n := range e.state.Nodes {
		if _, err := netlink.LinkByName(n.Bridge); err == nil {
			t.Errorf("bridge %s left behind", n.Bridge)
		}
		// A pod's veth goes with its namespace.
		if left, _ := filepath.Glob("/var/run/netns/" + n.Bridge + "-*"); len(left) > 0 {
			t.Errorf("network namespaces left behind: %v", left)
		}
	}
	addrs, _ := netlink.AddrList(nil, netlink.FAMILY_V4)
	svc := netip.MustParsePrefix(e.state.ServiceCIDR)
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && svc.Contains(ip.Unmap()) {
			t.Errorf("service address %s left behind", ip)
		}
	}
	if e.state.ProxyTable != "" {
		c, err := nftables.New()
		if err != nil {
			t.Fatal(err)
		}
		tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(tables, func(tb *nftables.Table) bool { return tb.Name == e.state.ProxyTable }) {
			t.Errorf("nftables table %s left behind", e.state.ProxyTable)
		}
	}
	if left := processesMentioning(e.state.Dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), e.state.Dir) {
		t.Errorf("mounts under %s left behind", e.state.Dir)
	}
}

// kubectl runs kubectl against the cluster and returns its output.
func (e *e2e) kubectl(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+e.state.Kubeconfig)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (e *e2e) mustKubectl(args ...string) string {
	e.t.Helper()
	out, err := e.kubectl(args...)
	if err != nil {
		e.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// eventually reruns f until it returns nil or the time is up.
func (e *e2e) eventually(within time.Duration, what string, f func() error) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	e.t.Fatalf("%s: not within %s: %v", what, within, err)
}

// pod is what the test reads of a pod through kubectl.
type pod struct {
	Metadata struct {
		Name string `json:"name"`
		UID  string `json:"uid"`
	} `json:"metadata"`
	Spec struct {
		NodeName string `json:"nodeName"`
	} `json:"spec"`
	Status struct {
		Phase             string `json:"phase"`
		PodIP             string `json:"podIP"`
		ContainerStatuses []struct {
			Ready        bool `json:"ready"`
			RestartCount int  `json:"restartCount"`
		} `json:"containerStatuses"`
	} `json:"status"`
}

func (e *e2e) pods(selector string) []pod {
	e.t.Helper()
	var list struct{ Items []pod }
	out := e.mustKubectl("get", "pods", "-l", selector, "-o", "json")
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		e.t.Fatalf("pods: %v\n%s", err, out)
	}
	return list.Items
}

func readyPods(ps []pod) []pod {
	var out []pod
	for _, p := range ps {
		if len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].Ready {
			out = append(out, p)
		}
	}
	return out
}

// httpGet fetches http://addr/path within a short timeout, on a new
// connection each time so that a Service balances every request.
func httpGet(addr, path string) (string, error) {
	c := http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), err
}

const webManifest = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 5
      tolerations:
      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}
      containers:
      - name: web
        image: kubetwin.local/workload:v1
        # Serve on for 2 s after SIGTERM, so the Service stops sending new
        # connections here before the server closes: without it a rollout
        # drops the requests that race the Endpoints update, in Kubernetes too.
        args: ["-drain", "2s"]
        env:
        - name: POD_NAME
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: VERSION
          value: "1"
        ports: [{containerPort: 8080}]
        resources: {requests: {cpu: 50m, memory: 32Mi}, limits: {cpu: 500m, memory: 64Mi}}
        readinessProbe:
          httpGet: {path: /readyz, port: 8080}
          periodSeconds: 1
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`

func TestRealClusterRunsADeploymentBehindAService(t *testing.T) {
	for _, mode := range []string{proxy.ModeUserspace, proxy.ModeNFTables} {
		t.Run(mode+" proxy", func(t *testing.T) { runDeploymentBehindAService(t, mode) })
	}
}

func runDeploymentBehindAService(t *testing.T, proxyMode string) {
	e := startCluster(t, 2, proxyMode)
	out := e.mustKubectl("get", "nodes")
	for _, n := range e.state.Nodes {
		if !strings.Contains(out, n.Name) {
			t.Fatalf("kubectl get nodes lacks %s:\n%s", n.Name, out)
		}
	}
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	os.WriteFile(manifest, []byte(webManifest), 0o644)
	e.mustKubectl("apply", "-f", manifest)
	e.mustKubectl("rollout", "status", "deployment/web", "--timeout=120s")
	pods := readyPods(e.pods("app=web"))
	if len(pods) != 4 {
		t.Fatalf("%d ready pods, want 4", len(pods))
	}
	vip := strings.TrimSpace(e.mustKubectl("get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"))
	e.checkServiceFromHost(vip, pods)
	e.checkPodToPodAndService(vip, pods)
	e.checkLogs(pods[0])
	e.checkCrashRestart(pods[0])
	e.checkRollingUpdate(vip)
	e.checkLostNodeIsReplaced()
}

// checkServiceFromHost: the ClusterIP balances across the ready pods.
func (e *e2e) checkServiceFromHost(vip string, pods []pod) {
	e.t.Helper()
	seen := map[string]bool{}
	e.eventually(30*time.Second, "the Service answering from every pod", func() error {
		got, err := httpGet(vip+":80", "/")
		if err != nil {
			return err
		}
		seen[got] = true
		if len(seen) < len(pods) {
			return fmt.Errorf("answers from %v so far", seen)
		}
		return nil
	})
}

// checkPodToPodAndService reaches a pod on another node, and the Service,
// from inside a pod's network namespace.
func (e *e2e) checkPodToPodAndService(vip string, pods []pod) {
	e.t.Helper()
	from := pods[0]
	var to *pod
	for i := range pods {
		if pods[i].Spec.NodeName != from.Spec.NodeName {
			to = &pods[i]
			break
		}
	}
	if to == nil {
		e.t.Fatalf("all pods on %s; the scheduler should spread them", from.Spec.NodeName)
	}
	nsPath := "/var/run/netns/" + e.bridgeOf(from.Spec.NodeName) + "-" + from.Metadata.UID
	err := realtest.InNetns(nsPath, func() error {
		got, err := httpGet(to.Status.PodIP+":8080", "/")
		if err != nil || got != to.Metadata.Name {
			return fmt.Errorf("pod %s to pod %s across nodes: %q, %v", from.Metadata.Name, to.Metadata.Name, got, err)
		}
		if got, err = httpGet(vip+":80", "/"); err != nil || !strings.HasPrefix(got, "web-") {
			return fmt.Errorf("pod %s to the Service: %q, %v", from.Metadata.Name, got, err)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *e2e) bridgeOf(node string) string {
	for _, n := range e.state.Nodes {
		if n.Name == node {
			return n.Bridge
		}
	}
	e.t.Fatalf("no node %s", node)
	return ""
}

func (e *e2e) checkLogs(p pod) {
	e.t.Helper()
	if out := e.mustKubectl("logs", p.Metadata.Name); !strings.Contains(out, "serving on :8080") {
		e.t.Fatalf("kubectl logs %s: %q", p.Metadata.Name, out)
	}
}

// checkCrashRestart: a container that exits is restarted in place.
func (e *e2e) checkCrashRestart(p pod) {
	e.t.Helper()
	_, _ = httpGet(p.Status.PodIP+":8080", "/exit?code=3")
	e.eventually(30*time.Second, "the crashed container restarted", func() error {
		out := e.mustKubectl("get", "pod", p.Metadata.Name, "-o",
			"jsonpath={.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].ready}")
		if out != "1 true" {
			return fmt.Errorf("restartCount and ready: %q", out)
		}
		return nil
	})
	if out := e.mustKubectl("logs", p.Metadata.Name, "--previous"); !strings.Contains(out, "exiting with code 3") {
		e.t.Fatalf("kubectl logs --previous: %q", out)
	}
}

// checkRollingUpdate loads a new image into every node with `kubetwin
// image load` and rolls the Deployment onto it while a client keeps
// asking the Service, which must answer every request.
func (e *e2e) checkRollingUpdate(vip string) {
	e.t.Helper()
	stop := e.keepAsking(vip + ":80")
	const v2 = "kubetwin.local/workload:v2"
	tarball := realtest.WorkloadImage(e.t, v2)
	if out, err := exec.Command(e.state.Binary, "image", "load", "--data-dir", e.state.Dir, tarball).CombinedOutput(); err != nil {
		e.t.Fatalf("kubetwin image load: %v\n%s", err, out)
	}
	e.mustKubectl("set", "image", "deployment/web", "web="+v2)
	e.mustKubectl("rollout", "status", "deployment/web", "--timeout=120s")
	if asked, failed := stop(); len(failed) > 0 {
		e.t.Fatalf("during the rollout %d of %d requests to the Service failed, first: %v", len(failed), asked, failed[0])
	}
	out := e.mustKubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.containerStatuses[0].image}")
	if imgs := strings.Fields(out); len(imgs) != 4 || slices.ContainsFunc(imgs, func(i string) bool { return !strings.HasSuffix(i, v2) }) {
		e.t.Fatalf("after the rollout the pods run %q", out)
	}
}

// keepAsking requests addr every 50 ms until stop is called, which
// returns how many requests were made and the errors of those that failed.
func (e *e2e) keepAsking(addr string) (stop func() (int, []error)) {
	done, result := make(chan struct{}), make(chan []error, 1)
	asked := 0
	go func() {
		var failed []error
		for {
			select {
			case <-done:
				result <- failed
				return
			case <-time.After(50 * time.Millisecond):
			}
			asked++
			if _, err := httpGet(addr, "/"); err != nil {
				failed = append(failed, err)
			}
		}
	}()
	return func() (int, []error) {
		close(done)
		failed := <-result
		return asked, failed
	}
}

// checkLostNodeIsReplaced stops one agent: its node goes NotReady, and
// its pods are evicted and replaced on the other nodes.
func (e *e2e) checkLostNodeIsReplaced() {
	e.t.Helper()
	victim := e.state.Nodes[0]
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		e.t.Fatal(err)
	}
	e.eventually(90*time.Second, "the lost node's pods replaced elsewhere", func() error {
		ps := readyPods(e.pods("app=web"))
		var nodes []string
		for _, p := range ps {
			if p.Spec.NodeName == victim.Name {
				return fmt.Errorf("pod %s still counted on %s", p.Metadata.Name, victim.Name)
			}
			nodes = append(nodes, p.Spec.NodeName)
		}
		if len(ps) != 4 {
			return fmt.Errorf("%d ready pods on %v", len(ps), nodes)
		}
		return nil
	})
	if out := e.mustKubectl("get", "node", victim.Name); !strings.Contains(out, "NotReady") {
		e.t.Fatalf("the stopped node is not NotReady:\n%s", out)
	}
}

// TestFailedUpLeavesNothing: an agent that cannot start (its images
// directory does not exist) fails `real up` with the log to read, and
// what had started is taken down again.
func TestFailedUpLeavesNothing(t *testing.T) {
	bin := buildKubetwin(t)
	dir, err := os.MkdirTemp("", "kt-real-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	pods := realtest.FreeRange(t)
	_, err = cluster.Up(context.Background(), cluster.Options{Dir: dir, Nodes: 2, Binary: bin,
		Images: filepath.Join(dir, "no-such-dir"), PodCIDR: pods, ServiceCIDR: realtest.FreeRange(t, pods).String(),
		Timeout: time.Minute})
	if err == nil || !strings.Contains(err.Error(), "exited; see "+filepath.Join(dir, "logs")) {
		t.Fatalf("real up with a missing images directory: %v", err)
	}
	if _, err := cluster.Load(dir); !errors.Is(err, cluster.ErrNotUp) {
		t.Fatalf("a cluster record is left: %v", err)
	}
	if left := processesMentioning(dir); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
	if mounts, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mounts), dir) {
		t.Errorf("mounts under %s left behind", dir)
	}
}

// processesMentioning lists the command lines that name dir, zombies aside.
func processesMentioning(dir string) []string {
	ents, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(b), dir) {
			continue
		}
		out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
	}
	return out
}

// TestUpAfterACrashCleansUp: when every process of a cluster died without
// `real down`, `real up` in the same directory removes what they left and
// brings the cluster back with its objects.
func TestUpAfterACrashCleansUp(t *testing.T) {
	e := startCluster(t, 1, "")
	manifest := filepath.Join(t.TempDir(), "web.yaml")
	os.WriteFile(manifest, []byte(strings.Replace(webManifest, "replicas: 4", "replicas: 2", 1)), 0o644)
	e.mustKubectl("apply", "-f", manifest)
	e.mustKubectl("rollout", "status", "deployment/web", "--timeout=60s")
	for _, pid := range []int{e.state.ServerPID, e.state.ProxyPID, e.state.Nodes[0].PID} {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid)
	}
	s, err := cluster.Up(context.Background(), e.opts)
	if err != nil {
		t.Fatalf("real up after a crash: %v", err)
	}
	e.state = s
	e.mustKubectl("rollout", "status", "deployment/web", "--timeout=60s")
	if ps := readyPods(e.pods("app=web")); len(ps) != 2 {
		t.Fatalf("%d ready pods after the restart, want 2", len(ps))
	}
}

// waitGone waits until pid has exited and been reaped.
func waitGone(t *testing.T, pid int) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return
		}
	}
	t.Fatalf("process %d still there after SIGKILL", pid)
}
