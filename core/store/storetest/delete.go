package storetest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

var deleteCases = []testCase{
	{"DeletePlain", testDeletePlain},
	{"DeletePreconditions", testDeletePreconditions},
	{"DeleteWithFinalizer", testDeleteWithFinalizer},
	{"FinalizerCannotBeAddedWhileDeleting", testFinalizerCannotBeAdded},
	{"GracefulDelete", testGracefulDelete},
	{"GracefulDeleteWithFinalizer", testGracefulDeleteWithFinalizer},
	{"DeleteAddsFinalizers", testDeleteAddsFinalizers},
	{"DeleteSwitchesPropagationFinalizer", testDeleteSwitchesPropagation},
	{"DeleteAddsOnlyPropagationFinalizersWhileDeleting", testDeleteAddsOnlyPropagationWhileDeleting},
}

func testDeletePlain(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	out, gone := mustDelete(t, s, podKind, "default", "a", store.DeleteOptions{})
	if !gone || out == nil || out.GetObjectMeta().Name != "a" {
		t.Fatalf("delete returned %v, gone=%v", out, gone)
	}
	if rvOf(t, out) != revision(t, s) {
		t.Fatalf("deleted object has resourceVersion %d, the deletion is revision %d", rvOf(t, out), revision(t, s))
	}
	expectNotFound(t, s, podKind, "default", "a")
	ev := expectEvent(t, w, store.Deleted, "default/a")
	if ev.Revision != rvOf(t, out) {
		t.Fatalf("Deleted event at revision %d, delete returned %d", ev.Revision, rvOf(t, out))
	}
	_, _, err := s.Delete(ctxOf(t), podKind, "default", "a", store.DeleteOptions{})
	expectErr(t, "second delete", err, store.ErrNotFound)
	mustCreate(t, s, node("n1"))
	if _, gone := mustDelete(t, s, nodeKind, "", "n1", store.DeleteOptions{}); !gone {
		t.Fatalf("node not deleted")
	}
}

func testDeletePreconditions(t *testing.T, s store.Store) {
	created := mustCreate(t, s, pod("default", "a", nil, ""))
	m := created.GetObjectMeta()
	_, _, err := s.Delete(ctxOf(t), podKind, "default", "a", store.DeleteOptions{UID: "not-" + m.UID})
	expectErr(t, "delete with another uid", err, store.ErrConflict)
	modify(t, s, podKind, "default", "a", func(o api.Object) { o.GetObjectMeta().Labels = map[string]string{"x": "y"} })
	_, _, err = s.Delete(ctxOf(t), podKind, "default", "a", store.DeleteOptions{ResourceVersion: m.ResourceVersion})
	expectErr(t, "delete at a stale resourceVersion", err, store.ErrConflict)
	mustGet(t, s, podKind, "default", "a")
	cur := mustGet(t, s, podKind, "default", "a").GetObjectMeta()
	opts := store.DeleteOptions{UID: m.UID, ResourceVersion: cur.ResourceVersion}
	if _, gone := mustDelete(t, s, podKind, "default", "a", opts); !gone {
		t.Fatalf("delete with matching preconditions did not delete")
	}
}

func testDeleteWithFinalizer(t *testing.T, s store.Store) {
	p := pod("default", "a", nil, "")
	withFinalizer(p)
	mustCreate(t, s, p)
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	marked, gone := mustDelete(t, s, podKind, "default", "a", store.DeleteOptions{})
	mm := marked.GetObjectMeta()
	if gone || mm.DeletionTimestamp == nil || mm.DeletionGracePeriodSeconds == nil || *mm.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("delete of an object with a finalizer: gone=%v meta=%+v", gone, mm)
	}
	expectEvent(t, w, store.Modified, "default/a")
	rev := revision(t, s)
	again, gone := mustDelete(t, s, podKind, "default", "a", store.DeleteOptions{})
	if gone || revision(t, s) != rev || again.GetObjectMeta().ResourceVersion != mm.ResourceVersion {
		t.Fatalf("repeating the delete wrote: gone=%v revision %d -> %d", gone, rev, revision(t, s))
	}
	relabeled := modify(t, s, podKind, "default", "a", func(o api.Object) {
		o.GetObjectMeta().Labels = map[string]string{"x": "y"}
		o.GetObjectMeta().DeletionTimestamp = nil // cannot be cleared by an update
	})
	if relabeled.GetObjectMeta().DeletionTimestamp == nil {
		t.Fatalf("an update cleared deletionTimestamp")
	}
	expectEvent(t, w, store.Modified, "default/a")
	kept := watchFrom(t, s, podKind, store.WatchOptions{Labels: mustParseLabels(t, "x=y")})
	expectUpdateDeletes(t, s, relabeled, w, kept)
}

