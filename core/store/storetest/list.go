package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/store"
)

var listCases = []testCase{
	{"ListOrderedByKey", testListOrdered},
	{"ListNamespace", testListNamespace},
	{"ListLabelSelector", testListLabelSelector},
	{"ListFieldSelector", testListFieldSelector},
	{"ListRevision", testListRevision},
	{"ListPaging", testListPaging},
	{"ListPagingWithWrites", testListPagingWithWrites},
	{"ListPagingWithSelector", testListPagingWithSelector},
	{"ListAtPastRevision", testListAtPastRevision},
	{"ListCompacted", testListCompacted},
	{"ListInvalid", testListInvalid},
}

func mustList(t *testing.T, s store.Store, kind *api.Kind, opts store.ListOptions) *store.ListResult {
	t.Helper()
	res, err := s.List(ctxOf(t), kind, opts)
	if err != nil {
		t.Fatalf("list %s %+v: %v", kind.Resource, opts, err)
	}
	return res
}

func expectKeys(t *testing.T, what string, objs []api.Object, want ...string) {
	t.Helper()
	if got := names(objs); !slices.Equal(got, want) {
		t.Fatalf("%s: got %q, want %q", what, got, want)
	}
}

func mustParseLabels(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

func mustParseFields(t *testing.T, s string) fields.Selector {
	t.Helper()
	sel, err := fields.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// createPods creates the pods ns/name for each name, in the order given.
func createPods(t *testing.T, s store.Store, ns string, podNames ...string) {
	t.Helper()
	for _, n := range podNames {
		mustCreate(t, s, pod(ns, n, nil, ""))
	}
}

func testListOrdered(t *testing.T, s store.Store) {
	createPods(t, s, "b", "y", "x")
	createPods(t, s, "a", "z", "b-1", "b")
	createPods(t, s, "a-b", "c")
	res := mustList(t, s, podKind, store.ListOptions{})
	expectKeys(t, "all pods", res.Items, "a-b/c", "a/b", "a/b-1", "a/z", "b/x", "b/y")
	for _, n := range []string{"n3", "n1", "n2"} {
		mustCreate(t, s, node(n))
	}
	expectKeys(t, "nodes", mustList(t, s, nodeKind, store.ListOptions{}).Items, "n1", "n2", "n3")
	expectKeys(t, "no leases", mustList(t, s, leaseKind, store.ListOptions{}).Items)
}

func testListNamespace(t *testing.T, s store.Store) {
	createPods(t, s, "a", "p1", "p2")
	createPods(t, s, "a-b", "p3")
	createPods(t, s, "ab", "p4")
	createPods(t, s, "b", "p5")
	expectKeys(t, "namespace a", mustList(t, s, podKind, store.ListOptions{Namespace: "a"}).Items, "a/p1", "a/p2")
	expectKeys(t, "namespace a-b", mustList(t, s, podKind, store.ListOptions{Namespace: "a-b"}).Items, "a-b/p3")
	expectKeys(t, "namespace c", mustList(t, s, podKind, store.ListOptions{Namespace: "c"}).Items)
}

func testListLabelSelector(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "web-1", map[string]string{"app": "web", "tier": "front"}, ""))
	mustCreate(t, s, pod("default", "web-2", map[string]string{"app": "web"}, ""))
	mustCreate(t, s, pod("default", "db-1", map[string]string{"app": "db"}, ""))
	mustCreate(t, s, pod("other", "web-3", map[string]string{"app": "web"}, ""))
	mustCreate(t, s, pod("default", "bare", nil, ""))
	list := func(sel string, ns string) []api.Object {
		return mustList(t, s, podKind, store.ListOptions{Namespace: ns, Labels: mustParseLabels(t, sel)}).Items
	}
	expectKeys(t, "app=web", list("app=web", ""), "default/web-1", "default/web-2", "other/web-3")
	expectKeys(t, "app=web in default", list("app=web", "default"), "default/web-1", "default/web-2")
	expectKeys(t, "app!=web", list("app!=web", ""), "default/bare", "default/db-1")
	expectKeys(t, "tier", list("tier", ""), "default/web-1")
	expectKeys(t, "app in (db)", list("app in (db),!tier", ""), "default/db-1")
}

