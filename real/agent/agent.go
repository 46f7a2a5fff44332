// Package agent is kubetwin's node agent (its kubelet): it registers a
// Node, renews its Lease, and runs the pods bound to it through containerd
// in network namespaces of their own, writing their status back to the
// API server. Each pod has one worker goroutine that reconciles it
// level-based: on every change, container exit or resync tick it reads
// the pod, looks at its containers and takes the next step.
package agent

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/containers"
)

// Client is the API the agent reads and writes through: a REST client on a
// real node, the in-process registry in tests.
type Client interface {
	cache.Source
	Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts registry.CreateOptions) (api.Object, error)
	Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error)
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error)
}

// Runtime runs containers: *containers.Runtime.
type Runtime interface {
	Start(ctx context.Context, s containers.Spec) error
	Status(ctx context.Context, id string) (containers.State, error)
	Stop(ctx context.Context, id string, grace time.Duration) error
	Remove(ctx context.Context, id string) error
	List(ctx context.Context) ([]string, error)
	Exits(ctx context.Context) <-chan string
	Exec(ctx context.Context, id string, argv []string) (int, string, error)
}

// Network gives each pod a network namespace with an address.
type Network interface {
	// Attach creates (or finds again, after a restart) the pod's network
	// namespace and address.
	Attach(ctx context.Context, podUID, name string) (netnsPath string, ip netip.Addr, err error)
	// Detach removes them; detaching what is gone is no error.
	Detach(podUID string) error
	// Attached lists the pod UIDs that have a namespace, for cleaning up
	// after a restart.
	Attached() ([]string, error)
}

// Config is one agent's node and what it runs on.
type Config struct {
	NodeName string
	Client   Client
	Runtime  Runtime
	Network  Network
	Clock    clock.Clock
	// DataDir holds container logs and pod volumes.
	DataDir string
	// Capacity overrides the machine's (cpu, memory, pods, ephemeral-storage).
	Capacity      api.ResourceList
	Labels        map[string]string
	Taints        []api.Taint
	PodCIDR       string
	Address       string // InternalIP; default 127.0.0.1
	StatusPort    int32  // the status server's port, advertised for logs
	LeaseDuration time.Duration
	// Resync is how often every pod is looked at even without news.
	Resync  time.Duration
	Metrics prometheus.Registerer
	// Logf hears of failures that have no pod to report them on.
	Logf func(format string, args ...any)
}

// Defaults as the kubelet's.
const (
	DefaultLeaseDuration = 40 * time.Second
	DefaultResync        = time.Second
	DefaultMaxPods       = 110
	// nodeStatusEvery is how often the Node's status is looked at and
	// refreshed if the node lifecycle controller marked it Unknown.
	nodeStatusEvery = 10 * time.Second
)

// Component is the agent's name in events, as the kubelet's.
const Component = "kubelet"

// Agent runs one node's pods.
type Agent struct {
	cfg    Config
	pods   *cache.Cache
	events events.Recorder
	sink   *events.Sink
	m      *metrics

	mu      sync.Mutex
	workers map[string]*worker // by pod UID
	byID    map[string]string  // container ID → pod UID, for exit events
	wg      sync.WaitGroup
	// adopted holds what a previous run left running, by pod UID and
	// container name, until each pod's worker takes it.
	adopted map[string]map[string][]found
}

// New checks cfg and prepares an agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	if cfg.NodeName == "" || cfg.Client == nil || cfg.Runtime == nil || cfg.Network == nil || cfg.DataDir == "" {
		return nil, errors.New("agent: NodeName, Client, Runtime, Network and DataDir are required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1"
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.Resync <= 0 {
		cfg.Resync = DefaultResync
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	a := &Agent{cfg: cfg, workers: map[string]*worker{}, byID: map[string]string{}, m: newMetrics(cfg.Metrics)}
	a.pods = cache.New(nodePods{src: cfg.Client, node: cfg.NodeName}, podKind)
	a.sink = events.NewSink(cfg.Client, cfg.Clock, events.Options{Host: cfg.NodeName, Buffer: 256})
	a.events = a.sink.Recorder(Component)
	return a, nil
}

// nodePods narrows the pod source to the pods bound to one node, as the
// kubelet's spec.nodeName field selector does.
type nodePods struct {
	src  cache.Source
	node string
}

func (n nodePods) List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error) {
	opts.Fields = fields.OneTermEqualSelector("spec.nodeName", n.node)
	return n.src.List(ctx, kind, opts)
}

