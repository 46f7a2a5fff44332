package controllers

import (
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
)

// ExpectationsTimeout is how long a controller waits for its cache to show
// the creations and deletions it made before it stops trusting the
// expectations and acts on what the cache shows, as in Kubernetes.
const ExpectationsTimeout = 5 * time.Minute

// Expectations remember, per controller key, the creations and deletions a
// controller has asked for and its cache has not yet shown, so a lagging
// cache never makes it create or delete the same replicas twice.
type Expectations struct {
	clock clock.Clock

	mu  sync.Mutex
	exp map[Key]*expectation
}

// expectation is one key's outstanding writes.
type expectation struct {
	adds    int
	deletes map[string]struct{} // UIDs expected to disappear
	at      time.Time           // when these expectations were set
}

// NewExpectations returns empty expectations timed by c.
func NewExpectations(c clock.Clock) *Expectations {
	return &Expectations{clock: c, exp: map[Key]*expectation{}}
}

// Satisfied reports whether key may act: nothing outstanding, no record at
// all, or a record older than ExpectationsTimeout.
func (e *Expectations) Satisfied(key Key) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.exp[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.clock.Since(x.at) > ExpectationsTimeout
}

// ExpectCreations records that key is about to create n objects, replacing
// any earlier record.
func (e *Expectations) ExpectCreations(key Key, n int) {
	e.set(key, &expectation{adds: n, at: e.clock.Now()})
}

// ExpectDeletions records that key is about to delete the objects with
// these UIDs, replacing any earlier record.
func (e *Expectations) ExpectDeletions(key Key, uids []string) {
	x := &expectation{deletes: make(map[string]struct{}, len(uids)), at: e.clock.Now()}
	for _, u := range uids {
		x.deletes[u] = struct{}{}
	}
	e.set(key, x)
}

func (e *Expectations) set(key Key, x *expectation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.exp[key] = x
}

// CreationObserved counts one expected creation as seen (or as given up,
// when the create failed).
func (e *Expectations) CreationObserved(key Key) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.exp[key]; ok && x.adds > 0 {
		x.adds--
	}
}

// DeletionObserved counts the deletion of uid as seen (or as given up).
func (e *Expectations) DeletionObserved(key Key, uid string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.exp[key]; ok {
		delete(x.deletes, uid)
	}
}

// Pending returns the outstanding creations and deletions of key, for
// tests and status reports.
func (e *Expectations) Pending(key Key) (adds, deletes int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.exp[key]; ok {
		return x.adds, len(x.deletes)
	}
	return 0, 0
}

// Forget drops key's record, when its object is gone.
func (e *Expectations) Forget(key Key) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.exp, key)
}

// ObserveOwned returns a cache handler that settles the expectations of the
// ownerKind controller owning each object the cache reports created,
// deleted or marked for deletion, so every controller that creates and
// deletes its objects under expectations counts them the same way.
func (e *Expectations) ObserveOwned(ownerKind *api.Kind) func(old, cur api.Object) {
	owner := ControllerOwnerKey(ownerKind)
	return func(old, cur api.Object) {
		switch {
		case old == nil:
			if keys := owner(cur); len(keys) == 1 && cur.GetObjectMeta().DeletionTimestamp == nil {
				e.CreationObserved(keys[0])
			}
		case cur == nil:
			if keys := owner(old); len(keys) == 1 {
				e.DeletionObserved(keys[0], old.GetObjectMeta().UID)
			}
		case old.GetObjectMeta().DeletionTimestamp == nil && cur.GetObjectMeta().DeletionTimestamp != nil:
			if keys := owner(cur); len(keys) == 1 {
				e.DeletionObserved(keys[0], cur.GetObjectMeta().UID)
			}
		}
	}
}
