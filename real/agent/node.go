package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// Version is what the node reports as its kubelet version.
const Version = "v1.32.0-kubetwin"

// register creates the Node, or brings an existing one's status, labels
// and taints up to date (an agent restarted, or a node re-added).
func (a *Agent) register(ctx context.Context) error {
	want, err := a.nodeObject()
	if err != nil {
		return err
	}
	_, err = a.cfg.Client.Create(ctx, nodeKind, "", want, registry.CreateOptions{})
	if err == nil {
		return nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return fmt.Errorf("register node %s: %w", a.cfg.NodeName, err)
	}
	return a.reregister(ctx, want)
}

// reregister updates an existing Node to want: labels and taints merged
// in, status replaced. The Lease is renewed before Ready is posted: left
// stale by the agent's downtime, it would have the node lifecycle
// controller turn the fresh Ready back to Unknown, until the next status
// refresh (up to nodeStatusEvery later) set it again.
func (a *Agent) reregister(ctx context.Context, want *api.Node) error {
	obj, err := a.cfg.Client.Get(ctx, nodeKind, "", a.cfg.NodeName)
	if err != nil {
		return fmt.Errorf("register node %s: %w", a.cfg.NodeName, err)
	}
	n := obj.DeepCopyObject().(*api.Node)
	for k, v := range want.Labels {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[k] = v
	}
	if n.Spec.PodCIDR == "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = want.Spec.PodCIDR, want.Spec.PodCIDRs
	}
	n.Spec.Taints = append(n.Spec.Taints, missingTaints(n.Spec.Taints, want.Spec.Taints)...)
	if n, err = a.updateNode(ctx, n, ""); err != nil {
		return fmt.Errorf("register node %s: %w", a.cfg.NodeName, err)
	}
	if err := a.renewLease(ctx); err != nil {
		a.cfg.Logf("renew lease at registration: %v", err) // keepLease retries
	}
	n.Status = want.Status
	if _, err := a.updateNode(ctx, n, registry.SubresourceStatus); err != nil {
		return fmt.Errorf("register node %s status: %w", a.cfg.NodeName, err)
	}
	return nil
}

func (a *Agent) updateNode(ctx context.Context, n *api.Node, sub string) (*api.Node, error) {
	obj, err := a.cfg.Client.Update(ctx, nodeKind, n, registry.UpdateOptions{Subresource: sub})
	if err != nil {
		return nil, err
	}
	return obj.DeepCopyObject().(*api.Node), nil
}

// nodeObject is the Node as this agent describes it.
func (a *Agent) nodeObject() (*api.Node, error) {
	capacity, err := a.capacity()
	if err != nil {
		return nil, err
	}
	labels := map[string]string{"kubernetes.io/hostname": a.cfg.NodeName,
		"kubernetes.io/os": "linux", "kubernetes.io/arch": runtime.GOARCH}
	for k, v := range a.cfg.Labels {
		labels[k] = v
	}
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: a.cfg.NodeName, Labels: labels},
		Spec: api.NodeSpec{Taints: a.cfg.Taints}}
	if a.cfg.PodCIDR != "" {
		n.Spec.PodCIDR, n.Spec.PodCIDRs = a.cfg.PodCIDR, []string{a.cfg.PodCIDR}
	}
	n.Status = api.NodeStatus{Capacity: capacity, Allocatable: capacity,
		Conditions: a.nodeConditions(), Addresses: []api.NodeAddress{
			{Type: api.NodeInternalIP, Address: a.cfg.Address}, {Type: api.NodeHostName, Address: a.cfg.NodeName}},
		DaemonEndpoints: api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: a.cfg.StatusPort}},
		NodeInfo: api.NodeSystemInfo{KernelVersion: kernelVersion(), OSImage: "kubetwin real node",
			ContainerRuntimeVersion: "containerd", KubeletVersion: Version, KubeProxyVersion: Version,
			OperatingSystem: "linux", Architecture: runtime.GOARCH, BootID: bootID()}}
	return n, nil
}

