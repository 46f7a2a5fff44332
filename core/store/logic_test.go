package store_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/store"
)

var (
	podKind  = mustKind(&api.Pod{})
	nodeKind = mustKind(&api.Node{})
	now      = time.Date(2030, 5, 6, 7, 8, 9, 500, time.UTC)
)

func mustKind(obj api.Object) *api.Kind {
	k, err := api.KindOf(obj)
	if err != nil {
		panic(err)
	}
	return k
}

func pod(ns, name string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
}

func ptr[T any](v T) *T { return &v }

func TestPrepareCreate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	p := pod("default", "")
	p.GenerateName = "web-"
	p.DeletionTimestamp = &api.Time{Time: now}
	if err := store.PrepareCreate(podKind, p, now, rnd); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != 9 || strings.Trim(p.Name[4:], "bcdfghjklmnpqrstvwxz2456789") != "" {
		t.Fatalf("generated name %q", p.Name)
	}
	if len(p.UID) != 36 || p.CreationTimestamp.Time != now.Truncate(time.Second) || p.DeletionTimestamp != nil {
		t.Fatalf("metadata %+v", p.ObjectMeta)
	}
	if p.Kind != "Pod" || p.APIVersion != "v1" {
		t.Fatalf("TypeMeta %+v", p.TypeMeta)
	}
	again := pod("default", "")
	again.GenerateName = "web-"
	if err := store.PrepareCreate(podKind, again, now, rand.New(rand.NewPCG(1, 2))); err != nil || again.Name != p.Name || again.UID != p.UID {
		t.Fatalf("same seed gave %q %q, want %q %q (err %v)", again.Name, again.UID, p.Name, p.UID, err)
	}
}

func TestPrepareCreateInvalid(t *testing.T) {
	withRV := pod("default", "a")
	withRV.ResourceVersion = "1"
	nodeInNS := &api.Node{ObjectMeta: api.ObjectMeta{Namespace: "x", Name: "n"}}
	for _, c := range []struct {
		what string
		kind *api.Kind
		obj  api.Object
	}{
		{"resourceVersion", podKind, withRV},
		{"no name", podKind, pod("default", "")},
		{"no namespace", podKind, pod("", "a")},
		{"slash", podKind, pod("default", "a/b")},
		{"cluster-scoped in a namespace", nodeKind, nodeInNS},
		{"wrong kind", nodeKind, pod("default", "a")},
	} {
		err := store.PrepareCreate(c.kind, c.obj, now, rand.New(rand.NewPCG(1, 2)))
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", c.what, err)
		}
	}
}

func stored(rv string, finalizers ...string) *api.Pod {
	p := pod("default", "a")
	p.UID, p.ResourceVersion, p.Finalizers = "uid-1", rv, finalizers
	p.CreationTimestamp = api.NewTime(now)
	p.Kind, p.APIVersion = "Pod", "v1"
	return p
}

func deleting(rv string, grace int64, finalizers ...string) *api.Pod {
	p := stored(rv, finalizers...)
	dt := api.NewTime(now)
	p.DeletionTimestamp = &dt
	p.DeletionGracePeriodSeconds = ptr(grace)
	return p
}

