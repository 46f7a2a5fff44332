package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/store"
)

// change is one applied change, for handlers.
type change struct{ old, cur api.Object }

// Sync lists every object of the kind and replaces the cache's contents
// with the result, telling handlers what was added, changed or removed.
func (c *Cache) Sync(ctx context.Context) error {
	res, err := c.src.List(ctx, c.kind, store.ListOptions{})
	if err != nil {
		return fmt.Errorf("list %s: %w", c.kind.GroupResource(), err)
	}
	c.mu.Lock()
	changes := c.replaceLocked(res.Items, res.Revision)
	handlers := slices.Clone(c.handlers)
	c.mu.Unlock()
	c.syncOnce.Do(func() { close(c.synced) })
	notify(handlers, changes)
	return nil
}

// replaceLocked swaps in items, returning the differences in key order.
func (c *Cache) replaceLocked(items []api.Object, rev int64) []change {
	seen := make(map[string]bool, len(items))
	var changes []change
	for _, o := range items {
		key := o.GetObjectMeta().Key()
		seen[key] = true
		old := c.objs[key]
		if old == nil || old.GetObjectMeta().ResourceVersion != o.GetObjectMeta().ResourceVersion {
			c.putLocked(o)
			changes = append(changes, change{old, o})
		}
	}
	for _, key := range sortedKeys(c.objs) {
		if !seen[key] {
			old := c.objs[key]
			c.removeLocked(old)
			changes = append(changes, change{old, nil})
		}
	}
	c.revision = rev
	return changes
}

// Apply applies one watch event and tells handlers about it, skipping
// events the cache's revision already covers; it reports false for an
// Error event, after which the caller must relist.
func (c *Cache) Apply(ev store.Event) bool {
	if ev.Type == store.Error {
		return false
	}
	c.mu.Lock()
	if ev.Revision != 0 && ev.Revision <= c.revision {
		c.mu.Unlock() // already reflected by a later list
		return true
	}
	key := ev.Object.GetObjectMeta().Key()
	old := c.objs[key]
	var ch change
	if ev.Type == store.Deleted {
		if old != nil {
			c.removeLocked(old)
		}
		ch = change{old, nil}
	} else {
		c.putLocked(ev.Object)
		ch = change{old, ev.Object}
	}
	if ev.Revision > c.revision {
		c.revision = ev.Revision
	}
	handlers := slices.Clone(c.handlers)
	c.mu.Unlock()
	if ch.old != nil || ch.cur != nil {
		notify(handlers, []change{ch})
	}
	return true
}

func notify(handlers []Handler, changes []change) {
	for _, ch := range changes {
		for _, h := range handlers {
			h(ch.old, ch.cur)
		}
	}
}

// putLocked stores o, replacing any older version in every index. An
// update that keeps the controller replaces the object in its owner's
// list in place rather than moving the rest of the list twice.
func (c *Cache) putLocked(o api.Object) {
	m := o.GetObjectMeta()
	ref := ControllerOf(o)
	if old := c.objs[m.Key()]; old != nil {
		oldRef := ControllerOf(old)
		sameOwner := ref != nil && oldRef != nil && ref.UID == oldRef.UID
		c.removeFromIndexes(old, !sameOwner)
	}
	c.objs[m.Key()] = o
	addIndexed(c.byNS, m.Namespace, m.Name, o)
	if ref != nil {
		putKeyed(c.byOwner, ref.UID, o)
	} else {
		addIndexed(c.orphans, m.Namespace, m.Name, o)
	}
	c.indexLocked(m.Key(), o, true)
}

// addIndexed puts o in index[group][key], creating the group.
func addIndexed(index map[string]map[string]api.Object, group, key string, o api.Object) {
	g := index[group]
	if g == nil {
		g = map[string]api.Object{}
		index[group] = g
	}
	g[key] = o
}

// removeIndexed drops index[group][key], and the group once empty.
func removeIndexed(index map[string]map[string]api.Object, group, key string) {
	if g := index[group]; g != nil {
		delete(g, key)
		if len(g) == 0 {
			delete(index, group)
		}
	}
}

// removeLocked drops o from every index.
func (c *Cache) removeLocked(o api.Object) { c.removeFromIndexes(o, true) }

// removeFromIndexes drops o from every index, and from its owner's list
// only when fromOwner is set.
func (c *Cache) removeFromIndexes(o api.Object, fromOwner bool) {
	m := o.GetObjectMeta()
	delete(c.objs, m.Key())
	removeIndexed(c.byNS, m.Namespace, m.Name)
	if ref := ControllerOf(o); ref != nil {
		if fromOwner {
			removeKeyed(c.byOwner, ref.UID, m)
		}
	} else {
		removeIndexed(c.orphans, m.Namespace, m.Name)
	}
	c.indexLocked(m.Key(), o, false)
}

// Run keeps the cache current until ctx ends: list, watch from the listed
// revision, and list again whenever the watch fails (ErrCompacted, a slow
// watcher) or closes. A cache already synced starts by watching from its
// revision. Failed lists are retried after retry on clk.
func (c *Cache) Run(ctx context.Context, clk clock.Clock, retry time.Duration) {
	needList := !c.HasSynced()
	for ctx.Err() == nil {
		if needList {
			if err := c.Sync(ctx); err != nil {
				wait(ctx, clk, retry)
				continue
			}
		}
		w, err := c.src.Watch(ctx, c.kind, store.WatchOptions{Revision: c.Revision()})
		if err != nil {
			// A compacted revision, or any other failure: start over from a list.
			needList = true
			if !errors.Is(err, store.ErrCompacted) {
				wait(ctx, clk, retry)
			}
			continue
		}
		c.follow(ctx, w)
		needList = true
	}
}

// follow applies w's events until it ends or ctx is done.
func (c *Cache) follow(ctx context.Context, w store.Watcher) {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok || !c.Apply(ev) {
				return
			}
		}
	}
}

func wait(ctx context.Context, clk clock.Clock, d time.Duration) {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C():
	}
}

// sortedKeys returns m's keys in order, so relists notify in a fixed order.
func sortedKeys(m map[string]api.Object) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