// expectUpdateDeletes removes the last finalizer of stored (an object being
// deleted, as the store last returned it) in an update that also relabels
// it, and checks Kubernetes' semantics: the stored object is deleted as it
// was, the relabel dropped; Update returns it with the deletion's revision
// as resourceVersion; watches (the given live ones, and one replaying from
// stored's revision) get a Deleted event carrying the same; a watch of the
// dropped label sees nothing; the object is gone.
func expectUpdateDeletes(t *testing.T, s store.Store, stored api.Object, watchers ...store.Watcher) {
	t.Helper()
	m := stored.GetObjectMeta()
	storedRV := m.ResourceVersion
	dropped := watchFrom(t, s, podKind, store.WatchOptions{Labels: mustParseLabels(t, "dropped=yes")})
	next := stored.DeepCopyObject()
	withoutFinalizers(next)
	next.GetObjectMeta().Labels = map[string]string{"dropped": "yes"}
	out := mustUpdate(t, s, next)
	if rev := revision(t, s); rvOf(t, out) != rev {
		t.Fatalf("the deleting update returned resourceVersion %d, the deletion is revision %d", rvOf(t, out), rev)
	}
	expectLastState(t, "the deleting update's result", out, stored)
	if m.ResourceVersion != storedRV { // the stored object may be shared: it must not be stamped
		t.Fatalf("the deleting update changed a handed-out object's resourceVersion to %s", m.ResourceVersion)
	}
	expectNotFound(t, s, podKind, m.Namespace, m.Name)
	replay := watchFrom(t, s, podKind, store.WatchOptions{Revision: rvOf(t, stored)})
	for _, w := range append(watchers, replay) {
		ev := expectEvent(t, w, store.Deleted, m.Key())
		if ev.Revision != rvOf(t, out) {
			t.Fatalf("Deleted event at revision %d, the update returned %d", ev.Revision, rvOf(t, out))
		}
		expectLastState(t, "the Deleted event", ev.Object, stored)
	}
	marker(t, s, dropped, m.Namespace, "dropped-marker", map[string]string{"dropped": "yes"}, "")
}

// expectLastState checks that got is the object as last stored in want:
// same uid, finalizers and labels, still marked for deletion.
func expectLastState(t *testing.T, what string, got, want api.Object) {
	t.Helper()
	gm, wm := got.GetObjectMeta(), want.GetObjectMeta()
	if gm.UID != wm.UID || !slices.Equal(gm.Finalizers, wm.Finalizers) || !maps.Equal(gm.Labels, wm.Labels) ||
		gm.DeletionTimestamp == nil {
		t.Fatalf("%s: uid %s finalizers %v labels %v deletionTimestamp %v; last stored: uid %s finalizers %v labels %v",
			what, gm.UID, gm.Finalizers, gm.Labels, gm.DeletionTimestamp, wm.UID, wm.Finalizers, wm.Labels)
	}
}

func testFinalizerCannotBeAdded(t *testing.T, s store.Store) {
	p := pod("default", "a", nil, "")
	withFinalizer(p)
	mustCreate(t, s, p)
	mustDelete(t, s, podKind, "default", "a", store.DeleteOptions{})
	next := mustGet(t, s, podKind, "default", "a").DeepCopyObject()
	next.GetObjectMeta().Finalizers = append(next.GetObjectMeta().Finalizers, "kubetwin.io/another")
	_, err := s.Update(ctxOf(t), next)
	expectErr(t, "adding a finalizer while deleting", err, store.ErrInvalid)
	mustCreate(t, s, pod("default", "b", nil, "")) // before deletion, adding one is fine
	modify(t, s, podKind, "default", "b", withFinalizer)
}

func testGracefulDelete(t *testing.T, s store.Store) {
	created := mustCreate(t, s, pod("default", "a", nil, "n1"))
	marked, gone := mustDelete(t, s, podKind, "default", "a", gracePeriod(30))
	mm := marked.GetObjectMeta()
	if gone || mm.DeletionTimestamp == nil || mm.DeletionGracePeriodSeconds == nil || *mm.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete: gone=%v meta=%+v", gone, mm)
	}
	earliest := created.GetObjectMeta().CreationTimestamp.Add(30 * time.Second)
	if mm.DeletionTimestamp.Before(earliest) {
		t.Fatalf("deletionTimestamp %v is not creation + grace (%v) or later", mm.DeletionTimestamp, earliest)
	}
	modify(t, s, podKind, "default", "a", func(o api.Object) { o.(*api.Pod).Status.Phase = api.PodRunning })
	mustGet(t, s, podKind, "default", "a") // an update within the grace period keeps it
	shorter, gone := mustDelete(t, s, podKind, "default", "a", gracePeriod(10))
	sm := shorter.GetObjectMeta()
	if gone || *sm.DeletionGracePeriodSeconds != 10 || sm.DeletionTimestamp.After(mm.DeletionTimestamp.Time) {
		t.Fatalf("shortening the grace period: gone=%v meta=%+v", gone, sm)
	}
	longer, _ := mustDelete(t, s, podKind, "default", "a", gracePeriod(60))
	if *longer.GetObjectMeta().DeletionGracePeriodSeconds != 10 {
		t.Fatalf("a longer grace period extended the deletion")
	}
	if _, gone := mustDelete(t, s, podKind, "default", "a", gracePeriod(0)); !gone {
		t.Fatalf("delete with grace 0 kept the object")
	}
	expectNotFound(t, s, podKind, "default", "a")
}