func testListFieldSelector(t *testing.T, s store.Store) {
	mustCreate(t, s, pod("default", "a", nil, "n1"))
	mustCreate(t, s, pod("default", "b", nil, ""))
	mustCreate(t, s, pod("default", "c", nil, "n2"))
	mustCreate(t, s, pod("other", "d", nil, "n1"))
	list := func(sel string, ns string) []api.Object {
		return mustList(t, s, podKind, store.ListOptions{Namespace: ns, Fields: mustParseFields(t, sel)}).Items
	}
	expectKeys(t, "on n1", list("spec.nodeName=n1", ""), "default/a", "other/d")
	expectKeys(t, "unscheduled", list("spec.nodeName=", ""), "default/b")
	expectKeys(t, "scheduled", list("spec.nodeName!=", "default"), "default/a", "default/c")
	expectKeys(t, "by name", list("metadata.name=c", ""), "default/c")
	expectKeys(t, "by namespace", list("metadata.namespace=other", ""), "other/d")
	mustCreate(t, s, node("n1"))
	cordoned := node("n2")
	cordoned.Spec.Unschedulable = true
	mustCreate(t, s, cordoned)
	nodes := mustList(t, s, nodeKind, store.ListOptions{Fields: mustParseFields(t, "spec.unschedulable=true")})
	expectKeys(t, "cordoned nodes", nodes.Items, "n2")
}

func testListRevision(t *testing.T, s store.Store) {
	createPods(t, s, "default", "a", "b")
	mustCreate(t, s, node("n1")) // other kinds move the revision too
	res := mustList(t, s, podKind, store.ListOptions{})
	if res.Revision != revision(t, s) {
		t.Fatalf("list revision %d, store revision %d", res.Revision, revision(t, s))
	}
	for _, o := range res.Items {
		if rvOf(t, o) > res.Revision {
			t.Fatalf("item %s newer than the list", o.GetObjectMeta().Key())
		}
	}
}

// pageAll lists with the given page size, checking every page, and returns
// all items and the revision of the first page.
func pageAll(t *testing.T, s store.Store, opts store.ListOptions, between func(page int)) ([]api.Object, int64) {
	t.Helper()
	var all []api.Object
	var rev int64
	for page := 0; ; page++ {
		res := mustList(t, s, podKind, opts)
		if page == 0 {
			rev = res.Revision
		} else if res.Revision != rev {
			t.Fatalf("page %d at revision %d, first page at %d", page, res.Revision, rev)
		}
		if int64(len(res.Items)) > opts.Limit {
			t.Fatalf("page %d has %d items, limit %d", page, len(res.Items), opts.Limit)
		}
		all = append(all, res.Items...)
		if res.Continue == "" {
			return all, rev
		}
		if between != nil {
			between(page)
		}
		opts.Continue = res.Continue
	}
}

