package cluster_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/real/agent"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/containers"
)

var (
	nodeKind = api.MustLookupKind(api.CoreV1, "Node")
	podKind  = api.MustLookupKind(api.CoreV1, "Pod")
)

// faults drives one node of a cluster through partitions and crashes,
// through a record loaded as another process would load it.
type faults struct {
	*e2e
	c      *client.Client
	s      *cluster.State
	victim string
}

// TestRealClusterNodeConfigsAndNodeFaults brings up two nodes shaped as a
// node pool, checks the Nodes carry their configuration, then partitions
// and crashes the node that runs the pods and brings it back.
func TestRealClusterNodeConfigsAndNodeFaults(t *testing.T) {
	zone := "topology.kubernetes.io/zone"
	e := startClusterWith(t, cluster.Options{NodeGracePeriod: 4 * time.Second,
		Capacity: map[string]string{"cpu": "2", "memory": "4Gi", "pods": "30"},
		NodeConfigs: []cluster.NodeConfig{
			{Name: "general-0", Labels: map[string]string{zone: "zone-a", "pool": "general"},
				Taints: []string{"dedicated=infra:NoSchedule"}},
			{Name: "general-1", Labels: map[string]string{zone: "zone-b", "pool": "general"},
				Capacity: map[string]string{"cpu": "4", "memory": "8Gi", "pods": "20"}},
		}})
	c, err := client.FromKubeconfig(e.state.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	f := &faults{e2e: e, c: c, victim: "general-1"}
	f.checkNode("general-0", "zone-a", []api.Taint{{Key: "dedicated", Value: "infra", Effect: api.TaintEffectNoSchedule}},
		map[string]string{"cpu": "2", "memory": "4Gi", "pods": "30"})
	f.checkNode("general-1", "zone-b", nil, map[string]string{"cpu": "4", "memory": "8Gi", "pods": "20"})
	if f.s, err = cluster.Load(e.state.Dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kept", "graceful", "forced"} {
		f.createPod(name, zone, "zone-b")
	}
	uids := map[string]string{}
	for _, name := range []string{"kept", "graceful", "forced"} {
		uids[name] = f.waitRunning(name, 0).UID
	}
	f.partition(uids["kept"])
	f.crash(uids)
}

// checkNode reads a Node through the API and compares what the cluster
// was told to give it.
func (f *faults) checkNode(name, zone string, taints []api.Taint, capacity map[string]string) {
	f.t.Helper()
	n := f.node(name)
	if n.Labels["topology.kubernetes.io/zone"] != zone || n.Labels["pool"] != "general" {
		f.t.Errorf("node %s labels %v, want zone %s and pool general", name, n.Labels, zone)
	}
	// The node lifecycle controller's own (not-ready while a node starts) aside.
	own := slices.DeleteFunc(slices.Clone(n.Spec.Taints), func(t api.Taint) bool {
		return strings.HasPrefix(t.Key, "node.kubernetes.io/")
	})
	if !slices.Equal(own, taints) {
		f.t.Errorf("node %s taints %v, want %v", name, n.Spec.Taints, taints)
	}
	for res, want := range capacity {
		if got := n.Status.Capacity[api.ResourceName(res)]; !got.Equal(resource.MustParse(want)) {
			f.t.Errorf("node %s capacity %s = %s, want %s", name, res, got.String(), want)
		}
	}
}

func (f *faults) node(name string) *api.Node {
	f.t.Helper()
	obj, err := f.c.Get(context.Background(), nodeKind, "", name)
	if err != nil {
		f.t.Fatalf("node %s: %v", name, err)
	}
	return obj.(*api.Node)
}

// ready is the status of a Node's Ready condition.
func (f *faults) ready(name string) api.ConditionStatus {
	for _, c := range f.node(name).Status.Conditions {
		if c.Type == api.NodeReady {
			return c.Status
		}
	}
	return ""
}

// createPod makes a bare pod of the workload that the scheduler must
// place by its nodeSelector.
func (f *faults) createPod(name, key, value string) {
	f.t.Helper()
	grace := int64(1)
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PodSpec{NodeSelector: map[string]string{key: value}, TerminationGracePeriodSeconds: &grace,
			Containers: []api.Container{{Name: "web", Image: "kubetwin.local/workload:v1"}}}}
	if _, err := f.c.Create(context.Background(), podKind, "default", p, registry.CreateOptions{}); err != nil {
		f.t.Fatalf("create pod %s: %v", name, err)
	}
}

// waitRunning waits until the pod runs on the victim with at least
// restarts restarts, and its task runs in containerd.
func (f *faults) waitRunning(name string, restarts int32) *api.Pod {
	f.t.Helper()
	var p *api.Pod
	f.eventually(40*time.Second, "pod "+name+" running on "+f.victim, func() error {
		obj, err := f.c.Get(context.Background(), podKind, "default", name)
		if err != nil {
			return err
		}
		p = obj.(*api.Pod)
		if p.Spec.NodeName != f.victim || !podRunning(p) || p.Status.ContainerStatuses[0].RestartCount < restarts {
			return fmt.Errorf("on %q, phase %s, statuses %+v", p.Spec.NodeName, p.Status.Phase, p.Status.ContainerStatuses)
		}
		if !f.tasks()[p.UID] {
			return fmt.Errorf("its task does not run in containerd")
		}
		return nil
	})
	return p
}

