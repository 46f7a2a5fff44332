package cache

import "github.com/kubetwin/kubetwin/core/api"

// IndexFunc gives the value an object is indexed under ("" for none), such
// as a pod's node name.
type IndexFunc func(api.Object) string

// index is one extra index of a cache: value → key → object.
type index struct {
	fn      IndexFunc
	objects map[string]map[string]api.Object
}

// AddIndex indexes the cache's objects by fn under name, so a controller
// can find, say, the pods of one node without walking every pod; add
// indexes before the cache is filled.
func (c *Cache) AddIndex(name string, fn IndexFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.indexes == nil {
		c.indexes = map[string]*index{}
	}
	if _, ok := c.indexes[name]; ok {
		return // one index per name; the first one stays
	}
	ix := &index{fn: fn, objects: map[string]map[string]api.Object{}}
	for key, o := range c.objs {
		if v := fn(o); v != "" {
			addIndexed(ix.objects, v, key, o)
		}
	}
	c.indexes[name] = ix
}

// ByIndex returns the objects indexed under value by the index name,
// ordered by key; none when there is no such index.
func (c *Cache) ByIndex(name, value string) []api.Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ix := c.indexes[name]
	if ix == nil {
		return nil
	}
	return collect(ix.objects[value], nil)
}

func (c *Cache) indexLocked(key string, o api.Object, add bool) {
	for _, ix := range c.indexes {
		v := ix.fn(o)
		switch {
		case v == "":
		case add:
			addIndexed(ix.objects, v, key, o)
		default:
			removeIndexed(ix.objects, v, key)
		}
	}
}
