package cache

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

// TestKeyedStaysInKeyOrder puts, replaces and removes objects at random
// and compares the list with a sorted copy of what a map holds.
func TestKeyedStaysInKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var k keyed
	want := map[string]*api.Pod{}
	for i := range 2000 {
		p := &api.Pod{}
		p.Namespace, p.Name = fmt.Sprint("ns", rng.IntN(3)), fmt.Sprint("p", rng.IntN(200))
		p.ResourceVersion = fmt.Sprint(i)
		if rng.IntN(3) == 0 {
			k = k.remove(&p.ObjectMeta)
			delete(want, p.Namespace+"/"+p.Name)
		} else {
			k = k.put(p)
			want[p.Namespace+"/"+p.Name] = p
		}
	}
	var keys []string
	for key := range want {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	if len(k) != len(keys) {
		t.Fatalf("%d objects, want %d", len(k), len(keys))
	}
	for i, key := range keys {
		if got := k[i].(*api.Pod); got != want[key] {
			t.Fatalf("position %d: %s rv %s, want %s rv %s", i, got.ObjectMeta.Key(), got.ResourceVersion, key, want[key].ResourceVersion)
		}
	}
}