func (n nodePods) Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error) {
	opts.Fields = fields.OneTermEqualSelector("spec.nodeName", n.node)
	return n.src.Watch(ctx, kind, opts)
}

// Run registers the node and runs its pods until ctx ends. Containers
// keep running when it returns, so a restarted agent adopts them.
func (a *Agent) Run(ctx context.Context) error {
	if err := a.register(ctx); err != nil {
		return err
	}
	adopted, err := a.scan(ctx)
	if err != nil {
		return err
	}
	a.adopted = adopted
	a.pods.AddHandler(func(old, cur api.Object) { a.dispatch(ctx, old, cur) })
	go a.pods.Run(ctx, a.cfg.Clock, time.Second)
	select {
	case <-a.pods.Synced():
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := a.cleanOrphans(ctx); err != nil {
		a.cfg.Logf("clean up after restart: %v", err)
	}
	go a.keepLease(ctx)
	go a.keepNodeStatus(ctx)
	if r, ok := a.cfg.Network.(PeerRouter); ok {
		go a.keepPeerRoutes(ctx, r)
	}
	go a.followExits(ctx)
	a.resync(ctx)
	a.wg.Wait()
	return nil
}

// resync wakes every worker each Resync, so probes' effects and exits whose
// event was missed are noticed, until ctx ends.
func (a *Agent) resync(ctx context.Context) {
	t := a.cfg.Clock.NewTicker(a.cfg.Resync)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			a.mu.Lock()
			for _, w := range a.workers {
				w.wake()
			}
			a.mu.Unlock()
		}
	}
}

// followExits wakes the worker of a container whose process exited.
func (a *Agent) followExits(ctx context.Context) {
	for id := range a.cfg.Runtime.Exits(ctx) {
		a.mu.Lock()
		if w := a.workers[a.byID[id]]; w != nil {
			w.wake()
		}
		a.mu.Unlock()
	}
}

// dispatch hands a pod change to the pod's worker, starting one for a new pod.
func (a *Agent) dispatch(ctx context.Context, old, cur api.Object) {
	obj := cur
	if obj == nil {
		obj = old
	}
	p := obj.(*api.Pod)
	a.mu.Lock()
	defer a.mu.Unlock()
	w := a.workers[p.UID]
	if w == nil {
		if cur == nil {
			return
		}
		w = newWorker(a, p)
		w.adopt(a.adopted[p.UID])
		delete(a.adopted, p.UID)
		a.workers[p.UID] = w
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			w.run(ctx)
		}()
	}
	w.wake()
}

// forget drops a finished worker and its container IDs.
func (a *Agent) forget(w *worker) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.workers, w.uid)
	for id, uid := range a.byID {
		if uid == w.uid {
			delete(a.byID, id)
		}
	}
}

// track maps a container ID to its pod for exit events.
func (a *Agent) track(id, uid string) {
	a.mu.Lock()
	a.byID[id] = uid
	a.mu.Unlock()
}

// worker returns the worker of a pod by namespace and name, for the status server.
func (a *Agent) workerOf(namespace, name string) *worker {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.workers {
		if w.namespace == namespace && w.name == name {
			return w
		}
	}
	return nil
}

var (
	podKind   = api.MustLookupKind(api.CoreV1, "Pod")
	nodeKind  = api.MustLookupKind(api.CoreV1, "Node")
	leaseKind = api.MustLookupKind(api.CoordinationV1, "Lease")
)
