package etcd

import (
	"sync"

	"go.etcd.io/etcd/api/v3/mvccpb"
)

// recentSize is how many keys' latest known values a Store remembers.
const recentSize = 8192

// recent remembers the last value this store read or wrote for each of a
// bounded number of keys, so an update can start from it instead of
// reading first: the update's transaction compares the key's ModRevision
// with the remembered one, so a stale value only costs a retry, never a
// wrong write. Oldest keys are forgotten first.
type recent struct {
	mu    sync.Mutex
	kvs   map[string]*mvccpb.KeyValue
	order []string // ring of the keys in kvs, oldest at next
	next  int
}

func newRecent() *recent {
	return &recent{kvs: make(map[string]*mvccpb.KeyValue, recentSize), order: make([]string, 0, recentSize)}
}

// get returns the remembered value of key, or nil.
func (r *recent) get(key string) *mvccpb.KeyValue {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.kvs[key]
}

// put remembers kv as its key's latest value unless a newer one is known.
func (r *recent) put(kv *mvccpb.KeyValue) {
	key := string(kv.Key)
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.kvs[key]; ok {
		if old.ModRevision < kv.ModRevision {
			r.kvs[key] = kv
		}
		return
	}
	if len(r.order) < recentSize {
		r.order = append(r.order, key)
	} else {
		delete(r.kvs, r.order[r.next])
		r.order[r.next] = key
		r.next = (r.next + 1) % recentSize
	}
	r.kvs[key] = kv
}

// forget drops key's remembered value.
func (r *recent) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.kvs, key) // a ring slot may outlive it: eviction then just frees it early
}
