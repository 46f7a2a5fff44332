package live

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/sim"
)

// DefaultWriters is how many requests hollow nodes keep in flight.
const DefaultWriters = 64

// writeKey names one object a write goes to.
type writeKey struct {
	kind            *api.Kind
	namespace, name string
}

// pendingWrite is the latest write waiting for an object: an update
// (status or whole object) or a deletion.
type pendingWrite struct {
	obj    api.Object
	update registry.UpdateOptions
	delete *registry.DeleteOptions
}

// asyncWriter is the API hollow nodes write through, so that thousands of
// them measure the control plane rather than one goroutine's round trips:
//   - reads come from the run's caches (the shared watches), not the server;
//   - updates and deletions return at once and go out from a pool of
//     workers; a write that finds an older one for the same object still
//     waiting replaces it, as only the latest state matters to a kubelet;
//   - updates are unconditional (no resourceVersion): a node is the only
//     writer of its Lease and of its pods' kubelet fields, and the UID an
//     update carries still keeps it off a new pod of the same name.
//
// Creations (registering nodes and leases) are made at once, in order.
type asyncWriter struct {
	c      *client.Client
	caches *cache.Set
	q      *workqueue.Queue[writeKey]
	mu     sync.Mutex
	next   map[writeKey]pendingWrite
	wg     sync.WaitGroup
	// readyLater holds taken-over Nodes whose status waits for their Lease;
	// only the run's goroutine registers nodes, so it needs no lock.
	readyLater map[string]api.Object
	// failed counts writes the server refused for a reason other than the
	// object being gone; firstErr keeps the first.
	failed   atomic.Int64
	firstErr atomic.Pointer[error]
	done     atomic.Int64
}

var _ sim.API = (*asyncWriter)(nil)

// newAsyncWriter starts workers writing to c; Close drains and stops them.
func newAsyncWriter(c *client.Client, caches *cache.Set, workers int) *asyncWriter {
	w := &asyncWriter{c: c, caches: caches, q: workqueue.New[writeKey](clock.Real()),
		next: map[writeKey]pendingWrite{}, readyLater: map[string]api.Object{}}
	for range max(workers, 1) {
		w.wg.Add(1)
		go w.work()
	}
	return w
}

// Get implements sim.API from the caches when they hold the kind.
func (w *asyncWriter) Get(ctx context.Context, kind *api.Kind, ns, name string) (api.Object, error) {
	return current(ctx, w.c, w.caches, kind, ns, name)
}

// Create implements sim.API: at once, through the server. A node's Node
// or Lease that exists already (left by earlier hollow nodes) is taken
// over, as a kubelet that restarts takes over its own: the Node's status
// is posted only once its Lease is fresh, or the node lifecycle
// controller would see a stale lease and mark the node Unknown again.
func (w *asyncWriter) Create(ctx context.Context, kind *api.Kind, ns string, obj api.Object, opts registry.CreateOptions) (api.Object, error) {
	out, err := w.c.Create(ctx, kind, ns, obj, opts)
	if errors.Is(err, store.ErrAlreadyExists) && (kind == nodeKind || kind == leaseKind) {
		out, err = w.takeOver(ctx, kind, obj)
	}
	if err != nil || kind != leaseKind {
		return out, err
	}
	if node, ok := w.readyLater[obj.GetObjectMeta().Name]; ok {
		delete(w.readyLater, obj.GetObjectMeta().Name)
		if _, err := w.c.Update(ctx, nodeKind, node, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
			return nil, fmt.Errorf("post the status of node %s: %w", node.GetObjectMeta().Name, err)
		}
	}
	return out, nil
}

// takeOver writes obj over the existing object of its name.
func (w *asyncWriter) takeOver(ctx context.Context, kind *api.Kind, obj api.Object) (api.Object, error) {
	obj = obj.DeepCopyObject()
	obj.GetObjectMeta().ResourceVersion = ""
	out, err := w.c.Update(ctx, kind, obj, registry.UpdateOptions{})
	if err == nil && kind == nodeKind {
		w.readyLater[obj.GetObjectMeta().Name] = obj // a plain update leaves the status as it was
	}
	return out, err
}

