package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

var crudCases = []testCase{
	{"CreateSetsMetadata", testCreateSetsMetadata},
	{"CreateGenerateName", testCreateGenerateName},
	{"CreateAlreadyExists", testCreateAlreadyExists},
	{"CreateInvalid", testCreateInvalid},
	{"RevisionIsGlobal", testRevisionIsGlobal},
	{"GetNotFound", testGetNotFound},
	{"UpdateConflict", testUpdateConflict},
	{"UpdateUnconditional", testUpdateUnconditional},
	{"UpdateKeepsIdentity", testUpdateKeepsIdentity},
	{"UpdateNotFound", testUpdateNotFound},
}

func testCreateSetsMetadata(t *testing.T, s store.Store) {
	in := pod("default", "a", map[string]string{"app": "web"}, "")
	out := mustCreate(t, s, in)
	m := out.GetObjectMeta()
	if m.UID == "" || m.CreationTimestamp.IsZero() {
		t.Fatalf("created object lacks uid or creationTimestamp: %+v", m)
	}
	if rvOf(t, out) != revision(t, s) {
		t.Fatalf("resourceVersion %s, store revision %d", m.ResourceVersion, revision(t, s))
	}
	if tm := out.GetTypeMeta(); tm.Kind != "Pod" || tm.APIVersion != "v1" {
		t.Fatalf("stored TypeMeta %+v, want Pod v1", *tm)
	}
	if in.ResourceVersion != "" || in.UID != "" {
		t.Fatalf("Create changed the caller's object: %+v", in.ObjectMeta)
	}
	got := mustGet(t, s, podKind, "default", "a")
	gm := got.GetObjectMeta()
	if gm.UID != m.UID || gm.ResourceVersion != m.ResourceVersion || gm.Labels["app"] != "web" {
		t.Fatalf("get returned %+v, create returned %+v", gm, m)
	}
	d := mustCreate(t, s, &api.Deployment{ObjectMeta: api.ObjectMeta{Namespace: "default", Name: "d"}})
	if tm := d.GetTypeMeta(); tm.Kind != "Deployment" || tm.APIVersion != "apps/v1" {
		t.Fatalf("stored TypeMeta %+v, want Deployment apps/v1", *tm)
	}
}

func testCreateGenerateName(t *testing.T, s store.Store) {
	seen := map[string]bool{}
	for range 20 {
		p := pod("default", "", nil, "")
		p.GenerateName = "web-"
		m := mustCreate(t, s, p).GetObjectMeta()
		if !strings.HasPrefix(m.Name, "web-") || len(m.Name) != len("web-")+5 {
			t.Fatalf("generated name %q, want web- and 5 characters", m.Name)
		}
		if seen[m.Name] {
			t.Fatalf("generated name %q twice", m.Name)
		}
		seen[m.Name] = true
		mustGet(t, s, podKind, "default", m.Name)
	}
}

func testCreateAlreadyExists(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	rev := revision(t, s)
	_, err := s.Create(ctxOf(t), pod("default", "a", nil, ""))
	expectErr(t, "second create", err, store.ErrAlreadyExists)
	if revision(t, s) != rev {
		t.Fatalf("a failed create moved the revision")
	}
	mustCreate(t, s, pod("other", "a", nil, "")) // same name, other namespace
}

func testCreateInvalid(t *testing.T, s store.Store) {
	withRV := pod("default", "a", nil, "")
	withRV.ResourceVersion = "5"
	noName := pod("default", "", nil, "")
	nodeInNS := node("n1")
	nodeInNS.Namespace = "default"
	for _, c := range []struct {
		what string
		obj  api.Object
	}{
		{"resourceVersion set", withRV},
		{"no name nor generateName", noName},
		{"namespaced without namespace", pod("", "a", nil, "")},
		{"cluster-scoped with namespace", nodeInNS},
		{"namespace without a name", &api.Namespace{}},
	} {
		_, err := s.Create(ctxOf(t), c.obj)
		expectErr(t, c.what, err, store.ErrInvalid)
	}
	mustCreate(t, s, node("n1"))
	mustCreate(t, s, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}})
}

