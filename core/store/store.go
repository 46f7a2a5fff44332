// Package store defines kubetwin's revisioned object store: the one
// interface that both the memory store (simulator, tests) and the etcd store
// (emulate, real) implement, with the semantics of etcd's MVCC as Kubernetes
// uses it.
//
// Revisions: every write (create, update, delete, or a delete that only sets
// deletionTimestamp) takes the next value of one global counter, shared by
// all kinds. An object's resourceVersion is the revision of its last write,
// as a decimal string. A watch from revision R sees every matching write
// after R, in revision order, or fails with ErrCompacted when writes after R
// have been forgotten, telling the caller to list again.
//
// Ownership: objects passed in are copied before they are stored; objects
// handed out (Get, List, Watch) may be shared with other readers and must be
// treated as read-only. DeepCopy before changing one.
//
// Generation, defaulting and validation belong to the API layer above; the
// store enforces only what storage must: keys, revisions, preconditions,
// finalizers and graceful deletion.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// Store is a revisioned, watchable object store.
type Store interface {
	// Create stores a new object and returns it as stored: uid,
	// creationTimestamp and resourceVersion set, and a name generated from
	// generateName when name is empty. resourceVersion must be empty.
	Create(ctx context.Context, obj api.Object) (api.Object, error)
	// Get returns the current object.
	Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error)
	// List returns the matching objects ordered by key, with the revision
	// the list reflects; with Limit set it returns a page and a Continue
	// token that reads the next page at the same revision.
	List(ctx context.Context, kind *api.Kind, opts ListOptions) (*ListResult, error)
	// Update replaces an object. A non-empty resourceVersion must equal the
	// stored one (else ErrConflict); an empty one updates unconditionally.
	// uid, creationTimestamp and deletion metadata are kept from the stored
	// object. An update that would leave an object being deleted with no
	// finalizers (and its grace period over) deletes the stored object
	// instead, as Kubernetes does, and the rest of the update is dropped:
	// the returned object is then the last stored state, as the Deleted
	// event carries it, with resourceVersion the deletion's revision.
	Update(ctx context.Context, obj api.Object) (api.Object, error)
	// Delete removes an object, or, when it has finalizers or a grace period
	// is asked for, marks it with deletionTimestamp and keeps it. It returns
	// the object's last state and whether it is gone.
	Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts DeleteOptions) (api.Object, bool, error)
	// Watch streams matching changes after opts.Revision (0: after now).
	Watch(ctx context.Context, kind *api.Kind, opts WatchOptions) (Watcher, error)
	// Revision is the store's current revision.
	Revision(ctx context.Context) (int64, error)
	// Compact forgets history up to and including rev: watches and lists
	// from an older revision then fail with ErrCompacted.
	Compact(ctx context.Context, rev int64) error
	// Close releases the store's resources and ends its watches.
	Close() error
}

// ListOptions filter and page a List.
type ListOptions struct {
	Namespace string          // "" lists every namespace
	Labels    labels.Selector // nil selects everything
	Fields    fields.Selector // nil selects everything
	Limit     int64           // 0: no limit
	Continue  string          // token from a previous page
	Revision  int64           // list as of this revision; 0: the latest
}

// ListResult is one page of a List.
type ListResult struct {
	Items    []api.Object
	Revision int64
	// Continue is set when more items remain; pass it back to get them.
	Continue string
	// Remaining counts the matching items after this page, when known.
	Remaining int64
}

// WatchOptions filter a Watch.
type WatchOptions struct {
	Namespace string
	Labels    labels.Selector
	Fields    fields.Selector
	// Revision: events with a greater revision are sent; 0 means from now.
	Revision int64
}

// EventType is what happened to an object, as the Kubernetes watch API names it.
type EventType string

// The watch event types.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	// Error ends a watch: Err says why (ErrCompacted: relist; ErrTooSlow:
	// rewatch from the last revision seen).
	Error EventType = "ERROR"
)

// Event is one change seen by a watch. For a selector-filtered watch, an
// object that starts matching arrives as Added and one that stops matching
// as Deleted, so the watcher's view stays exactly the selected set.
type Event struct {
	Type     EventType
	Object   api.Object
	Revision int64
	Err      error
}

// Watcher is a running watch; its channel closes when the watch ends.
type Watcher interface {
	ResultChan() <-chan Event
	Stop()
}

// DeleteOptions qualify a Delete.
type DeleteOptions struct {
	// Preconditions that must hold for the delete to happen (else ErrConflict).
	UID             string
	ResourceVersion string
	// GracePeriodSeconds, when positive, keeps the object with
	// deletionTimestamp = now + grace for its owner (a node agent) to finish
	// it; a later Delete with grace 0 removes it.
	GracePeriodSeconds *int64
	// Finalizers are added in the same write that sets deletionTimestamp,
	// so a propagation policy (FinalizerOrphan, FinalizerForeground) takes
	// hold before any watcher sees the object marked. Once an object is
	// marked only these two may still be added, and each replaces the
	// other: the latest policy wins, as in Kubernetes.
	Finalizers []string
}

// The finalizers a Delete sets for the Orphan and Foreground propagation
// policies; the garbage collector removes them once it has done its part.
const (
	FinalizerOrphan     = "orphan"
	FinalizerForeground = "foregroundDeletion"
)

// The errors stores return, wrapped with the kind and key they concern.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: a resourceVersion or uid precondition failed; read and retry.
	ErrConflict = errors.New("conflict: the object has been modified")
	// ErrCompacted: the revision asked for is no longer kept; list again.
	ErrCompacted = errors.New("revision has been compacted")
	// ErrInvalid: the request can never succeed as written.
	ErrInvalid = errors.New("invalid request")
	// ErrTooSlow: a watcher fell too far behind and was ended.
	ErrTooSlow = errors.New("watcher too slow")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store closed")
)

func keyError(kind *api.Kind, key string, err error) error {
	return fmt.Errorf("%s %q: %w", kind.GroupResource(), key, err)
}
