package agent_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
	"github.com/kubetwin/kubetwin/real/agent"
	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/realtest"
)

var (
	podKind  = mustKind("Pod")
	nodeKind = mustKind("Node")
	nsKind   = mustKind("Namespace")

	leaseKind = func() *api.Kind {
		k, err := api.LookupKind("coordination.k8s.io/v1", "Lease")
		if err != nil {
			panic(err)
		}
		return k
	}()
)

func mustKind(k string) *api.Kind {
	kind, err := api.LookupKind(api.CoreV1, k)
	if err != nil {
		panic(err)
	}
	return kind
}

// env is one agent on a private containerd and a real pod network,
// against an in-process registry.
type env struct {
	t       *testing.T
	reg     *registry.Registry
	rt      *containers.Runtime
	net     agent.Network
	dataDir string
	status  *httptest.Server
	stop    func()
}

const nodeName = "node-a"

// newEnv starts an agent; options change the env before it starts.
func newEnv(t *testing.T, opts ...func(*env)) *env {
	t.Helper()
	clk := clock.Real()
	st := memory.New(memory.Options{Clock: clk})
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, reg: registry.New(st, clk), dataDir: t.TempDir()}
	for _, ns := range []string{"default", api.NamespaceNodeLease} {
		if _, err := e.reg.Create(context.Background(), nsKind, "", &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}}, registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	d := realtest.Containerd(t)
	rt, err := containers.Connect(d.Socket, "kt-agent-test")
	if err != nil {
		t.Fatal(err)
	}
	e.rt = rt
	e.net = realtest.PodNetwork(t)
	t.Cleanup(e.cleanup) // before the daemon stops
	if _, err := rt.ImportFile(context.Background(), realtest.WorkloadImage(t, realtest.WorkloadRef)); err != nil {
		t.Fatal(err)
	}
	for _, o := range opts {
		o(e)
	}
	e.start()
	return e
}

// start runs an agent until stop is called.
func (e *env) start() {
	metrics := prometheus.NewRegistry()
	a, err := agent.New(agent.Config{NodeName: nodeName, Client: e.reg, Runtime: e.rt, Network: e.net,
		DataDir: e.dataDir, Logf: e.t.Logf, Metrics: metrics})
	if err != nil {
		e.t.Fatal(err)
	}
	e.status = httptest.NewServer(a.Handler(metrics))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := a.Run(ctx); err != nil && ctx.Err() == nil {
			e.t.Errorf("agent: %v", err)
		}
	}()
	e.stop = func() {
		cancel()
		wg.Wait()
		e.status.Close()
	}
}

// cleanup stops the agent and removes every container and namespace it made.
func (e *env) cleanup() {
	e.stop()
	ctx := context.Background()
	ids, _ := e.rt.List(ctx)
	for _, id := range ids {
		if err := e.rt.Remove(ctx, id); err != nil {
			e.t.Errorf("remove %s: %v", id, err)
		}
	}
	uids, _ := e.net.Attached()
	for _, uid := range uids {
		if err := e.net.Detach(uid); err != nil {
			e.t.Errorf("detach %s: %v", uid, err)
		}
	}
	e.rt.Close()
}

