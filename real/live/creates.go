package live

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/real/client"
	"github.com/kubetwin/kubetwin/sim"
)

// DefaultCreators is how many creations a run's player keeps in flight.
const DefaultCreators = 32

// creation is one object the player asked to create.
type creation struct {
	kind *api.Kind
	ns   string
	obj  api.Object
}

// asyncCreates is the API a live run's player writes through. Creations
// go out from a pool of workers, so a burst of thousands of pods is sent
// as fast as the server takes them while the run's loop goes on
// observing; an object that exists already is replaced, as the player
// does. A read, update or deletion of an object waits for its creation,
// so a scale or rollout never finds its object not yet created.
// Namespaces are created at once, before the objects in them, and
// remembered, so the player's check for each object's namespace costs no
// round trip.
type asyncCreates struct {
	c    *client.Client
	work chan creation
	wg   sync.WaitGroup // workers

	mu       sync.Mutex
	created  *sync.Cond            // signalled as creations finish
	pending  map[creationKey]int   // creations queued or in flight, per object
	inFlight int                   // all of them
	spaces   map[string]api.Object // namespaces known to exist
	failed   int
	firstErr error
}

type creationKey struct {
	kind     *api.Kind
	ns, name string
}

var namespaceKind = api.MustLookupKind(api.CoreV1, "Namespace")

var _ sim.API = (*asyncCreates)(nil)

func newAsyncCreates(c *client.Client, workers int) *asyncCreates {
	a := &asyncCreates{c: c, work: make(chan creation, changeBuffer), pending: map[creationKey]int{},
		spaces: map[string]api.Object{}}
	a.created = sync.NewCond(&a.mu)
	for range max(workers, 1) {
		a.wg.Add(1)
		go a.run()
	}
	return a
}

// Create implements sim.API: queued, and answered with obj as given; a
// namespace is created at once.
func (a *asyncCreates) Create(ctx context.Context, kind *api.Kind, ns string, obj api.Object, opts registry.CreateOptions) (api.Object, error) {
	if kind == namespaceKind {
		out, err := a.c.Create(ctx, kind, ns, obj, opts)
		if err == nil {
			a.knowSpace(out)
		}
		return out, err
	}
	m := obj.GetObjectMeta()
	a.mu.Lock()
	a.inFlight++
	a.pending[creationKey{kind, m.Namespace, m.Name}]++
	a.mu.Unlock()
	a.work <- creation{kind, ns, obj}
	return obj, nil
}

func (a *asyncCreates) knowSpace(ns api.Object) {
	a.mu.Lock()
	a.spaces[ns.GetObjectMeta().Name] = ns
	a.mu.Unlock()
}

// wait blocks until the object's creations have finished.
func (a *asyncCreates) wait(kind *api.Kind, ns, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for a.pending[creationKey{kind, ns, name}] > 0 {
		a.created.Wait()
	}
}

// Get implements sim.API once the object's creation has finished.
func (a *asyncCreates) Get(ctx context.Context, kind *api.Kind, ns, name string) (api.Object, error) {
	if kind == namespaceKind {
		a.mu.Lock()
		known := a.spaces[name]
		a.mu.Unlock()
		if known != nil {
			return known, nil
		}
	}
	a.wait(kind, ns, name)
	out, err := a.c.Get(ctx, kind, ns, name)
	if err == nil && kind == namespaceKind {
		a.knowSpace(out)
	}
	return out, err
}

// Update implements sim.API once the object's creation has finished.
func (a *asyncCreates) Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error) {
	m := obj.GetObjectMeta()
	a.wait(kind, m.Namespace, m.Name)
	return a.c.Update(ctx, kind, obj, opts)
}

// Delete implements sim.API once the object's creation has finished.
func (a *asyncCreates) Delete(ctx context.Context, kind *api.Kind, ns, name string, opts registry.DeleteOptions) (api.Object, bool, error) {
	a.wait(kind, ns, name)
	return a.c.Delete(ctx, kind, ns, name, opts)
}

func (a *asyncCreates) run() {
	defer a.wg.Done()
	for w := range a.work {
		err := a.apply(w)
		m := w.obj.GetObjectMeta()
		a.mu.Lock()
		a.inFlight--
		k := creationKey{w.kind, m.Namespace, m.Name}
		if a.pending[k]--; a.pending[k] == 0 {
			delete(a.pending, k)
		}
		a.created.Broadcast()
		if err != nil {
			a.failed++
			if a.firstErr == nil {
				a.firstErr = fmt.Errorf("create %s %s/%s: %w", w.kind.Kind, m.Namespace, m.Name, err)
			}
		}
		a.mu.Unlock()
	}
}

// apply creates the object, or replaces it when it exists.
func (a *asyncCreates) apply(w creation) error {
	ctx := context.Background()
	_, err := a.c.Create(ctx, w.kind, w.ns, w.obj, registry.CreateOptions{})
	if !errors.Is(err, store.ErrAlreadyExists) {
		return err
	}
	m := w.obj.GetObjectMeta()
	cur, err := a.c.Get(ctx, w.kind, m.Namespace, m.Name)
	if err != nil {
		return err
	}
	obj := w.obj.DeepCopyObject()
	obj.GetObjectMeta().ResourceVersion = cur.GetObjectMeta().ResourceVersion
	_, err = a.c.Update(ctx, w.kind, obj, registry.UpdateOptions{})
	return err
}

// queued counts creations queued or in flight.
func (a *asyncCreates) queued() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.inFlight
}

// errs counts the creations the server refused, with the first.
func (a *asyncCreates) errs() (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.failed, a.firstErr
}

// Close waits for the creations and stops the workers.
func (a *asyncCreates) Close() {
	close(a.work)
	a.wg.Wait()
}
