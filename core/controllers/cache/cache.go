// Package cache keeps controllers' read-only copies of the objects of the
// kinds they watch (an "informer"): one List and then one Watch through the
// registry per kind, relisting when the watch ends or its revision has been
// compacted away. Objects are indexed by namespace and by the UID of their
// controlling owner, and every change is handed to registered handlers so a
// driver can queue the keys it maps to.
//
// Objects handed out are shared with the cache and other readers: treat them
// as read-only and DeepCopy before changing one.
package cache

import (
	"context"
	"slices"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/store"
)

// Source is the part of the registry a cache reads through, so tests can
// interpose a lagging or failing source.
type Source interface {
	List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error)
	Watch(ctx context.Context, kind *api.Kind, opts store.WatchOptions) (store.Watcher, error)
}

// Handler is told of each change after the cache has applied it: old is nil
// for an addition and cur is nil for a deletion.
type Handler func(old, cur api.Object)

// Cache holds the current objects of one kind.
type Cache struct {
	kind *api.Kind
	src  Source

	mu      sync.RWMutex
	objs    map[string]api.Object            // by namespace/name
	byNS    map[string]map[string]api.Object // namespace → name → object
	byOwner map[string]keyed                 // controller owner UID → objects
	// orphans indexes, per namespace, the objects without a controller
	// owner, so adoption does not scan every object of a namespace.
	orphans  map[string]map[string]api.Object // namespace → name → object
	indexes  map[string]*index                // extra indexes by name (AddIndex)
	revision int64
	handlers []Handler

	syncOnce sync.Once
	synced   chan struct{}
}

// New returns an empty cache of kind reading from src; call Sync or Run to fill it.
func New(src Source, kind *api.Kind) *Cache {
	return &Cache{kind: kind, src: src, objs: map[string]api.Object{},
		byNS: map[string]map[string]api.Object{}, byOwner: map[string]keyed{},
		orphans: map[string]map[string]api.Object{}, synced: make(chan struct{})}
}

// Kind is the kind the cache holds.
func (c *Cache) Kind() *api.Kind { return c.kind }

// AddHandler registers h for every later change; register before Run.
func (c *Cache) AddHandler(h Handler) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handlers = append(c.handlers, h)
}

// Synced is closed once the first list has been applied, so drivers can
// wait before reconciling from a partial view.
func (c *Cache) Synced() <-chan struct{} { return c.synced }

// HasSynced reports whether the first list has been applied.
func (c *Cache) HasSynced() bool {
	select {
	case <-c.synced:
		return true
	default:
		return false
	}
}

// Revision is the store revision the cache reflects.
func (c *Cache) Revision() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.revision
}

// Get returns the cached object namespace/name.
func (c *Cache) Get(namespace, name string) (api.Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.byNS[namespace][name]
	return o, ok
}

// List returns the cached objects in namespace ("" for all) matching sel
// (nil for all), ordered by key.
func (c *Cache) List(namespace string, sel labels.Selector) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var src map[string]api.Object
	if namespace == "" {
		src = c.objs
	} else {
		src = c.byNS[namespace]
	}
	return collect(src, sel)
}

// Select returns the cached objects in namespace ("" for all) that keep
// reports true for, ordered by key; only the kept ones are sorted, so a
// pass that wants a few objects out of many stays cheap. keep runs under
// the cache's read lock and must not call the cache.
func (c *Cache) Select(namespace string, keep func(api.Object) bool) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	src := c.objs
	if namespace != "" {
		src = c.byNS[namespace]
	}
	var out []api.Object
	for _, o := range src {
		if keep(o) {
			out = append(out, o)
		}
	}
	sortByKey(out)
	return out
}

// ByOwner returns the cached objects whose controller owner has uid,
// ordered by key.
func (c *Cache) ByOwner(uid string) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Clone(c.byOwner[uid])
}

// Orphans returns the cached objects in namespace that have no controller
// owner and match sel, ordered by key: the candidates for adoption, found
// without sorting everything in the namespace.
func (c *Cache) Orphans(namespace string, sel labels.Selector) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return collect(c.orphans[namespace], sel)
}

// collect copies the matching values of m out in key order, so callers
// never see map order.
func collect(m map[string]api.Object, sel labels.Selector) []api.Object {
	out := make([]api.Object, 0, len(m))
	for _, o := range m {
		if sel == nil || sel.Matches(labels.Set(o.GetObjectMeta().Labels)) {
			out = append(out, o)
		}
	}
	sortByKey(out)
	return out
}

func sortByKey(objs []api.Object) {
	slices.SortFunc(objs, func(a, b api.Object) int {
		return api.CompareKeys(a.GetObjectMeta(), b.GetObjectMeta())
	})
}

// ControllerOf returns obj's owner reference marked controller, if any.
func ControllerOf(obj api.Object) *api.OwnerReference {
	refs := obj.GetObjectMeta().OwnerReferences
	for i := range refs {
		if refs[i].Controller != nil && *refs[i].Controller {
			return &refs[i]
		}
	}
	return nil
}