// create decodes a pod manifest, binds it to the node and stores it.
func (e *env) create(manifest string) *api.Pod {
	e.t.Helper()
	objs, err := api.Decode([]byte(manifest))
	if err != nil {
		e.t.Fatal(err)
	}
	p := objs[0].(*api.Pod)
	p.Spec.NodeName = nodeName
	obj, err := e.reg.Create(context.Background(), podKind, "default", p, registry.CreateOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return obj.(*api.Pod)
}

// wait polls the pod until ok holds, failing with the last status seen.
func (e *env) wait(name string, within time.Duration, what string, ok func(*api.Pod) bool) *api.Pod {
	e.t.Helper()
	deadline := time.Now().Add(within)
	var last *api.Pod
	for time.Now().Before(deadline) {
		obj, err := e.reg.Get(context.Background(), podKind, "default", name)
		if err == nil {
			last = obj.(*api.Pod)
			if ok(last) {
				return last
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := api.Encode(last)
	e.t.Fatalf("pod %s: not %s within %s; last: %s", name, what, within, b)
	return nil
}

func ready(p *api.Pod) bool { return controllers.IsPodReady(p) }

func container(p *api.Pod, name string) api.ContainerStatus {
	for _, cs := range append(append([]api.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		if cs.Name == name {
			return cs
		}
	}
	return api.ContainerStatus{}
}

// get fetches a pod's HTTP answer from the host, through the pod network.
func get(t *testing.T, p *api.Pod, path string) string {
	t.Helper()
	addr := netip.AddrPortFrom(netip.MustParseAddr(p.Status.PodIP), 8080)
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://%s%s", addr, path))
	if err != nil {
		t.Fatalf("GET %s from pod %s: %v", path, p.Name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b))
}

const webPod = `
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: kubetwin.local/workload:v1
    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    resources: {limits: {cpu: 500m, memory: 64Mi}}
    readinessProbe:
      httpGet: {path: /readyz, port: 8080}
      periodSeconds: 1
`

func TestPodRunsAndBecomesReady(t *testing.T) {
	e := newEnv(t)
	e.create(webPod)
	p := e.wait("web", 20*time.Second, "Ready", ready)
	if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" || p.Status.StartTime == nil {
		t.Fatalf("status %+v", p.Status)
	}
	if got := get(t, p, "/"); got != "web" {
		t.Fatalf("the pod answers %q, want its name", got)
	}
	obj, err := e.reg.Get(context.Background(), nodeKind, "", nodeName)
	if err != nil {
		t.Fatal(err)
	}
	n := obj.(*api.Node)
	if cpu := n.Status.Allocatable[api.ResourceCPU]; cpu.Value() < 1 || n.Status.Conditions[len(n.Status.Conditions)-1].Status != api.ConditionTrue {
		t.Fatalf("node status %+v", n.Status)
	}
	if _, err := e.reg.Get(context.Background(), leaseKind, api.NamespaceNodeLease, nodeName); err != nil {
		t.Fatalf("the node's lease: %v", err)
	}
	for path, want := range map[string]string{"/healthz": "ok", "/pods": `"name":"web"`,
		"/metrics": `kubelet_pod_start_sli_duration_seconds_count{phase="running"} 1`} {
		if got := e.statusGet(path); !strings.Contains(got, want) {
			t.Errorf("status server %s: %q lacks %q", path, got, want)
		}
	}
	for _, reason := range []string{"Pulled", "Created", "Started"} {
		e.waitEvent("web", reason)
	}
	// The pod turns unready when its readiness endpoint fails.
	get(t, p, "/unready")
	e.wait("web", 10*time.Second, "unready", func(p *api.Pod) bool { return !ready(p) })
	if log := e.logs("web", "web", ""); !strings.Contains(log, "web serving on :8080") {
		t.Fatalf("log %q", log)
	}
}

// waitEvent waits for an event of reason about the pod.
func (e *env) waitEvent(pod, reason string) {
	e.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		evs, err := e.reg.List(context.Background(), mustKind("Event"), store.ListOptions{Namespace: "default"})
		if err != nil {
			e.t.Fatal(err)
		}
		for _, o := range evs.Items {
			if ev := o.(*api.Event); ev.Reason == reason && ev.InvolvedObject.Name == pod {
				return
			}
		}
	}
	e.t.Fatalf("no %s event for pod %s", reason, pod)
}

// statusGet reads one of the agent's status endpoints.
func (e *env) statusGet(path string) string {
	e.t.Helper()
	resp, err := http.Get(e.status.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// logs reads a container's log from the agent's status server.
func (e *env) logs(pod, container, query string) string {
	e.t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/containerLogs/default/%s/%s?%s", e.status.URL, pod, container, query))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("logs %s/%s: %d %s", pod, container, resp.StatusCode, b)
	}
	return string(b)
}

func TestCrashedContainerIsRestartedWithBackoff(t *testing.T) {
	e := newEnv(t)
	e.create(webPod)
	p := e.wait("web", 20*time.Second, "Ready", ready)
	get(t, p, "/exit?code=7")
	p = e.wait("web", 20*time.Second, "restarted", func(p *api.Pod) bool {
		cs := container(p, "web")
		return cs.RestartCount == 1 && cs.State.Running != nil && ready(p)
	})
	last := container(p, "web").LastState.Terminated
	if last == nil || last.ExitCode != 7 || last.Reason != "Error" {
		t.Fatalf("lastState %+v, want exit 7", last)
	}
	if log := e.logs("web", "web", "previous=true"); !strings.Contains(log, "exiting with code 7") {
		t.Fatalf("previous log %q", log)
	}
	// A second crash soon after waits out the back-off.
	get(t, p, "/exit?code=8")
	e.wait("web", 10*time.Second, "in CrashLoopBackOff", func(p *api.Pod) bool {
		w := container(p, "web").State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff" && strings.Contains(w.Message, "back-off 10s")
	})
}

const jobPod = `
apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  restartPolicy: Never
  initContainers:
  - name: setup
    image: kubetwin.local/workload:v1
    args: ["-exit-after", "100ms"]
  containers:
  - name: main
    image: kubetwin.local/workload:v1
    args: ["-exit-after", "100ms", "-exit-code", "3"]
`

func TestInitContainersThenFailureWithRestartNever(t *testing.T) {
	e := newEnv(t)
	e.create(jobPod)
	p := e.wait("job", 20*time.Second, "Failed", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
	setup, main := container(p, "setup"), container(p, "main")
	if setup.State.Terminated == nil || setup.State.Terminated.Reason != "Completed" {
		t.Fatalf("init container %+v", setup)
	}
	if main.State.Terminated == nil || main.State.Terminated.ExitCode != 3 || main.RestartCount != 0 {
		t.Fatalf("main container %+v", main)
	}
	if main.State.Terminated.StartedAt.Time.Before(setup.State.Terminated.FinishedAt.Time) {
		t.Fatalf("main started %v before setup finished %v", main.State.Terminated.StartedAt, setup.State.Terminated.FinishedAt)
	}
}

func TestStartFailuresGiveReasons(t *testing.T) {
	e := newEnv(t)
	e.create(`
apiVersion: v1
kind: Pod
metadata: {name: noimage}
spec:
  containers: [{name: c, image: kubetwin.local/missing:v1}]
`)
	e.create(`
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  containers: [{name: c, image: kubetwin.local/workload:v1, command: [/no/such/program]}]
`)
	p := e.wait("noimage", 10*time.Second, "waiting on its image", func(p *api.Pod) bool {
		w := container(p, "c").State.Waiting
		return w != nil && (w.Reason == "ErrImageNeverPull" || w.Reason == "ImagePullBackOff")
	})
	if msg := container(p, "c").State.Waiting.Message; !strings.Contains(msg, "kubetwin image load") {
		t.Fatalf("message %q", msg)
	}
	p = e.wait("nocmd", 10*time.Second, "failing to start", func(p *api.Pod) bool {
		cs := container(p, "c")
		return cs.LastState.Terminated != nil && cs.LastState.Terminated.Reason == "StartError"
	})
	if msg := container(p, "c").LastState.Terminated.Message; !strings.Contains(msg, "/no/such/program") {
		t.Fatalf("message %q", msg)
	}
	e.wait("nocmd", 15*time.Second, "in CrashLoopBackOff", func(p *api.Pod) bool {
		w := container(p, "c").State.Waiting
		return w != nil && w.Reason == "CrashLoopBackOff"
	})
}

func TestGracefulDeletion(t *testing.T) {
	e := newEnv(t)
	e.create(webPod)
	e.wait("web", 20*time.Second, "Ready", ready)
	grace := int64(30)
	opts := registry.DeleteOptions{}
	opts.GracePeriodSeconds = &grace
	start := time.Now()
	if _, _, err := e.reg.Delete(context.Background(), podKind, "default", "web", opts); err != nil {
		t.Fatal(err)
	}
	for time.Since(start) < 20*time.Second {
		_, err := e.reg.Get(context.Background(), podKind, "default", "web")
		if err != nil {
			if ids, _ := e.rt.List(context.Background()); len(ids) != 0 {
				t.Fatalf("containers left: %v", ids)
			}
			if uids, _ := e.net.Attached(); len(uids) != 0 {
				t.Fatalf("namespaces left: %v", uids)
			}
			return // the workload exits on SIGTERM, long before the grace period
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("pod not deleted within 20s")
}

func TestLivenessProbeFailureRestarts(t *testing.T) {
	e := newEnv(t)
	e.create(`
apiVersion: v1
kind: Pod
metadata: {name: sick}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: kubetwin.local/workload:v1
    livenessProbe:
      tcpSocket: {port: 9999}
      periodSeconds: 1
      failureThreshold: 2
`)
	e.wait("sick", 30*time.Second, "restarted by its liveness probe", func(p *api.Pod) bool {
		return container(p, "c").RestartCount >= 1
	})
}

func TestRestartedAgentAdoptsItsContainers(t *testing.T) {
	e := newEnv(t)
	e.create(webPod)
	p := e.wait("web", 20*time.Second, "Ready", ready)
	id := container(p, "web").ContainerID
	e.stop()
	e.start()
	time.Sleep(2 * time.Second) // a few syncs of the new agent
	p = e.wait("web", 10*time.Second, "Ready", ready)
	cs := container(p, "web")
	ids, _ := e.rt.List(context.Background())
	if cs.ContainerID != id || cs.RestartCount != 0 || len(ids) != 1 {
		t.Fatalf("after restart: container %s (was %s), restarts %d, containers %v", cs.ContainerID, id, cs.RestartCount, ids)
	}
	if got := get(t, p, "/"); got != "web" {
		t.Fatalf("the pod answers %q", got)
	}
	// The adopted pod's start was timed by the first run, not again.
	if m := e.statusGet("/metrics"); strings.Contains(m, `kubelet_pod_start_sli_duration_seconds_count{phase="running"}`) {
		t.Fatalf("the restarted agent timed an adopted pod's start:\n%s", m)
	}
}

// failingNetwork fails a number of attaches before it lets them through.
type failingNetwork struct {
	agent.Network
	mu    sync.Mutex
	fails int
}

func (f *failingNetwork) Attach(ctx context.Context, uid, name string) (string, netip.Addr, error) {
	f.mu.Lock()
	fail := f.fails > 0
	f.fails--
	f.mu.Unlock()
	if fail {
		return "", netip.Addr{}, errors.New("bridge is on fire")
	}
	return f.Network.Attach(ctx, uid, name)
}

func TestNetworkFailureIsReportedAndRetried(t *testing.T) {
	flaky := &failingNetwork{fails: 3}
	e := newEnv(t, func(e *env) { flaky.Network = e.net; e.net = flaky })
	e.create(webPod)
	p := e.wait("web", 10*time.Second, "reporting the failure", func(p *api.Pod) bool {
		return p.Status.Reason == "FailedCreatePodSandBox"
	})
	if !strings.Contains(p.Status.Message, "bridge is on fire") {
		t.Fatalf("message %q", p.Status.Message)
	}
	if p = e.wait("web", 20*time.Second, "Ready once the network works", ready); p.Status.Reason != "" {
		t.Fatalf("reason %q stays after the network recovered", p.Status.Reason)
	}
	e.waitEvent("web", "FailedCreatePodSandBox")
}
