package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/scenarios"
)

// Labels every simulated node carries, as a kubelet and a cloud provider set them.
const (
	LabelHostname = "kubernetes.io/hostname"
	LabelZone     = "topology.kubernetes.io/zone"
	LabelPool     = "kubetwin.io/pool"
)

// nodeState is what a simulated node is doing.
type nodeState int

const (
	nodeUp          nodeState = iota
	nodeDown                  // crashed: no lease, its pods stopped
	nodePartitioned           // cut off from the control plane: no lease, no watch, pods run on
)

// simNode is one simulated node: its Node and Lease, and the pods it runs.
type simNode struct {
	name, pool, zone string
	index            int
	state            nodeState
	slow             float64 // lifecycle multiplier; 1 when healthy
	reposting        bool    // a post of Ready is on its way (onNode)
	lease            *api.Lease
	renew            *timer
	pods             map[string]*simPod // by UID; lookups only, never ranged over for effects
	nextIP           int
}

// fleet is every simulated node, acting as their kubelets: it registers
// the nodes, renews their leases and runs the pods bound to them.
type fleet struct {
	eng        *Engine
	api        API
	sc         *scenarios.Scenario
	nodes      []*simNode // pool order, then index: the order of every sweep
	byName     map[string]*simNode
	pods       map[string]*simPod // by UID
	lifecycles map[string]*lifecycle
	r          *rand.Rand
	leaseEvery time.Duration
	// writeErrors counts failed status writes (a pod deleted meanwhile is not one).
	writeErrors int
	// finite counts pods with a run time that have not ended, so the run
	// does not end while they still run.
	finite int
	// podsOn is the shared pod cache, indexed by node.
	podsOn *cache.Cache
}

func newFleet(eng *Engine, api API, caches *cache.Set, sc *scenarios.Scenario) *fleet {
	f := &fleet{eng: eng, api: api, sc: sc, byName: map[string]*simNode{}, pods: map[string]*simPod{},
		r: eng.Rand("nodes"), leaseEvery: sc.Cluster.LeaseDuration / 4}
	f.lifecycles = resolveLifecycles(sc)
	for i, ref := range PoolNodes(sc.Cluster.Pools) {
		n := &simNode{name: ref.Name, pool: ref.Pool, zone: ref.Zone, index: i, slow: 1, pods: map[string]*simPod{}}
		f.nodes = append(f.nodes, n)
		f.byName[n.name] = n
	}
	f.podsOn = controllers.PodsByNode(caches)
	return f
}

// register creates every Node and Lease at the start of the run; leases
// are renewed from a random phase so the heartbeats spread out as real
// kubelets' do.
func (f *fleet) register(ctx context.Context) error {
	pools := map[string]scenarios.Pool{}
	for _, p := range f.sc.Cluster.Pools {
		pools[p.Name] = p
	}
	for _, n := range f.nodes {
		if _, err := f.api.Create(ctx, nodeKind, "", f.nodeObject(n, pools[n.pool]), registry.CreateOptions{}); err != nil {
			return fmt.Errorf("sim: register node %s: %w", n.name, err)
		}
		if err := f.createLease(ctx, n); err != nil {
			return err
		}
		n.renew = f.eng.AfterFunc(time.Duration(f.r.Int64N(int64(f.leaseEvery))+1), func() { f.renewLease(n) }).(*timer)
	}
	return nil
}

func (f *fleet) nodeObject(n *simNode, p scenarios.Pool) *api.Node {
	labels := map[string]string{LabelHostname: n.name, LabelPool: n.pool,
		"kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
	for k, v := range p.Labels {
		labels[k] = v
	}
	if n.zone != "" {
		labels[LabelZone] = n.zone
	}
	now := api.NewTime(f.eng.Now())
	return &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: api.CoreV1, Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: n.name, Labels: labels},
		Spec:       api.NodeSpec{Taints: append([]api.Taint(nil), p.Taints...)},
		Status: api.NodeStatus{Capacity: p.Capacity.DeepCopy(), Allocatable: p.Capacity.DeepCopy(),
			Phase:      "Running",
			Conditions: []api.NodeCondition{readyCondition(now)},
			Addresses:  []api.NodeAddress{{Type: api.NodeInternalIP, Address: hostIP(n.index)}, {Type: api.NodeHostName, Address: n.name}},
			NodeInfo: api.NodeSystemInfo{KubeletVersion: "v1.32.0-kubetwin-sim", OperatingSystem: "linux",
				Architecture: "amd64", ContainerRuntimeVersion: "sim://1", OSImage: "kubetwin simulated node"}},
	}
}

func readyCondition(now api.Time) api.NodeCondition {
	return api.NodeCondition{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady",
		Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now}
}

func (f *fleet) createLease(ctx context.Context, n *simNode) error {
	holder, secs, now := n.name, int32(f.sc.Cluster.LeaseDuration/time.Second), api.NewMicroTime(f.eng.Now())
	l := &api.Lease{TypeMeta: api.TypeMeta{APIVersion: api.CoordinationV1, Kind: "Lease"},
		ObjectMeta: api.ObjectMeta{Namespace: api.NamespaceNodeLease, Name: n.name},
		Spec:       api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &secs, AcquireTime: &now, RenewTime: &now}}
	out, err := f.api.Create(ctx, leaseKind, api.NamespaceNodeLease, l, registry.CreateOptions{})
	if err != nil {
		return fmt.Errorf("sim: node %s lease: %w", n.name, err)
	}
	n.lease = out.(*api.Lease)
	return nil
}

// renewLease is the heartbeat; the node is the lease's only writer, so it
// updates its own last copy without reading it first.
func (f *fleet) renewLease(n *simNode) {
	if n.state != nodeUp {
		return
	}
	next := n.lease.DeepCopy()
	now := api.NewMicroTime(f.eng.Now())
	next.Spec.RenewTime = &now
	out, err := f.api.Update(context.Background(), leaseKind, next, registry.UpdateOptions{})
	if err != nil {
		f.writeErrors++
	} else {
		n.lease = out.(*api.Lease)
	}
	n.renew.Reset(f.leaseEvery)
}

// markReady posts Ready=True again, as a kubelet does when it comes back,
// so the node lifecycle controller lifts its taints.
func (f *fleet) markReady(n *simNode) {
	ctx := context.Background()
	o, err := f.api.Get(ctx, nodeKind, "", n.name)
	if err != nil {
		f.writeErrors++
		return
	}
	node := o.(*api.Node).DeepCopy()
	now := api.NewTime(f.eng.Now())
	ready := readyCondition(now)
	for i, c := range node.Status.Conditions {
		if c.Type == api.NodeReady {
			if c.Status == api.ConditionTrue {
				ready.LastTransitionTime = c.LastTransitionTime
			}
			node.Status.Conditions[i] = ready
		}
	}
	if _, err := f.api.Update(ctx, nodeKind, node, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
		f.writeErrors++
	}
}

// hostIP is a node's made-up address, unique per node.
func hostIP(i int) string {
	return fmt.Sprintf("172.%d.%d.%d", 16+i>>16, (i>>8)&255, i&255)
}

// podIP is the next made-up pod address on node n.
func (n *simNode) podIP() string {
	n.nextIP++
	return fmt.Sprintf("10.%d.%d.%d", (n.index>>8)&255, n.index&255, 1+n.nextIP%254)
}