func testGracefulDeleteWithFinalizer(t *testing.T, s store.Store) {
	p := pod("default", "a", nil, "n1")
	withFinalizer(p)
	mustCreate(t, s, p)
	mustDelete(t, s, podKind, "default", "a", gracePeriod(30))
	modify(t, s, podKind, "default", "a", withoutFinalizers)
	mustGet(t, s, podKind, "default", "a") // still within its grace period
	_, gone := mustDelete(t, s, podKind, "default", "a", gracePeriod(0))
	if !gone {
		t.Fatalf("delete with grace 0 and no finalizers kept the object")
	}
	q := pod("default", "b", nil, "n1")
	withFinalizer(q)
	mustCreate(t, s, q)
	mustDelete(t, s, podKind, "default", "b", gracePeriod(30))
	if _, gone := mustDelete(t, s, podKind, "default", "b", gracePeriod(0)); gone {
		t.Fatalf("delete with grace 0 removed an object that still has a finalizer")
	}
	modify(t, s, podKind, "default", "b", withoutFinalizers)
	expectNotFound(t, s, podKind, "default", "b")
}

func finalizerOpts(fs ...string) store.DeleteOptions { return store.DeleteOptions{Finalizers: fs} }

// expectMarked checks that obj is marked for deletion with exactly the
// finalizers want, and that the store holds it so.
func expectMarked(t *testing.T, s store.Store, obj api.Object, gone bool, want ...string) {
	t.Helper()
	m := obj.GetObjectMeta()
	if gone || m.DeletionTimestamp == nil || !slices.Equal(m.Finalizers, want) {
		t.Fatalf("delete: gone=%v deletionTimestamp %v finalizers %v, want marked with %v",
			gone, m.DeletionTimestamp, m.Finalizers, want)
	}
	stored := mustGet(t, s, podKind, m.Namespace, m.Name).GetObjectMeta()
	if stored.DeletionTimestamp == nil || !slices.Equal(stored.Finalizers, want) || stored.ResourceVersion != m.ResourceVersion {
		t.Fatalf("stored: deletionTimestamp %v finalizers %v rv %s, want marked with %v at rv %s",
			stored.DeletionTimestamp, stored.Finalizers, stored.ResourceVersion, want, m.ResourceVersion)
	}
}

// A delete's finalizers mark the object in one write, one Modified event,
// and removing them with an update completes the delete.
func testDeleteAddsFinalizers(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	w := watchFrom(t, s, podKind, store.WatchOptions{})
	marked, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerOrphan))
	expectMarked(t, s, marked, gone, store.FinalizerOrphan)
	if ev := expectEvent(t, w, store.Modified, "default/a"); ev.Revision != rvOf(t, marked) {
		t.Fatalf("Modified event at revision %d, the delete returned %d", ev.Revision, rvOf(t, marked))
	}
	rev := revision(t, s)
	again, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerOrphan))
	if gone || revision(t, s) != rev || rvOf(t, again) != rvOf(t, marked) {
		t.Fatalf("repeating the delete wrote: gone=%v revision %d -> %d", gone, rev, revision(t, s))
	}
	expectUpdateDeletes(t, s, marked, w)
}

// A second delete with the other propagation finalizer swaps it in, as
// Kubernetes lets the latest policy win; other finalizers stay.
func testDeleteSwitchesPropagation(t *testing.T, s store.Store) {
	p := pod("default", "a", nil, "")
	withFinalizer(p)
	mustCreate(t, s, p)
	marked, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerOrphan))
	expectMarked(t, s, marked, gone, testFinalizer, store.FinalizerOrphan)
	switched, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerForeground))
	expectMarked(t, s, switched, gone, testFinalizer, store.FinalizerForeground)
	if !switched.GetObjectMeta().DeletionTimestamp.Equal(marked.GetObjectMeta().DeletionTimestamp.Time) {
		t.Fatalf("switching the policy moved deletionTimestamp %v -> %v",
			marked.GetObjectMeta().DeletionTimestamp, switched.GetObjectMeta().DeletionTimestamp)
	}
	back, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerOrphan))
	expectMarked(t, s, back, gone, testFinalizer, store.FinalizerOrphan)
	expectUpdateDeletes(t, s, back)
}

// Once an object is marked a delete may add no finalizer but the
// propagation ones, nor both of those at once.
func testDeleteAddsOnlyPropagationWhileDeleting(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	_, _, err := s.Delete(ctxOf(t), podKind, "default", "a",
		finalizerOpts(store.FinalizerOrphan, store.FinalizerForeground))
	expectErr(t, "delete adding both propagation finalizers", err, store.ErrInvalid)
	marked, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(testFinalizer))
	expectMarked(t, s, marked, gone, testFinalizer)
	_, _, err = s.Delete(ctxOf(t), podKind, "default", "a", finalizerOpts("kubetwin.io/another"))
	expectErr(t, "delete adding a finalizer while deleting", err, store.ErrInvalid)
	fg, gone := mustDelete(t, s, podKind, "default", "a", finalizerOpts(store.FinalizerForeground))
	expectMarked(t, s, fg, gone, testFinalizer, store.FinalizerForeground)
}