func TestPrepareUpdate(t *testing.T) {
	for _, c := range []struct {
		what       string
		cur        *api.Pod
		change     func(p *api.Pod)
		wantRemove bool
		wantErr    error
	}{
		{"plain", stored("5"), func(p *api.Pod) {}, false, nil},
		{"unconditional", stored("5"), func(p *api.Pod) { p.ResourceVersion = "" }, false, nil},
		{"stale", stored("5"), func(p *api.Pod) { p.ResourceVersion = "4" }, false, store.ErrConflict},
		{"other uid", stored("5"), func(p *api.Pod) { p.UID = "uid-2" }, false, store.ErrConflict},
		{"renamed", stored("5"), func(p *api.Pod) { p.Name = "b" }, false, store.ErrInvalid},
		{"finalizer added before deletion", stored("5"), func(p *api.Pod) { p.Finalizers = []string{"f"} }, false, nil},
		{"finalizer added while deleting", deleting("5", 0, "f"), func(p *api.Pod) { p.Finalizers = []string{"f", "g"} }, false, store.ErrInvalid},
		{"last finalizer removed", deleting("5", 0, "f"), func(p *api.Pod) { p.Finalizers = nil }, true, nil},
		{"one finalizer left", deleting("5", 0, "f", "g"), func(p *api.Pod) { p.Finalizers = []string{"g"} }, false, nil},
		{"grace period running", deleting("5", 30, "f"), func(p *api.Pod) { p.Finalizers = nil }, false, nil},
	} {
		next := c.cur.DeepCopyObject().(*api.Pod)
		next.UID, next.DeletionTimestamp, next.CreationTimestamp, next.TypeMeta = "", nil, api.Time{}, api.TypeMeta{}
		c.change(next)
		remove, err := store.PrepareUpdate(podKind, c.cur, next)
		if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) || remove != c.wantRemove {
			t.Errorf("%s: remove=%v err=%v, want remove=%v err=%v", c.what, remove, err, c.wantRemove, c.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if next.UID != "uid-1" || !next.CreationTimestamp.Equal(now.Truncate(time.Second)) || next.Kind != "Pod" ||
			(c.cur.DeletionTimestamp == nil) != (next.DeletionTimestamp == nil) {
			t.Errorf("%s: identity not kept: %+v", c.what, next.ObjectMeta)
		}
		if next.DeletionTimestamp != nil && next.DeletionTimestamp == c.cur.DeletionTimestamp {
			t.Errorf("%s: deletionTimestamp shared with the stored object", c.what)
		}
	}
}

func TestPlanDelete(t *testing.T) {
	later := now.Add(time.Minute)
	for _, c := range []struct {
		what       string
		cur        *api.Pod
		opts       store.DeleteOptions
		wantRemove bool
		wantSame   bool // next is cur: nothing to write
		wantGrace  int64
		wantTime   time.Time
		wantErr    error
		// wantFinalizers are next's finalizers when marked; nil: cur's.
		wantFinalizers []string
	}{
		{what: "plain", cur: stored("5"), wantRemove: true},
		{what: "uid mismatch", cur: stored("5"), opts: store.DeleteOptions{UID: "x"}, wantErr: store.ErrConflict},
		{what: "rv mismatch", cur: stored("5"), opts: store.DeleteOptions{ResourceVersion: "4"}, wantErr: store.ErrConflict},
		{what: "preconditions hold", cur: stored("5"), opts: store.DeleteOptions{UID: "uid-1", ResourceVersion: "5"}, wantRemove: true},
		{what: "negative grace", cur: stored("5"), opts: store.DeleteOptions{GracePeriodSeconds: ptr(int64(-1))}, wantRemove: true},
		{what: "finalizer", cur: stored("5", "f"), wantTime: later},
		{what: "grace", cur: stored("5"), opts: store.DeleteOptions{GracePeriodSeconds: ptr(int64(30))}, wantGrace: 30, wantTime: later.Add(30 * time.Second)},
		{what: "already marked", cur: deleting("5", 0, "f"), wantSame: true},
		{what: "shorter grace", cur: deleting("5", 30), opts: store.DeleteOptions{GracePeriodSeconds: ptr(int64(10))}, wantGrace: 10, wantTime: now},
		{what: "grace over", cur: deleting("5", 30), wantRemove: true},
		{what: "orphan", cur: stored("5"), opts: fin(store.FinalizerOrphan), wantTime: later,
			wantFinalizers: []string{store.FinalizerOrphan}},
		{what: "foreground kept with another", cur: stored("5", "f"), opts: fin(store.FinalizerForeground), wantTime: later,
			wantFinalizers: []string{"f", store.FinalizerForeground}},
		{what: "orphan replaces foreground", cur: deleting("5", 0, store.FinalizerForeground, "f"), opts: fin(store.FinalizerOrphan),
			wantTime: now, wantFinalizers: []string{"f", store.FinalizerOrphan}},
		{what: "same policy again", cur: deleting("5", 0, store.FinalizerOrphan), opts: fin(store.FinalizerOrphan), wantSame: true},
		{what: "policy ends a grace period", cur: deleting("5", 30), opts: fin(store.FinalizerOrphan),
			wantTime: now, wantFinalizers: []string{store.FinalizerOrphan}},
		{what: "both policies", cur: stored("5"), opts: fin(store.FinalizerOrphan, store.FinalizerForeground), wantErr: store.ErrInvalid},
		{what: "other finalizer while deleting", cur: deleting("5", 0, "f"), opts: fin("g"), wantErr: store.ErrInvalid},
		{what: "stored finalizer while deleting", cur: deleting("5", 0, "f"), opts: fin("f"), wantSame: true},
	} {
		next, remove, err := store.PlanDelete(podKind, c.cur, c.opts, later)
		if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) || remove != c.wantRemove {
			t.Errorf("%s: remove=%v err=%v, want remove=%v err=%v", c.what, remove, err, c.wantRemove, c.wantErr)
			continue
		}
		switch {
		case err != nil || remove:
			if next != nil {
				t.Errorf("%s: next %v, want nil", c.what, next)
			}
		case c.wantSame:
			if next != api.Object(c.cur) {
				t.Errorf("%s: a delete that changes nothing returned a new object", c.what)
			}
		default:
			m := next.GetObjectMeta()
			if next == api.Object(c.cur) || !m.DeletionTimestamp.Equal(c.wantTime.Truncate(time.Second)) || *m.DeletionGracePeriodSeconds != c.wantGrace {
				t.Errorf("%s: marked %v grace %d, want %v grace %d", c.what, m.DeletionTimestamp, *m.DeletionGracePeriodSeconds, c.wantTime, c.wantGrace)
			}
			want := c.wantFinalizers
			if want == nil {
				want = c.cur.Finalizers
			}
			if !slices.Equal(m.Finalizers, want) {
				t.Errorf("%s: finalizers %v, want %v", c.what, m.Finalizers, want)
			}
		}
	}
}

