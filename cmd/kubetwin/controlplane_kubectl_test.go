package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// fakeKubelets play the node agents the tests have no real ones for: they
// register nodes, renew their leases, report bound pods Running and Ready,
// and finish the deletion of pods marked for it.
type fakeKubelets struct {
	t     *testing.T
	reg   *registry.Registry
	nodes []string
	stop  context.CancelFunc
	done  sync.WaitGroup
}

// kubeletPeriod is how often the fake agents act; well under the 40 s lease grace.
const kubeletPeriod = 100 * time.Millisecond

func startFakeKubelets(t *testing.T, reg *registry.Registry, nodes ...string) *fakeKubelets {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	k := &fakeKubelets{t: t, reg: reg, nodes: nodes, stop: cancel}
	for _, n := range nodes {
		k.register(ctx, n)
	}
	k.done.Add(1)
	go func() {
		defer k.done.Done()
		tick := time.NewTicker(kubeletPeriod)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				k.step(ctx)
			}
		}
	}()
	t.Cleanup(func() { cancel(); k.done.Wait() })
	return k
}

func (k *fakeKubelets) register(ctx context.Context, name string) {
	k.t.Helper()
	node := fixtures.MakeNode().Name(name).CPU("4").Memory("8Gi").Obj()
	node.Status.Capacity[api.ResourcePods] = resource.MustParse("110")
	node.Status.Allocatable[api.ResourcePods] = resource.MustParse("110")
	obj, err := k.reg.Create(ctx, kindOf(k.t, "v1", "Node"), "", node, registry.CreateOptions{})
	if err != nil {
		k.t.Fatalf("register node %s: %v", name, err)
	}
	n := obj.(*api.Node).DeepCopy()
	n.Status = node.Status
	n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady"}}
	if _, err := k.reg.Update(ctx, kindOf(k.t, "v1", "Node"), n, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
		k.t.Fatalf("node %s status: %v", name, err)
	}
}

// step renews the leases and moves the pods on; errors are retried next step.
func (k *fakeKubelets) step(ctx context.Context) {
	leaseKind := kindOf(k.t, "coordination.k8s.io/v1", "Lease")
	now := api.NewMicroTime(time.Now())
	for _, n := range k.nodes {
		obj, err := k.reg.Get(ctx, leaseKind, api.NamespaceNodeLease, n)
		if registry.IsNotFound(err) {
			l := fixtures.MakeLease(n, 40)
			l.Spec.RenewTime = &now
			_, _ = k.reg.Create(ctx, leaseKind, api.NamespaceNodeLease, l, registry.CreateOptions{})
			continue
		}
		if err == nil {
			l := obj.(*api.Lease).DeepCopy()
			l.Spec.RenewTime = &now
			_, _ = k.reg.Update(ctx, leaseKind, l, registry.UpdateOptions{})
		}
	}
	podKind := kindOf(k.t, "v1", "Pod")
	res, err := k.reg.List(ctx, podKind, store.ListOptions{})
	if err != nil {
		return
	}
	for _, o := range res.Items {
		k.movePod(ctx, podKind, o.(*api.Pod))
	}
}

