package memory_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

// snapshot is a naive oracle: "namespace/name@resourceVersion" of every
// pod, in key order.
type snapshot []string

func snapshotOf(items []api.Object) snapshot {
	out := make(snapshot, len(items))
	for i, o := range items {
		out[i] = o.GetObjectMeta().Key() + "@" + o.GetObjectMeta().ResourceVersion
	}
	return out
}

// randomWrite creates, relabels or deletes a pod drawn from a small set, or
// writes a lease (another kind sharing the revision counter).
func randomWrite(t *testing.T, s *memory.Store, r *rand.Rand) {
	ctx := context.Background()
	ns := []string{"a", "a-b", "b"}[r.IntN(3)]
	name := fmt.Sprintf("p%d", r.IntN(8))
	switch r.IntN(4) {
	case 0: // a lease with the same key as a pod
		l := &api.Lease{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
		if _, err := s.Create(ctx, l); err != nil {
			if _, _, err := s.Delete(ctx, leaseKind, ns, name, store.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	case 1:
		cur, err := s.Get(ctx, podKind, ns, name)
		if err != nil {
			mustCreate(t, s, pod(ns, name))
			return
		}
		next := cur.DeepCopyObject()
		next.GetObjectMeta().Labels = map[string]string{"n": fmt.Sprint(r.IntN(3))}
		if _, err := s.Update(ctx, next); err != nil {
			t.Fatal(err)
		}
	default:
		if _, _, err := s.Delete(ctx, podKind, ns, name, store.DeleteOptions{}); err != nil {
			mustCreate(t, s, pod(ns, name))
		}
	}
}

// listPaged lists everything at rev in pages of size limit.
func listPaged(t *testing.T, s *memory.Store, opts store.ListOptions) []api.Object {
	var all []api.Object
	for {
		res, err := s.List(context.Background(), podKind, opts)
		if err != nil {
			t.Fatalf("list %+v: %v", opts, err)
		}
		all = append(all, res.Items...)
		if res.Continue == "" {
			return all
		}
		opts.Continue = res.Continue
	}
}

// TestListAtRevisionAgainstOracle checks lists at every past revision, whole
// and paged, against snapshots taken at the time.
func TestListAtRevisionAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s := memory.New(memory.Options{HistorySize: 400})
	defer s.Close()
	snaps := map[int64]snapshot{}
	for range 300 {
		randomWrite(t, s, r)
		res, err := s.List(context.Background(), podKind, store.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		snaps[res.Revision] = snapshotOf(res.Items)
	}
	for rev, want := range snaps {
		if got := snapshotOf(listPaged(t, s, store.ListOptions{Revision: rev})); !slices.Equal(got, want) {
			t.Fatalf("list at %d:\n got %v\nwant %v", rev, got, want)
		}
		limit := int64(1 + rev%4)
		if got := snapshotOf(listPaged(t, s, store.ListOptions{Revision: rev, Limit: limit})); !slices.Equal(got, want) {
			t.Fatalf("paged list (limit %d) at %d:\n got %v\nwant %v", limit, rev, got, want)
		}
		var inA snapshot
		for _, k := range want {
			if k[:2] == "a/" {
				inA = append(inA, k)
			}
		}
		got := snapshotOf(listPaged(t, s, store.ListOptions{Revision: rev, Namespace: "a", Limit: 2}))
		if !slices.Equal(got, inA) {
			t.Fatalf("namespace a at %d:\n got %v\nwant %v", rev, got, inA)
		}
	}
}
