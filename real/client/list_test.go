package client_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// seedPods creates p0..p5 in default: even ones app=web, odd ones app=db;
// p0..p2 on node n1, and one pod q in namespace other.
func seedPods(t *testing.T, e *env) {
	t.Helper()
	c := ctx(t)
	for i := range 6 {
		app := map[bool]string{true: "web", false: "db"}[i%2 == 0]
		p := fixtures.MakePod().Name(fmt.Sprintf("p%d", i)).Label("app", app)
		if i < 3 {
			p.Node("n1")
		}
		if _, err := e.c.Create(c, podKind, "default", p.Obj(), registry.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: "other"}}
	if _, err := e.c.Create(c, nsKind, "", ns, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	q := fixtures.MakePod().Name("q").Namespace("other").Label("app", "web").Obj()
	if _, err := e.c.Create(c, podKind, "", q, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// names lists the namespace/name keys of objs.
func names(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.GetObjectMeta().Key()
	}
	return out
}

func TestListSelectors(t *testing.T) {
	e := newEnv(t)
	seedPods(t, e)
	web, _ := labels.Parse("app=web")
	onN1 := fields.OneTermEqualSelector("spec.nodeName", "n1")
	cases := []struct {
		name string
		opts store.ListOptions
		want []string
	}{
		{"namespace", store.ListOptions{Namespace: "other"}, []string{"other/q"}},
		{"labels", store.ListOptions{Namespace: "default", Labels: web}, []string{"default/p0", "default/p2", "default/p4"}},
		{"fields", store.ListOptions{Namespace: "default", Fields: onN1}, []string{"default/p0", "default/p1", "default/p2"}},
		{"both", store.ListOptions{Labels: web, Fields: onN1}, []string{"default/p0", "default/p2"}},
		{"all namespaces", store.ListOptions{Labels: web}, []string{"default/p0", "default/p2", "default/p4", "other/q"}},
		{"nothing", store.ListOptions{Labels: labels.Nothing()}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ctx(t)
			res, err := e.c.List(c, podKind, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Items); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			regRes, err := e.reg.List(c, podKind, tc.opts)
			if err != nil || res.Revision != regRes.Revision || res.Revision == 0 {
				t.Errorf("revision %d, the registry lists at %d (%v)", res.Revision, regRes.Revision, err)
			}
		})
	}
	c := ctx(t)
	bad := fields.OneTermEqualSelector("spec.hostname", "x")
	_, err := e.c.List(c, podKind, store.ListOptions{Fields: bad})
	_, regErr := e.reg.List(c, podKind, store.ListOptions{Fields: bad})
	sameError(t, err, regErr, store.ErrInvalid)
}

func TestListPages(t *testing.T) {
	e := newEnv(t)
	seedPods(t, e)
	c := ctx(t)
	var got []string
	opts := store.ListOptions{Namespace: "default", Limit: 4}
	var revs []int64
	for page := 0; ; page++ {
		res, err := e.c.List(c, podKind, opts)
		if err != nil {
			t.Fatal(err)
		}
		if page == 0 && (res.Continue == "" || res.Remaining != 2) {
			t.Errorf("first page: continue %q remaining %d, want a token and 2", res.Continue, res.Remaining)
		}
		got = append(got, names(res.Items)...)
		revs = append(revs, res.Revision)
		if res.Continue == "" {
			break
		}
		opts.Continue = res.Continue
		if page == 0 { // a write between pages does not show in the next one
			if _, err := e.c.Create(c, podKind, "default", fixtures.MakePod().Name("p9").Obj(), registry.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := []string{"default/p0", "default/p1", "default/p2", "default/p3", "default/p4", "default/p5"}
	if !slices.Equal(got, want) || len(revs) != 2 || revs[0] != revs[1] {
		t.Errorf("pages gave %v at revisions %v, want %v at one revision", got, revs, want)
	}
}

func TestListAtRevision(t *testing.T) {
	e := newEnv(t)
	seedPods(t, e)
	c := ctx(t)
	now, err := e.c.List(c, podKind, store.ListOptions{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.List(c, podKind, store.ListOptions{Revision: now.Revision}); err != nil {
		t.Errorf("list at the current revision: %v", err)
	}
	if _, err := e.c.List(c, podKind, store.ListOptions{Revision: now.Revision - 1}); err == nil {
		t.Errorf("list at a past revision succeeded, though the server lists only the latest state")
	}
}