func fin(fs ...string) store.DeleteOptions { return store.DeleteOptions{Finalizers: fs} }

func labelled(node string, lbls map[string]string) *api.Pod {
	p := pod("default", "a")
	p.Labels, p.Spec.NodeName = lbls, node
	return p
}

func TestMatches(t *testing.T) {
	web := labelled("n1", map[string]string{"app": "web"})
	sel := labels.SelectorFromSet(labels.Set{"app": "web"})
	onN1 := fields.OneTermEqualSelector("spec.nodeName", "n1")
	for _, c := range []struct {
		ns   string
		ls   labels.Selector
		fs   fields.Selector
		want bool
	}{
		{"", nil, nil, true},
		{"default", sel, onN1, true},
		{"other", nil, nil, false},
		{"", labels.SelectorFromSet(labels.Set{"app": "db"}), nil, false},
		{"", nil, fields.OneTermEqualSelector("spec.nodeName", ""), false},
		{"", labels.Everything(), fields.Everything(), true},
	} {
		if got := store.Matches(podKind, web, c.ns, c.ls, c.fs); got != c.want {
			t.Errorf("Matches(ns=%q, %v, %v) = %v", c.ns, c.ls, c.fs, got)
		}
	}
	if !store.Matches(nodeKind, &api.Node{ObjectMeta: api.ObjectMeta{Name: "n"}}, "any", nil, nil) {
		t.Errorf("a namespace filter excluded a cluster-scoped object")
	}
}

func TestFilterEvent(t *testing.T) {
	opts := store.WatchOptions{Labels: labels.SelectorFromSet(labels.Set{"app": "web"})}
	in, out := labelled("", map[string]string{"app": "web"}), labelled("", nil)
	for _, c := range []struct {
		typ       store.EventType
		obj, prev api.Object
		want      store.EventType // "" means dropped
	}{
		{store.Added, in, nil, store.Added},
		{store.Added, out, nil, ""},
		{store.Modified, in, in, store.Modified},
		{store.Modified, in, out, store.Added},
		{store.Modified, out, in, store.Deleted},
		{store.Modified, out, out, ""},
		{store.Deleted, in, in, store.Deleted},
		{store.Deleted, out, in, store.Deleted},
		{store.Deleted, out, out, ""},
	} {
		ev, ok := store.FilterEvent(podKind, opts, c.typ, c.obj, c.prev, 7)
		if got := map[bool]store.EventType{true: ev.Type}[ok]; got != c.want {
			t.Errorf("%s: got %q, want %q", c.typ, got, c.want)
		}
		if ok && (ev.Object != c.obj || ev.Revision != 7) {
			t.Errorf("%s: event %+v does not carry the new object at revision 7", c.typ, ev)
		}
	}
}

func TestContinueToken(t *testing.T) {
	tok := store.EncodeContinue(42, "ns/a b")
	if rev, key, err := store.DecodeContinue(tok); err != nil || rev != 42 || key != "ns/a b" {
		t.Fatalf("round trip: %d %q %v", rev, key, err)
	}
	for _, bad := range []string{"", "!!!", "e30", store.EncodeContinue(0, "x"), store.EncodeContinue(5, "")} {
		if _, _, err := store.DecodeContinue(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("token %q: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestResourceVersions(t *testing.T) {
	p := pod("default", "a")
	store.SetResourceVersion(p, 1234)
	if rv, err := store.ParseResourceVersion(p.ResourceVersion); err != nil || rv != 1234 || p.ResourceVersion != "1234" {
		t.Fatalf("round trip: %q %d %v", p.ResourceVersion, rv, err)
	}
	if rv, err := store.ParseResourceVersion(""); rv != 0 || err != nil {
		t.Fatalf("empty: %d %v", rv, err)
	}
	for _, bad := range []string{"x", "-1", "1.5"} {
		if _, err := store.ParseResourceVersion(bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%q: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestObjectKey(t *testing.T) {
	if k := store.ObjectKey(podKind, "ns", "a"); k != "ns/a" {
		t.Errorf("pod key %q", k)
	}
	if k := store.ObjectKey(nodeKind, "ignored", "n1"); k != "n1" {
		t.Errorf("node key %q", k)
	}
}