// nodeConditions says the node is ready and under no pressure, with now
// as the heartbeat.
func (a *Agent) nodeConditions() []api.NodeCondition {
	now := api.NewTime(a.cfg.Clock.Now())
	cond := func(t api.NodeConditionType, s api.ConditionStatus, reason, msg string) api.NodeCondition {
		return api.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg,
			LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []api.NodeCondition{
		cond(api.NodeMemoryPressure, api.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(api.NodeDiskPressure, api.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(api.NodePIDPressure, api.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(api.NodeReady, api.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
	}
}

// capacity is the configured capacity over the machine's.
func (a *Agent) capacity() (api.ResourceList, error) {
	mem, err := memTotal()
	if err != nil {
		return nil, err
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(a.cfg.DataDir, &fs); err != nil {
		return nil, fmt.Errorf("node capacity: %w", err)
	}
	c := api.ResourceList{
		api.ResourceCPU:              resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		api.ResourceMemory:           resource.NewQuantity(mem, resource.BinarySI),
		api.ResourcePods:             resource.NewQuantity(DefaultMaxPods, resource.DecimalSI),
		api.ResourceEphemeralStorage: resource.NewQuantity(int64(fs.Blocks)*fs.Bsize, resource.BinarySI),
	}
	for k, v := range a.cfg.Capacity {
		c[k] = v
	}
	return c, nil
}

// memTotal reads the machine's memory from /proc/meminfo.
func memTotal() (int64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("node memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 2 && fs[0] == "MemTotal:" {
			kib, err := strconv.ParseInt(fs[1], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("node memory: %w", err)
			}
			return kib << 10, nil
		}
	}
	return 0, errors.New("node memory: no MemTotal in /proc/meminfo")
}

func kernelVersion() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return ""
	}
	b := make([]byte, 0, len(u.Release))
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func bootID() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
}

// keepLease renews the node's Lease every quarter of its duration, as the
// kubelet does, until ctx ends.
func (a *Agent) keepLease(ctx context.Context) {
	every := a.cfg.LeaseDuration / 4
	for {
		if err := a.renewLease(ctx); err != nil && ctx.Err() == nil {
			a.cfg.Logf("renew lease: %v", err)
			every = time.Second // retry soon: the lease may be about to run out
		} else {
			every = a.cfg.LeaseDuration / 4
		}
		if !sleep(ctx, a.cfg.Clock, every) {
			return
		}
	}
}

func (a *Agent) renewLease(ctx context.Context) error {
	now := api.NewMicroTime(a.cfg.Clock.Now())
	obj, err := a.cfg.Client.Get(ctx, leaseKind, api.NamespaceNodeLease, a.cfg.NodeName)
	if errors.Is(err, store.ErrNotFound) {
		return a.createLease(ctx, now)
	}
	if err != nil {
		return err
	}
	l := obj.DeepCopyObject().(*api.Lease)
	l.Spec.RenewTime = &now
	_, err = a.cfg.Client.Update(ctx, leaseKind, l, registry.UpdateOptions{})
	return err
}

func (a *Agent) createLease(ctx context.Context, now api.MicroTime) error {
	holder, secs := a.cfg.NodeName, int32(a.cfg.LeaseDuration/time.Second)
	l := &api.Lease{ObjectMeta: api.ObjectMeta{Name: a.cfg.NodeName, Namespace: api.NamespaceNodeLease},
		Spec: api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, RenewTime: &now}}
	if obj, err := a.cfg.Client.Get(ctx, nodeKind, "", a.cfg.NodeName); err == nil {
		n := obj.(*api.Node)
		l.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: n.Name, UID: n.UID}}
	}
	_, err := a.cfg.Client.Create(ctx, leaseKind, api.NamespaceNodeLease, l, registry.CreateOptions{})
	return err
}

// keepNodeStatus puts the node's Ready condition back when the node
// lifecycle controller has marked it Unknown (the agent was stopped, or
// cut off), and refreshes the heartbeats.
func (a *Agent) keepNodeStatus(ctx context.Context) {
	for sleep(ctx, a.cfg.Clock, nodeStatusEvery) {
		if err := a.refreshNodeStatus(ctx); err != nil && ctx.Err() == nil {
			a.cfg.Logf("node status: %v", err)
		}
	}
}

func (a *Agent) refreshNodeStatus(ctx context.Context) error {
	obj, err := a.cfg.Client.Get(ctx, nodeKind, "", a.cfg.NodeName)
	if errors.Is(err, store.ErrNotFound) {
		return a.register(ctx) // deleted by someone: come back, as the kubelet does
	}
	if err != nil {
		return err
	}
	n := obj.DeepCopyObject().(*api.Node)
	fresh := a.nodeConditions()
	for i := range fresh {
		for _, old := range n.Status.Conditions {
			if old.Type == fresh[i].Type && old.Status == fresh[i].Status {
				fresh[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	n.Status.Conditions = fresh
	_, err = a.updateNode(ctx, n, registry.SubresourceStatus)
	return err
}

// sleep waits d on clk; false when ctx ended first.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}