func (k *fakeKubelets) movePod(ctx context.Context, podKind *api.Kind, p *api.Pod) {
	if p.Spec.NodeName == "" {
		return
	}
	if p.DeletionTimestamp != nil {
		zero := int64(0)
		_, _, _ = k.reg.Delete(ctx, podKind, p.Namespace, p.Name, registry.DeleteOptions{
			DeleteOptions: store.DeleteOptions{UID: p.UID, GracePeriodSeconds: &zero}})
		return
	}
	if p.Status.Phase == api.PodRunning {
		return
	}
	next := p.DeepCopy()
	now := api.NewTime(time.Now())
	next.Status.Phase, next.Status.PodIP, next.Status.StartTime = api.PodRunning, "10.244.0.10", &now
	for _, c := range []api.PodConditionType{api.PodReady, api.ContainersReady, api.PodInitialized} {
		next.Status.Conditions = append(next.Status.Conditions,
			api.PodCondition{Type: c, Status: api.ConditionTrue, LastTransitionTime: now})
	}
	_, _ = k.reg.Update(ctx, podKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
}

func kindOf(t *testing.T, apiVersion, kind string) *api.Kind {
	t.Helper()
	k, err := api.LookupKind(apiVersion, kind)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// eventually reruns kubectl until its output has every wanted string, for
// state the control plane reaches asynchronously.
func eventually(t *testing.T, kc string, limit time.Duration, args []string, want ...string) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out := runKubectlQuiet(t, kc, args)
		missing := ""
		for _, w := range want {
			if !strings.Contains(out, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("kubectl %v: no %q after %v:\n%s", args, missing, limit, out)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// runKubectlQuiet runs kubectl and returns its output even on failure.
func runKubectlQuiet(t *testing.T, kubeconfig string, args []string) string {
	t.Helper()
	return runKubectlQuietStdin(t, kubeconfig, "", args)
}

// TestControlPlaneWithKubectl checks that the scheduler and controllers in
// kubetwin server make kubectl's workflows behave as on Kubernetes.
func TestControlPlaneWithKubectl(t *testing.T) {
	var errs lockedBuffer
	s := startTestServerWith(t, serverOptions{dataDir: t.TempDir(), logTo: &errs})
	defer func() {
		stopTestServer(t, s)
		if errs.String() != "" {
			t.Errorf("the control plane reported errors:\n%s", errs.String())
		}
	}()
	startFakeKubelets(t, s.reg, "node-a", "node-b")
	kc := s.Kubeconfig

	t.Run("rollout", func(t *testing.T) { checkRollout(t, kc) })
	t.Run("cascade", func(t *testing.T) { checkCascade(t, kc, s.reg) })
	t.Run("unschedulable", func(t *testing.T) { checkUnschedulable(t, kc) })
	t.Run("apply-conflict", func(t *testing.T) { checkApplyConflict(t, kc) })
	t.Run("watch", func(t *testing.T) { checkWatch(t, kc) })
	t.Run("metrics", func(t *testing.T) {
		runKubectl(t, kc, "", []string{"get", "--raw", "/metrics"}, `apiserver_request_total{code="201"`,
			`workqueue_adds_total{name="replicaset"}`, `scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"}`,
			`apiserver_storage_objects{resource="deployments.apps"}`)
	})
}

// lockedBuffer collects what the control plane logs from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func checkRollout(t *testing.T, kc string) {
	runKubectl(t, kc, "", []string{"create", "deployment", "web", "--image=nginx:1.27", "--replicas=3"},
		"deployment.apps/web created")
	rolloutStatus(t, kc, "web")
	runKubectl(t, kc, "", []string{"scale", "deployment", "web", "--replicas=5"}, "deployment.apps/web scaled")
	rolloutStatus(t, kc, "web")
	if out := runKubectl(t, kc, "", []string{"get", "pods", "-l", "app=web", "-o", "name"}); strings.Count(out, "pod/") != 5 {
		t.Fatalf("after scaling to 5:\n%s", out)
	}
	runKubectl(t, kc, "", []string{"get", "pods", "-o", "wide"}, "Running", "node-a", "node-b")
	runKubectl(t, kc, "", []string{"set", "image", "deployment/web", "nginx=nginx:1.28"}, "image updated")
	rolloutStatus(t, kc, "web")
	runKubectl(t, kc, "", []string{"rollout", "history", "deployment/web"}, "REVISION", "1 ", "2 ")
	runKubectl(t, kc, "", []string{"rollout", "undo", "deployment/web"}, "rolled back")
	rolloutStatus(t, kc, "web")
	runKubectl(t, kc, "", []string{"get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"},
		"nginx:1.27")
	runKubectl(t, kc, "", []string{"get", "deployment", "web"}, "5/5")
	runKubectl(t, kc, "", []string{"describe", "deployment", "web"}, "ScalingReplicaSet", "Replicas:")
	runKubectl(t, kc, "", []string{"get", "events"}, "Scheduled", "Successfully assigned default/web-")
}

func rolloutStatus(t *testing.T, kc, name string) {
	t.Helper()
	runKubectl(t, kc, "", []string{"rollout", "status", "deployment/" + name, "--timeout=18s"}, "successfully rolled out")
}

func checkCascade(t *testing.T, kc string, reg *registry.Registry) {
	for _, name := range []string{"bg", "orphan", "fg"} {
		runKubectl(t, kc, "", []string{"create", "deployment", name, "--image=nginx", "--replicas=2"})
		rolloutStatus(t, kc, name)
	}
	runKubectl(t, kc, "", []string{"delete", "deployment", "bg"}, `deployment.apps "bg" deleted`)
	eventually(t, kc, 30*time.Second, []string{"get", "rs,pods", "-l", "app=bg"}, "No resources found")

	runKubectl(t, kc, "", []string{"delete", "deployment", "orphan", "--cascade=orphan"}, `deployment.apps "orphan" deleted`)
	eventually(t, kc, 30*time.Second, []string{"get", "rs", "-l", "app=orphan", "-o",
		"jsonpath={range .items[*]}{.metadata.name} owners=[{.metadata.ownerReferences}]{end}"}, "owners=[]")
	if out := runKubectl(t, kc, "", []string{"get", "pods", "-l", "app=orphan", "-o", "name"}); strings.Count(out, "pod/") != 2 {
		t.Fatalf("orphaned pods should stay:\n%s", out)
	}

	gone := recordRemovals(t, reg, "app=fg", kindOf(t, "apps/v1", "Deployment"),
		kindOf(t, "apps/v1", "ReplicaSet"), kindOf(t, "v1", "Pod"))
	runKubectl(t, kc, "", []string{"delete", "deployment", "fg", "--cascade=foreground"}, `deployment.apps "fg" deleted`)
	eventually(t, kc, 30*time.Second, []string{"get", "deploy,rs,pods", "-l", "app=fg"}, "No resources found")
	gone.lastIs(t, "Deployment/fg", 4, 5*time.Second) // after its ReplicaSet and 2 pods
}

const hugePod = `apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers:
  - name: c
    image: busybox
    resources: {requests: {cpu: "64"}}
`

func checkUnschedulable(t *testing.T, kc string) {
	runKubectl(t, kc, hugePod, []string{"create", "-f", "-"}, "pod/huge created")
	eventually(t, kc, 30*time.Second, []string{"describe", "pod", "huge"},
		"FailedScheduling", "0/2 nodes are available: 2 Insufficient cpu.", "PodScheduled", "False")
}

const conflictManifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: owned}
spec:
  replicas: REPLICAS
  selector: {matchLabels: {app: owned}}
  template:
    metadata: {labels: {app: owned}}
    spec: {containers: [{name: c, image: busybox}]}
`

// checkApplyConflict: a second field manager changing what the first
// applied is refused with kubectl's conflict report, until it forces.
func checkApplyConflict(t *testing.T, kc string) {
	manifest := func(n string) string { return strings.ReplaceAll(conflictManifest, "REPLICAS", n) }
	runKubectl(t, kc, manifest("1"), []string{"apply", "--server-side", "-f", "-"}, "serverside-applied")
	out := runKubectlQuietStdin(t, kc, manifest("2"), []string{"apply", "--server-side", "--field-manager=ci", "-f", "-"})
	for _, w := range []string{"(exit:", "Apply failed with 1 conflict", `conflict with "kubectl"`, ".spec.replicas", "--force-conflicts"} {
		if !strings.Contains(out, w) {
			t.Fatalf("conflicting apply lacks %q:\n%s", w, out)
		}
	}
	runKubectl(t, kc, manifest("2"), []string{"apply", "--server-side", "--field-manager=ci", "--force-conflicts", "-f", "-"},
		"serverside-applied")
	runKubectl(t, kc, "", []string{"get", "deployment", "owned", "-o", "jsonpath={.spec.replicas}"}, "2")
}

// runKubectlQuietStdin is runKubectlQuiet with input.
func runKubectlQuietStdin(t *testing.T, kubeconfig, stdin string, args []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := kubectlCommand(ctx, t, kubeconfig, args)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s\n(exit: %v)", out, err)
	}
	return string(out)
}

// syncBuffer is an output buffer safe to read while kubectl writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkWatch runs kubectl get -w for a bounded time and sees a pod created
// meanwhile appear, then become Running on its node.
func checkWatch(t *testing.T, kc string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out syncBuffer
	cmd := kubectlCommand(ctx, t, kc, []string{"get", "pods", "-l", "app=watched", "-w"})
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	time.Sleep(time.Second) // let the watch open before the pod exists
	runKubectl(t, kc, "", []string{"run", "watched-pod", "--image=busybox", "--labels=app=watched"}, "pod/watched-pod created")
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(out.String(), "Running") {
		if time.Now().After(deadline) {
			t.Fatalf("kubectl get -w showed no Running pod in 20s:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := out.String(); !strings.Contains(got, "watched-pod") || !strings.Contains(got, "Pending") {
		t.Fatalf("kubectl get -w output lacks the pod's Pending then Running lines:\n%s", got)
	}
}
