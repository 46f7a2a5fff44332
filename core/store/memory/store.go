// Package memory is the in-memory store.Store used by the simulator and by
// tests: fast, deterministic given its seed and clock, and safe for
// concurrent use.
//
// One lock guards everything. Each kind keeps a map from key to entry plus a
// B-tree of the same entries in key order for listing and paging; a ring
// buffer of recent changes serves watches from a past revision and lists at
// a past revision (reconstructed by undoing the newer changes). Stored
// objects are never changed in place: a write replaces the entry's object,
// so objects handed out can be shared with every reader.
package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/google/btree"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/store"
)

// Defaults for Options fields left zero.
const (
	DefaultHistorySize     = 100000
	DefaultWatchQueueLimit = 100000
)

// generateNameAttempts bounds how many names New draws for a generateName
// before reporting AlreadyExists, so a crowded prefix cannot spin forever.
const generateNameAttempts = 8

// Options configure a Store; the zero value is usable.
type Options struct {
	// Clock stamps creationTimestamp and deletionTimestamp; nil means clock.Real().
	Clock clock.Clock
	// Rand draws UIDs and generated names; nil means a generator seeded
	// with the constants (1, 2), so even an unconfigured store is
	// reproducible. The store serialises its use.
	Rand *rand.Rand
	// HistorySize is how many recent changes are kept for watches and lists
	// from a past revision; 0 means DefaultHistorySize.
	HistorySize int
	// WatchQueueLimit is how many undelivered events a watcher may hold
	// before it is ended with an Error event carrying store.ErrTooSlow; 0
	// means DefaultWatchQueueLimit.
	WatchQueueLimit int
	// OnCommit, when set, is called with every change as it commits, in
	// revision order, with the previous version (nil for a creation). It
	// runs with the store's lock held and must not call the store. The
	// simulator delivers watch events through it on virtual time instead
	// of through watcher goroutines. Objects are shared: read only.
	OnCommit func(ev store.Event, prev api.Object)
}

// Store is the in-memory store.Store; create it with New.
type Store struct {
	mu         sync.RWMutex
	clock      clock.Clock
	rnd        *rand.Rand
	rev        int64
	kinds      map[*api.Kind]*kindState // fixed after New
	hist       history
	queueLimit int
	closed     bool
	onCommit   func(store.Event, api.Object)
}

var _ store.Store = (*Store)(nil)

// kindState is everything stored for one kind.
type kindState struct {
	kind     *api.Kind
	objs     map[objName]*entry
	index    *btree.BTreeG[*entry] // the same entries, by key
	counts   map[string]int        // objects per namespace, for ListResult.Remaining
	watchers []*watcher            // those not indexed by the trigger
	trigger  *trigger              // nil when the kind has no indexed field
	byValue  map[string][]*watcher // watchers pinning the trigger field, by value
}

// objName finds an entry without building its key string, keeping lookups
// allocation-free; namespace is "" for cluster-scoped kinds.
type objName struct{ namespace, name string }

// entry is one stored object; obj is replaced, never modified.
type entry struct {
	key string
	obj api.Object
}

func entryLess(a, b *entry) bool { return a.key < b.key }

// New returns an empty store at revision 0.
func New(opts Options) *Store {
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	if opts.HistorySize <= 0 {
		opts.HistorySize = DefaultHistorySize
	}
	if opts.WatchQueueLimit <= 0 {
		opts.WatchQueueLimit = DefaultWatchQueueLimit
	}
	s := &Store{
		clock:      opts.Clock,
		rnd:        opts.Rand,
		kinds:      map[*api.Kind]*kindState{},
		hist:       history{size: opts.HistorySize},
		queueLimit: opts.WatchQueueLimit,
		onCommit:   opts.OnCommit,
	}
	for _, k := range api.Kinds() {
		s.kinds[k] = &kindState{
			kind:    k,
			objs:    map[objName]*entry{},
			index:   btree.NewG(32, entryLess),
			counts:  map[string]int{},
			trigger: triggers[k.GroupResource()],
			byValue: map[string][]*watcher{},
		}
	}
	return s
}

// state finds a kind's storage; a *api.Kind that is not the registry's own
// pointer is resolved through the registry by its names.
func (s *Store) state(kind *api.Kind) (*kindState, error) {
	if ks, ok := s.kinds[kind]; ok {
		return ks, nil
	}
	k, err := api.LookupKind(kind.APIVersion(), kind.Kind)
	if err != nil {
		return nil, fmt.Errorf("memory store: %w: %w", err, store.ErrInvalid)
	}
	return s.kinds[k], nil
}

// objectState finds the kind and storage of an object by its Go type.
func (s *Store) objectState(obj api.Object) (*kindState, error) {
	k, err := api.KindOf(obj)
	if err != nil {
		return nil, fmt.Errorf("memory store: %w: %w", err, store.ErrInvalid)
	}
	return s.state(k)
}

func (ks *kindState) name(namespace, name string) objName {
	if !ks.kind.Namespaced {
		namespace = ""
	}
	return objName{namespace, name}
}

func (ks *kindState) lookup(namespace, name string) (*entry, error) {
	e, ok := ks.objs[ks.name(namespace, name)]
	if !ok {
		return nil, notFound(ks.kind, namespace, name)
	}
	return e, nil
}

func notFound(kind *api.Kind, namespace, name string) error {
	return fmt.Errorf("%s %q: %w", kind.GroupResource(), store.ObjectKey(kind, namespace, name), store.ErrNotFound)
}

func (ks *kindState) insert(e *entry) {
	m := e.obj.GetObjectMeta()
	ks.objs[ks.name(m.Namespace, m.Name)] = e
	ks.index.ReplaceOrInsert(e)
	ks.counts[m.Namespace]++
}