var (
	nodeKind  = api.MustLookupKind(api.CoreV1, "Node")
	leaseKind = api.MustLookupKind(api.CoordinationV1, "Lease")
)

// Update implements sim.API: queued, and answered with obj as written.
func (w *asyncWriter) Update(_ context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error) {
	m := obj.GetObjectMeta()
	w.put(writeKey{kind, m.Namespace, m.Name}, pendingWrite{obj: obj, update: opts})
	return obj, nil
}

// Delete implements sim.API: queued; it replaces any update still waiting.
func (w *asyncWriter) Delete(_ context.Context, kind *api.Kind, ns, name string, opts registry.DeleteOptions) (api.Object, bool, error) {
	w.put(writeKey{kind, ns, name}, pendingWrite{delete: &opts})
	return nil, true, nil
}

func (w *asyncWriter) put(k writeKey, p pendingWrite) {
	w.mu.Lock()
	w.next[k] = p
	w.mu.Unlock()
	w.q.Add(k)
}

// work sends writes until the queue shuts down and is drained.
func (w *asyncWriter) work() {
	defer w.wg.Done()
	for {
		k, shutdown := w.q.Get()
		if shutdown {
			return
		}
		w.mu.Lock()
		p, ok := w.next[k]
		delete(w.next, k)
		w.mu.Unlock()
		if ok {
			w.send(k, p)
		}
		w.q.Done(k)
	}
}

func (w *asyncWriter) send(k writeKey, p pendingWrite) {
	ctx := context.Background()
	var err error
	if p.delete != nil {
		_, _, err = w.c.Delete(ctx, k.kind, k.namespace, k.name, *p.delete)
	} else {
		obj := p.obj.DeepCopyObject()
		obj.GetObjectMeta().ResourceVersion = ""
		_, err = w.c.Update(ctx, k.kind, obj, p.update)
	}
	w.done.Add(1)
	if err == nil || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict) {
		return // the object went meanwhile, or a precondition (UID) kept us off a new one
	}
	w.failed.Add(1)
	err = fmt.Errorf("%s %s/%s: %w", k.kind.Kind, k.namespace, k.name, err)
	w.firstErr.CompareAndSwap(nil, &err)
}

// Close sends what is still waiting and stops the workers.
func (w *asyncWriter) Close() {
	w.q.ShutDown()
	w.wg.Wait()
}

// Err is the first write the server refused, and how many it refused.
func (w *asyncWriter) Err() (int64, error) {
	if p := w.firstErr.Load(); p != nil {
		return w.failed.Load(), *p
	}
	return 0, nil
}

// heartbeatWriters is how many of a node set's writers carry only Leases
// and Node status, so that heartbeats never wait behind pod status writes:
// a backlog of those would let leases expire and the control plane mark
// healthy nodes Unknown, an artefact of the emulator, not the control
// plane. (A kubelet's lease renewals do not queue behind its pods either.)
const heartbeatWriters = 24

// laneWriter sends heartbeats and pod writes through separate writers.
type laneWriter struct {
	*asyncWriter              // pods: reads, creations, pod writes
	beats        *asyncWriter // Leases and Nodes
}

func newLaneWriter(c *client.Client, caches *cache.Set, workers int) *laneWriter {
	return &laneWriter{asyncWriter: newAsyncWriter(c, caches, max(workers-heartbeatWriters, 1)),
		beats: newAsyncWriter(c, caches, heartbeatWriters)}
}

// Update implements sim.API in the object's lane.
func (l *laneWriter) Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error) {
	if kind == leaseKind || kind == nodeKind {
		return l.beats.Update(ctx, kind, obj, opts)
	}
	return l.asyncWriter.Update(ctx, kind, obj, opts)
}

// Close sends what is still waiting in both lanes.
func (l *laneWriter) Close() {
	l.asyncWriter.Close()
	l.beats.Close()
}

// Err is the first write either lane's server refused, and how many.
func (l *laneWriter) Err() (int64, error) {
	n, err := l.asyncWriter.Err()
	m, berr := l.beats.Err()
	if err == nil {
		err = berr
	}
	return n + m, err
}
