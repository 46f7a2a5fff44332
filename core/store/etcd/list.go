package etcd

import (
	"context"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// maxListBatch bounds how many keys one range read returns, so a large
// list is read in pieces of bounded size.
const maxListBatch = 10000

// minListBatch is the smallest range read, so a filtered page with a small
// limit does not take one round trip per key.
const minListBatch = 64

// List returns the matching objects of kind ordered by key, at one
// revision. With a limit, it fills the page with matching objects and
// returns a continue token only when another matching object exists.
func (s *Store) List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error) {
	if err := s.checkOpen("list"); err != nil {
		return nil, err
	}
	if opts.Limit < 0 || opts.Revision < 0 {
		return nil, fmt.Errorf("list %s: negative limit or revision: %w", kind.GroupResource(), store.ErrInvalid)
	}
	l, err := s.newLister(kind, opts)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", kind.GroupResource(), err)
	}
	if err := l.run(ctx); err != nil {
		return nil, fmt.Errorf("list %s: %w", kind.GroupResource(), err)
	}
	return l.result, nil
}

// lister is the state of one List: the key range still to read and the
// page being filled.
type lister struct {
	s      *Store
	kind   *api.Kind
	opts   store.ListOptions
	scope  string // the kind's key prefix; keys in tokens are relative to it
	start  string // next key to read
	end    string // end of the range, exclusive
	rev    int64  // revision read at; 0 until the first read when unset
	batch  int64
	result *store.ListResult
}

// newLister works out the key range and revision of a list from its
// namespace and continue token.
func (s *Store) newLister(kind *api.Kind, opts store.ListOptions) (*lister, error) {
	l := &lister{s: s, kind: kind, opts: opts, scope: s.kindPrefix(kind), rev: opts.Revision,
		result: &store.ListResult{Items: []api.Object{}}}
	l.start = l.scope
	if opts.Namespace != "" && kind.Namespaced {
		l.start += opts.Namespace + "/"
	}
	l.end = clientv3.GetPrefixRangeEnd(l.start)
	if opts.Continue != "" {
		rev, lastKey, err := store.DecodeContinue(opts.Continue)
		if err != nil {
			return nil, err
		}
		if opts.Revision != 0 && opts.Revision != rev {
			return nil, fmt.Errorf("revision %d given with a continue token at %d: %w", opts.Revision, rev, store.ErrInvalid)
		}
		l.rev = rev
		if after := l.scope + lastKey + "\x00"; after > l.start {
			l.start = after
		}
	}
	l.batch = max(opts.Limit+1, minListBatch)
	if opts.Limit == 0 {
		l.batch = maxListBatch
	}
	l.batch = min(l.batch, maxListBatch)
	return l, nil
}

// run reads batches until the page is full or the range is exhausted. A
// full page gets a continue token when any key follows it, as the memory
// store does, so with a selector the last page may be empty.
func (l *lister) run(ctx context.Context) error {
	for l.start < l.end {
		resp, err := l.read(ctx)
		if err != nil {
			return err
		}
		for i, kv := range resp.Kvs {
			if l.full() {
				l.finishPage(resp.Count - int64(i))
				return nil
			}
			obj, err := l.s.decode(l.kind, kv)
			if err != nil {
				return err
			}
			if store.Matches(l.kind, obj, l.opts.Namespace, l.opts.Labels, l.opts.Fields) {
				l.result.Items = append(l.result.Items, obj)
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		if l.full() {
			l.finishPage(resp.Count - int64(len(resp.Kvs)))
			return nil
		}
		l.start = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		l.batch = min(2*l.batch, maxListBatch)
	}
	l.result.Revision = l.rev
	return nil
}

// read fetches the next batch at the list's revision, fixing the revision
// at the first read.
func (l *lister) read(ctx context.Context) (*clientv3.GetResponse, error) {
	ops := []clientv3.OpOption{clientv3.WithRange(l.end), clientv3.WithLimit(l.batch)}
	if l.rev != 0 {
		ops = append(ops, clientv3.WithRev(l.rev))
	}
	resp, err := l.s.client.Get(ctx, l.start, ops...)
	if err != nil {
		return nil, l.s.mapErr(err)
	}
	if l.rev == 0 {
		l.rev = resp.Header.Revision
	}
	return resp, nil
}

// full reports whether the page holds Limit items.
func (l *lister) full() bool {
	return l.opts.Limit > 0 && int64(len(l.result.Items)) == l.opts.Limit
}

// finishPage sets the continue token after a full page; keysLeft counts
// the keys from the first one past the page to the end of the range.
func (l *lister) finishPage(keysLeft int64) {
	items := l.result.Items
	last := items[len(items)-1].GetObjectMeta()
	l.result.Continue = store.EncodeContinue(l.rev, store.ObjectKey(l.kind, last.Namespace, last.Name))
	l.result.Revision = l.rev
	if selectorEmpty(l.opts) {
		l.result.Remaining = keysLeft // every key matches: the count is exact
	}
}

// selectorEmpty reports whether a list selects every object in its range.
func selectorEmpty(opts store.ListOptions) bool {
	return (opts.Labels == nil || opts.Labels.Empty()) && (opts.Fields == nil || opts.Fields.Empty())
}
