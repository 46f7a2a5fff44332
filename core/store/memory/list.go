package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// visitFunc receives objects in key order; false stops the walk.
type visitFunc func(key string, obj api.Object) bool

// List implements store.Store. With Limit, a page holds up to Limit
// matching objects; Continue is set when the page is full and keys remain
// after it, so with a selector the last page may be empty. Remaining is
// set on a first page without selectors at the current revision.
func (s *Store) List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error) {
	ks, err := s.state(kind)
	if err != nil {
		return nil, err
	}
	rev, after, err := listPosition(ks.kind, opts)
	if err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.live(ctx); err != nil {
		return nil, err
	}
	if rev, err = s.readRevision(ks.kind, rev); err != nil {
		return nil, err
	}
	ns := opts.Namespace
	if !ks.kind.Namespaced {
		ns = ""
	}
	res := &store.ListResult{Revision: rev}
	var lastKey string
	res.Items, lastKey = s.page(ks, rev, ns, after, opts)
	if lastKey != "" {
		res.Continue = store.EncodeContinue(rev, lastKey)
		if after == "" && rev == s.rev && selectsAll(opts) {
			res.Remaining = int64(ks.count(ns) - len(res.Items))
		}
	}
	return res, nil
}

// listPosition reads where a list starts: the revision (0: latest) and the
// key to resume after.
func listPosition(kind *api.Kind, opts store.ListOptions) (rev int64, after string, err error) {
	if opts.Limit < 0 {
		return 0, "", fmt.Errorf("list %s with limit %d: %w", kind.GroupResource(), opts.Limit, store.ErrInvalid)
	}
	if opts.Revision < 0 {
		return 0, "", fmt.Errorf("list %s at revision %d: %w", kind.GroupResource(), opts.Revision, store.ErrInvalid)
	}
	if opts.Continue == "" {
		return opts.Revision, "", nil
	}
	rev, after, err = store.DecodeContinue(opts.Continue)
	if err != nil {
		return 0, "", fmt.Errorf("list %s: %w", kind.GroupResource(), err)
	}
	if opts.Revision != 0 && opts.Revision != rev {
		return 0, "", fmt.Errorf("list %s: revision %d contradicts the continue token's %d: %w",
			kind.GroupResource(), opts.Revision, rev, store.ErrInvalid)
	}
	return rev, after, nil
}

// readRevision resolves the revision a read is at (0: latest) and checks
// that the store can still reconstruct it. Callers hold s.mu.
func (s *Store) readRevision(kind *api.Kind, rev int64) (int64, error) {
	switch {
	case rev == 0:
		return s.rev, nil
	case rev > s.rev:
		return 0, fmt.Errorf("list %s at revision %d, newer than the store's %d: %w",
			kind.GroupResource(), rev, s.rev, store.ErrInvalid)
	case rev < s.compacted():
		return 0, fmt.Errorf("list %s at revision %d, compacted at %d: %w",
			kind.GroupResource(), rev, s.compacted(), store.ErrCompacted)
	}
	return rev, nil
}

func selectsAll(opts store.ListOptions) bool {
	return (opts.Labels == nil || opts.Labels.Empty()) && (opts.Fields == nil || opts.Fields.Empty())
}

// count is how many objects are in namespace ns ("" for all).
func (ks *kindState) count(ns string) int {
	if ns == "" {
		return ks.index.Len()
	}
	return ks.counts[ns]
}

// page collects the matching objects after the key after, up to the limit,
// as of revision rev. lastKey is set only when keys remain after a full
// page. Callers hold s.mu.
func (s *Store) page(ks *kindState, rev int64, ns, after string, opts store.ListOptions) (items []api.Object, lastKey string) {
	limit := int(opts.Limit)
	if selectsAll(opts) {
		size := ks.count(ns)
		if limit > 0 {
			size = min(size, limit)
		}
		items = make([]api.Object, 0, size)
	}
	var last string
	more := false
	visit := func(key string, obj api.Object) bool {
		if limit > 0 && len(items) == limit {
			more = true
			return false
		}
		if store.Matches(ks.kind, obj, ns, opts.Labels, opts.Fields) {
			items, last = append(items, obj), key
		}
		return true
	}
	prefix := ""
	if ns != "" {
		prefix = ns + "/"
	}
	start := prefix
	if after != "" && after+"\x00" > start {
		start = after + "\x00" // the least key greater than after
	}
	if rev == s.rev {
		ks.ascend(start, prefix, visit)
	} else {
		s.ascendAt(ks, rev, start, prefix, visit)
	}
	if more {
		lastKey = last
	}
	return items, lastKey
}

// ascend walks the current objects with keys >= start that begin with prefix.
func (ks *kindState) ascend(start, prefix string, fn visitFunc) {
	ks.index.AscendGreaterOrEqual(&entry{key: start}, func(e *entry) bool {
		return strings.HasPrefix(e.key, prefix) && fn(e.key, e.obj)
	})
}

// ascendAt walks the objects as they were at revision rev: the current
// ones, with every key changed since rev replaced by its state then. The
// changed keys come from history in key order and are merged into the walk
// of the current keys. Callers hold s.mu.
func (s *Store) ascendAt(ks *kindState, rev int64, start, prefix string, fn visitFunc) {
	past, keys := s.pastStates(ks, rev, start, prefix)
	i := 0
	// pastOnly yields the changed keys below limit ("": all that are left);
	// none of them is a current key, or the walk would have reached it.
	pastOnly := func(limit string) bool {
		for ; i < len(keys) && (limit == "" || keys[i] < limit); i++ {
			if o := past[keys[i]]; o != nil && !fn(keys[i], o) {
				return false
			}
		}
		return true
	}
	stopped := false
	ks.ascend(start, prefix, func(key string, cur api.Object) bool {
		if !pastOnly(key) {
			stopped = true
			return false
		}
		obj := cur
		if i < len(keys) && keys[i] == key {
			obj = past[key]
			i++
		}
		stopped = obj != nil && !fn(key, obj)
		return !stopped
	})
	if !stopped {
		pastOnly("")
	}
}

// pastStates maps each key of the kind changed after rev to its state at
// rev (nil: absent), the state before its oldest later change, and lists
// those keys >= start with the prefix, sorted. Callers hold s.mu.
func (s *Store) pastStates(ks *kindState, rev int64, start, prefix string) (map[string]api.Object, []string) {
	past := map[string]api.Object{}
	s.hist.since(rev, s.rev, func(c *change) {
		if _, seen := past[c.key]; !seen && c.ks == ks {
			past[c.key] = c.before()
		}
	})
	keys := make([]string, 0, len(past))
	for k := range past {
		if k >= start && strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return past, keys
}