func podNames(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func testListPaging(t *testing.T, s store.Store) {
	createPods(t, s, "default", podNames("p", 10)...)
	createPods(t, s, "other", "q")
	first := mustList(t, s, podKind, store.ListOptions{Namespace: "default", Limit: 3})
	if len(first.Items) != 3 || first.Continue == "" {
		t.Fatalf("first page: %d items, continue %q", len(first.Items), first.Continue)
	}
	if first.Remaining != 0 && first.Remaining != 7 {
		t.Fatalf("first page says %d remain, want 7", first.Remaining)
	}
	all, _ := pageAll(t, s, store.ListOptions{Namespace: "default", Limit: 3}, nil)
	expectKeys(t, "pages of default", all, keys("default", podNames("p", 10))...)
	exact, _ := pageAll(t, s, store.ListOptions{Limit: 11}, nil)
	if len(exact) != 11 {
		t.Fatalf("one exact page: %d items", len(exact))
	}
	whole := mustList(t, s, podKind, store.ListOptions{Limit: 100})
	if whole.Continue != "" || len(whole.Items) != 11 {
		t.Fatalf("a page holding everything: %d items, continue %q", len(whole.Items), whole.Continue)
	}
}

func keys(ns string, podNames []string) []string {
	out := make([]string, len(podNames))
	for i, n := range podNames {
		out[i] = ns + "/" + n
	}
	return out
}

func testListPagingWithWrites(t *testing.T, s store.Store) {
	createPods(t, s, "default", podNames("p", 12)...)
	all, rev := pageAll(t, s, store.ListOptions{Namespace: "default", Limit: 4}, func(page int) {
		name := fmt.Sprintf("p%02d", 4*page+6)
		modify(t, s, podKind, "default", name, func(o api.Object) { o.(*api.Pod).Spec.NodeName = "moved" })
		mustDelete(t, s, podKind, "default", fmt.Sprintf("p%02d", 4*page+7), store.DeleteOptions{})
		createPods(t, s, "default", fmt.Sprintf("p%02d-new", 4*page+5), fmt.Sprintf("z%d", page))
	})
	expectKeys(t, "pages under writes", all, keys("default", podNames("p", 12))...)
	for _, o := range all {
		if o.(*api.Pod).Spec.NodeName != "" || rvOf(t, o) > rev {
			t.Fatalf("page item %s is newer than the first page's revision %d", o.GetObjectMeta().Key(), rev)
		}
	}
}

func testListPagingWithSelector(t *testing.T, s store.Store) {
	for i, n := range podNames("p", 20) {
		lbl := map[string]string{"even": fmt.Sprint(i%2 == 0)}
		mustCreate(t, s, pod("default", n, lbl, ""))
	}
	opts := store.ListOptions{Labels: mustParseLabels(t, "even=true"), Limit: 3}
	first := mustList(t, s, podKind, opts)
	expectKeys(t, "a page is filled with matches", first.Items, "default/p00", "default/p02", "default/p04")
	all, _ := pageAll(t, s, opts, nil)
	var want []string
	for i := 0; i < 20; i += 2 {
		want = append(want, fmt.Sprintf("default/p%02d", i))
	}
	expectKeys(t, "all even pods", all, want...)
}

func testListAtPastRevision(t *testing.T, s store.Store) {
	createPods(t, s, "default", "a", "b", "d")
	mustCreate(t, s, node("n1"))
	rev := revision(t, s)
	modify(t, s, podKind, "default", "a", func(o api.Object) { o.(*api.Pod).Spec.NodeName = "n1" })
	mustDelete(t, s, podKind, "default", "b", store.DeleteOptions{})
	createPods(t, s, "default", "c", "e")
	mustDelete(t, s, podKind, "default", "d", store.DeleteOptions{})
	createPods(t, s, "default", "d") // recreated
	mustDelete(t, s, nodeKind, "", "n1", store.DeleteOptions{})
	past := mustList(t, s, podKind, store.ListOptions{Revision: rev})
	if past.Revision != rev {
		t.Fatalf("list at revision %d says %d", rev, past.Revision)
	}
	expectKeys(t, "pods then", past.Items, "default/a", "default/b", "default/d")
	for _, o := range past.Items {
		if o.(*api.Pod).Spec.NodeName != "" || rvOf(t, o) > rev {
			t.Fatalf("%s is its later state", o.GetObjectMeta().Key())
		}
	}
	paged, _ := pageAll(t, s, store.ListOptions{Revision: rev, Limit: 1}, nil)
	expectKeys(t, "pods then, paged", paged, "default/a", "default/b", "default/d")
	expectKeys(t, "nodes then", mustList(t, s, nodeKind, store.ListOptions{Revision: rev}).Items, "n1")
	expectKeys(t, "pods now", mustList(t, s, podKind, store.ListOptions{}).Items,
		"default/a", "default/c", "default/d", "default/e")
}

func testListCompacted(t *testing.T, s store.Store) {
	createPods(t, s, "default", podNames("p", 6)...)
	old := revision(t, s)
	page := mustList(t, s, podKind, store.ListOptions{Limit: 2})
	modify(t, s, podKind, "default", "p00", func(o api.Object) { o.(*api.Pod).Spec.NodeName = "n1" })
	now := revision(t, s)
	if err := s.Compact(ctxOf(t), now); err != nil {
		t.Fatalf("compact: %v", err)
	}
	_, err := s.List(ctxOf(t), podKind, store.ListOptions{Revision: old})
	expectErr(t, "list at a compacted revision", err, store.ErrCompacted)
	_, err = s.List(ctxOf(t), podKind, store.ListOptions{Continue: page.Continue, Limit: 2})
	expectErr(t, "continue from a compacted revision", err, store.ErrCompacted)
	_, err = s.Watch(ctxOf(t), podKind, store.WatchOptions{Revision: old})
	expectErr(t, "watch from a compacted revision", err, store.ErrCompacted)
	if got := mustList(t, s, podKind, store.ListOptions{Revision: now}); len(got.Items) != 6 {
		t.Fatalf("list at the compaction revision: %d items", len(got.Items))
	}
}

func testListInvalid(t *testing.T, s store.Store) {
	createPods(t, s, "default", "a")
	_, err := s.List(ctxOf(t), podKind, store.ListOptions{Continue: "not a token"})
	expectErr(t, "list with a garbage continue token", err, store.ErrInvalid)
	_, err = s.List(ctxOf(t), podKind, store.ListOptions{Revision: revision(t, s) + 1000})
	expectErr(t, "list at a future revision", err, store.ErrInvalid)
}
