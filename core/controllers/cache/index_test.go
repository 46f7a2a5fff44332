package cache_test

import (
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/store"
)

func byNode(o api.Object) string { return o.(*api.Pod).Spec.NodeName }

// An extra index follows every change: objects move between values, leave
// on deletion, and one added late covers what the cache already holds.
func TestAddIndexFollowsChanges(t *testing.T) {
	c := cache.New(newRegistry(t), podKind)
	rev := int64(0)
	apply := func(typ store.EventType, p *api.Pod) {
		rev++
		c.Apply(store.Event{Type: typ, Object: p, Revision: rev})
	}
	a := fixtures.MakePod().Name("a").Node("n1").Obj()
	apply(store.Added, a)
	c.AddIndex("node", byNode)
	apply(store.Added, fixtures.MakePod().Name("b").Node("n1").Obj())
	apply(store.Added, fixtures.MakePod().Name("pending").Obj())
	if got := names(c.ByIndex("node", "n1")); !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("n1 holds %v, want [a b]", got)
	}
	moved := a.DeepCopy()
	moved.Spec.NodeName = "n2"
	apply(store.Modified, moved)
	apply(store.Deleted, fixtures.MakePod().Name("b").Node("n1").Obj())
	if got := names(c.ByIndex("node", "n1")); len(got) != 0 {
		t.Fatalf("n1 still holds %v", got)
	}
	if got := names(c.ByIndex("node", "n2")); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("n2 holds %v, want [a]", got)
	}
	if got := c.ByIndex("no-such-index", "n2"); got != nil {
		t.Fatalf("unknown index gave %v", got)
	}
}