func (ks *kindState) remove(e *entry) {
	m := e.obj.GetObjectMeta()
	delete(ks.objs, ks.name(m.Namespace, m.Name))
	ks.index.Delete(e)
	if ks.counts[m.Namespace]--; ks.counts[m.Namespace] == 0 {
		delete(ks.counts, m.Namespace)
	}
}

// live checks the context and that the store is open; callers hold s.mu.
func (s *Store) live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory store: %w", err)
	}
	if s.closed {
		return store.ErrClosed
	}
	return nil
}

// commit takes the next revision for a change, stamps obj with it, records
// the change and hands it to the kind's watchers. Callers hold s.mu.
func (s *Store) commit(ks *kindState, key string, typ store.EventType, obj, prev api.Object) {
	s.rev++
	store.SetResourceVersion(obj, s.rev)
	s.hist.push(change{rev: s.rev, ks: ks, key: key, typ: typ, obj: obj, prev: prev})
	if ks.hasWatchers() {
		ks.publish(s.hist.newest())
	}
	if s.onCommit != nil {
		s.onCommit(store.Event{Type: typ, Object: obj, Revision: s.rev}, prev)
	}
}

// Create implements store.Store.
func (s *Store) Create(ctx context.Context, obj api.Object) (api.Object, error) {
	ks, err := s.objectState(obj)
	if err != nil {
		return nil, err
	}
	own := obj.DeepCopyObject()
	generated := own.GetObjectMeta().Name == ""
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if err := store.PrepareCreate(ks.kind, own, s.clock.Now(), s.rnd); err != nil {
		return nil, err
	}
	if err := s.ensureFreeName(ks, own, generated); err != nil {
		return nil, err
	}
	e := &entry{key: own.GetObjectMeta().Key(), obj: own}
	ks.insert(e)
	s.commit(ks, e.key, store.Added, own, nil)
	return own, nil
}

// ensureFreeName reports AlreadyExists for a taken name, first drawing new
// names a few times when the name was generated.
func (s *Store) ensureFreeName(ks *kindState, obj api.Object, generated bool) error {
	m := obj.GetObjectMeta()
	for attempt := 0; ; attempt++ {
		if _, taken := ks.objs[ks.name(m.Namespace, m.Name)]; !taken {
			return nil
		}
		if !generated || attempt == generateNameAttempts {
			return fmt.Errorf("create %s %q: %w", ks.kind.GroupResource(), m.Key(), store.ErrAlreadyExists)
		}
		m.Name = store.GenerateName(m.GenerateName, s.rnd)
	}
}

// Get implements store.Store.
func (s *Store) Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error) {
	ks, err := s.state(kind)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	e, err := ks.lookup(namespace, name)
	if err != nil {
		return nil, err
	}
	return e.obj, nil
}

// Update implements store.Store.
func (s *Store) Update(ctx context.Context, obj api.Object) (api.Object, error) {
	ks, err := s.objectState(obj)
	if err != nil {
		return nil, err
	}
	next := obj.DeepCopyObject()
	m := next.GetObjectMeta()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	e, err := ks.lookup(m.Namespace, m.Name)
	if err != nil {
		return nil, err
	}
	remove, err := store.PrepareUpdate(ks.kind, e.obj, next)
	if err != nil {
		return nil, err
	}
	if remove { // next is dropped: the stored object is what goes
		return s.removeEntry(ks, e), nil
	}
	prev := e.obj
	e.obj = next
	s.commit(ks, e.key, store.Modified, next, prev)
	return next, nil
}

// removeEntry deletes a stored object and returns its last stored state
// stamped with the deletion's revision, as the Deleted event carries it.
// The stamp goes on a copy: the stored object may be shared with readers.
// Callers hold s.mu.
func (s *Store) removeEntry(ks *kindState, e *entry) api.Object {
	final := e.obj.DeepCopyObject()
	ks.remove(e)
	s.commit(ks, e.key, store.Deleted, final, e.obj)
	return final
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts store.DeleteOptions) (api.Object, bool, error) {
	ks, err := s.state(kind)
	if err != nil {
		return nil, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.live(ctx); err != nil {
		return nil, false, err
	}
	e, err := ks.lookup(namespace, name)
	if err != nil {
		return nil, false, err
	}
	prev := e.obj
	next, remove, err := store.PlanDelete(ks.kind, prev, opts, s.clock.Now())
	switch {
	case err != nil:
		return nil, false, err
	case remove:
		return s.removeEntry(ks, e), true, nil
	case next == prev: // already marked; nothing to write
		return prev, false, nil
	}
	e.obj = next
	s.commit(ks, e.key, store.Modified, next, prev)
	return next, false, nil
}

// Revision implements store.Store.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.live(ctx); err != nil {
		return 0, err
	}
	return s.rev, nil
}

// Compact implements store.Store. Compacting to a revision at or below the
// current compaction point does nothing; a future revision is ErrInvalid.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.live(ctx); err != nil {
		return err
	}
	if rev > s.rev {
		return fmt.Errorf("compact to revision %d beyond the current %d: %w", rev, s.rev, store.ErrInvalid)
	}
	if drop := rev - s.compacted(); drop > 0 {
		s.hist.dropOldest(int(drop))
	}
	return nil
}

// compacted is the newest revision whose change is forgotten: reads and
// watches from an older revision fail with ErrCompacted. Callers hold s.mu.
func (s *Store) compacted() int64 {
	return s.rev - int64(s.hist.n)
}

// Close implements store.Store: it ends every watch; later calls fail with
// store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	for _, k := range api.Kinds() {
		s.kinds[k].stopAll()
	}
	return nil
}
