package cache

import (
	"slices"

	"github.com/kubetwin/kubetwin/core/api"
)

// keyed is a list of objects kept in key order, for an index read far
// more often than it changes: a ReplicaSet reads its pods on every
// reconcile, and sorting them each time cost more than the reconcile.
type keyed []api.Object

func (k keyed) find(m *api.ObjectMeta) (int, bool) {
	return slices.BinarySearchFunc(k, m, func(o api.Object, m *api.ObjectMeta) int {
		return api.CompareKeys(o.GetObjectMeta(), m)
	})
}

// put adds o, or replaces the object with its key.
func (k keyed) put(o api.Object) keyed {
	i, ok := k.find(o.GetObjectMeta())
	if ok {
		k[i] = o
		return k
	}
	return slices.Insert(k, i, o)
}

// remove drops the object with m's key, if present.
func (k keyed) remove(m *api.ObjectMeta) keyed {
	if i, ok := k.find(m); ok {
		return slices.Delete(k, i, i+1)
	}
	return k
}

// putKeyed adds o to index[group].
func putKeyed(index map[string]keyed, group string, o api.Object) {
	index[group] = index[group].put(o)
}

// removeKeyed drops the object with m's key from index[group], and the
// group once empty.
func removeKeyed(index map[string]keyed, group string, m *api.ObjectMeta) {
	g := index[group].remove(m)
	if len(g) == 0 {
		delete(index, group)
		return
	}
	index[group] = g
}