// tasks reads the victim's containerd namespace: for each pod UID with a
// container there, whether one of its tasks runs.
func (f *faults) tasks() map[string]bool {
	f.t.Helper()
	var ns string
	for _, n := range f.state.Nodes {
		if n.Name == f.victim {
			ns = n.Namespace
		}
	}
	rt, err := containers.Connect(f.state.ContainerdSocket, ns)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rt.Close()
	ctx := context.Background()
	ids, err := rt.List(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		st, err := rt.Status(ctx, id)
		if err != nil {
			f.t.Fatal(err)
		}
		uid := st.Labels[agent.LabelPodUID]
		out[uid] = out[uid] || st.Running
	}
	return out
}

// partition stops the victim's agent alone: its pods keep running, and
// the agent comes back once and only once.
func (f *faults) partition(kept string) {
	f.t.Helper()
	ctx := context.Background()
	pid := f.s.Nodes[1].PID
	if err := f.s.StopNode(ctx, f.victim, false); err != nil {
		f.t.Fatal(err)
	}
	f.checkRecordedPID(0)
	if !processGone(pid) {
		f.t.Fatalf("the agent %d still runs after StopNode", pid)
	}
	time.Sleep(time.Second) // the task would be seen gone by now
	if !f.tasks()[kept] {
		f.t.Fatal("a partition stopped the pod's task")
	}
	if err := f.s.StartNode(ctx, f.victim); err != nil {
		f.t.Fatal(err)
	}
	f.checkRecordedPID(f.s.Nodes[1].PID)
	if err := f.s.StartNode(ctx, f.victim); err == nil || !strings.Contains(err.Error(), "still runs") {
		f.t.Fatalf("StartNode of a running node: %v", err)
	}
	// Serving status means it has imported its images, so the crash that
	// follows does not cut an import short.
	addr := fmt.Sprintf("127.0.0.1:%d", f.s.Nodes[1].StatusPort)
	f.eventually(30*time.Second, "the restarted agent serving", func() error {
		_, err := httpGet(addr, "/healthz")
		return err
	})
	if !f.tasks()[kept] {
		f.t.Fatal("the restarted agent stopped the adopted pod's task")
	}
}

// crash stops the victim as a power loss: its tasks die and the Node goes
// NotReady; of the pods, one is deleted gracefully and one at once while
// it is down. Back up, it runs the kept pod again and removes the others.
func (f *faults) crash(uids map[string]string) {
	f.t.Helper()
	ctx := context.Background()
	if err := f.s.StopNode(ctx, f.victim, true); err != nil {
		f.t.Fatal(err)
	}
	if running := f.tasks(); running[uids["kept"]] || running[uids["graceful"]] || running[uids["forced"]] {
		f.t.Fatalf("tasks still run after a crash: %v", running)
	}
	f.eventually(20*time.Second, "the crashed node NotReady", func() error {
		if st := f.ready(f.victim); st == api.ConditionTrue {
			return fmt.Errorf("Ready is %s", st)
		}
		return nil
	})
	f.deletePod("graceful", nil)
	zero := int64(0)
	f.deletePod("forced", &zero)
	if err := f.s.StartNode(ctx, f.victim); err != nil {
		f.t.Fatal(err)
	}
	f.eventually(20*time.Second, "the restarted node Ready", func() error {
		if st := f.ready(f.victim); st != api.ConditionTrue {
			return fmt.Errorf("Ready is %q", st)
		}
		return nil
	})
	f.waitRunning("kept", 1)
	f.eventually(30*time.Second, "the deleted pods gone with their containers", func() error {
		if _, err := f.c.Get(ctx, podKind, "default", "graceful"); err == nil {
			return fmt.Errorf("pod graceful is still in the API")
		}
		left := f.tasks()
		if _, ok := left[uids["graceful"]]; ok {
			return fmt.Errorf("containers of pod graceful left: %v", left)
		}
		if _, ok := left[uids["forced"]]; ok {
			return fmt.Errorf("containers of pod forced left: %v", left)
		}
		return nil
	})
}

func (f *faults) deletePod(name string, grace *int64) {
	f.t.Helper()
	opts := registry.DeleteOptions{}
	opts.GracePeriodSeconds = grace
	if _, _, err := f.c.Delete(context.Background(), podKind, "default", name, opts); err != nil {
		f.t.Fatalf("delete pod %s: %v", name, err)
	}
}

// checkRecordedPID reads the record again, as Down would, and finds pid
// for the victim.
func (f *faults) checkRecordedPID(pid int) {
	f.t.Helper()
	s, err := cluster.Load(f.state.Dir)
	if err != nil {
		f.t.Fatal(err)
	}
	if got := s.Nodes[1].PID; got != pid || s.Nodes[1].Name != f.victim || len(s.Nodes[1].Args) == 0 {
		f.t.Fatalf("record of %s: pid %d (want %d), args %q", s.Nodes[1].Name, got, pid, s.Nodes[1].Args)
	}
}

// processGone reports whether pid has exited (a zombie counts: the
// process that started it may not have reaped it yet).
func processGone(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || strings.Contains(string(stat), ") Z ")
}