func testRevisionIsGlobal(t *testing.T, s store.Store) {
	start := revision(t, s)
	prev := start
	for _, obj := range []api.Object{pod("default", "a", nil, ""), node("n1"), lease("default", "l"),
		&api.Namespace{ObjectMeta: api.ObjectMeta{Name: "default"}}} {
		rv := rvOf(t, mustCreate(t, s, obj))
		if rv <= prev {
			t.Fatalf("%T created at revision %d, not after %d", obj, rv, prev)
		}
		prev = rv
	}
	if got := revision(t, s); got != prev {
		t.Fatalf("store revision %d, last write %d", got, prev)
	}
}

func testGetNotFound(t *testing.T, s store.Store) {
	expectNotFound(t, s, podKind, "default", "missing")
	mustCreate(t, s, pod("default", "a", nil, ""))
	expectNotFound(t, s, podKind, "other", "a")
	expectNotFound(t, s, nodeKind, "", "a")
}

func testUpdateConflict(t *testing.T, s store.Store) {
	created := mustCreate(t, s, pod("default", "a", nil, "")).DeepCopyObject().(*api.Pod)
	first := created.DeepCopyObject().(*api.Pod)
	first.Labels = map[string]string{"v": "1"}
	updated := mustUpdate(t, s, first)
	if rvOf(t, updated) <= rvOf(t, created) {
		t.Fatalf("update did not advance the resourceVersion")
	}
	stale := created.DeepCopyObject().(*api.Pod)
	stale.Labels = map[string]string{"v": "stale"}
	_, err := s.Update(ctxOf(t), stale)
	expectErr(t, "update at a stale resourceVersion", err, store.ErrConflict)
	if got := mustGet(t, s, podKind, "default", "a").GetObjectMeta().Labels["v"]; got != "1" {
		t.Fatalf("label v=%q after a conflicting update, want 1", got)
	}
}

func testUpdateUnconditional(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, ""))
	modify(t, s, podKind, "default", "a", func(o api.Object) { o.(*api.Pod).Spec.NodeName = "n0" })
	blind := pod("default", "a", nil, "n1") // no resourceVersion, no uid
	out := mustUpdate(t, s, blind)
	if out.(*api.Pod).Spec.NodeName != "n1" || rvOf(t, out) != revision(t, s) {
		t.Fatalf("unconditional update returned %+v", out.GetObjectMeta())
	}
	if blind.ResourceVersion != "" {
		t.Fatalf("Update changed the caller's object")
	}
}

func testUpdateKeepsIdentity(t *testing.T, s store.Store) {
	created := mustCreate(t, s, pod("default", "a", nil, ""))
	cm := created.GetObjectMeta()
	next := created.DeepCopyObject().(*api.Pod)
	next.UID = ""
	next.CreationTimestamp = api.NewTime(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	out := mustUpdate(t, s, next).GetObjectMeta()
	if out.UID != cm.UID || !out.CreationTimestamp.Equal(cm.CreationTimestamp.Time) {
		t.Fatalf("update changed uid or creationTimestamp: %+v, created %+v", out, cm)
	}
	if out.DeletionTimestamp != nil {
		t.Fatalf("update set deletionTimestamp")
	}
	other := mustGet(t, s, podKind, "default", "a").DeepCopyObject().(*api.Pod)
	other.UID = "00000000-0000-4000-8000-000000000000"
	_, err := s.Update(ctxOf(t), other)
	expectErr(t, "update with another uid", err, store.ErrConflict)
}

func testUpdateNotFound(t *testing.T, s store.Store) {
	_, err := s.Update(ctxOf(t), pod("default", "missing", nil, ""))
	expectErr(t, "update of a missing pod", err, store.ErrNotFound)
}
