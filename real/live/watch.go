package live

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// changeBuffer is how many changes may wait for the run's loop before the
// caches' watch goroutines block; a burst of pods at once stays under it.
const changeBuffer = 1 << 16

// change is one object's change as a cache applied it: old is nil for an
// addition, cur nil for a deletion; at is when it arrived, from the
// start of the run, so a change that waits while the run's loop is busy
// is still recorded when it happened.
type change struct {
	old, cur api.Object
	at       time.Duration
}

// event is the change as the store reported it, for the run's observers.
func (c change) event() (store.Event, api.Object) {
	switch {
	case c.old == nil:
		return store.Event{Type: store.Added, Object: c.cur, Revision: revision(c.cur)}, nil
	case c.cur == nil:
		return store.Event{Type: store.Deleted, Object: c.old, Revision: revision(c.old)}, c.old
	}
	return store.Event{Type: store.Modified, Object: c.cur, Revision: revision(c.cur)}, c.old
}

func revision(o api.Object) int64 {
	rv, _ := strconv.ParseInt(o.GetObjectMeta().ResourceVersion, 10, 64)
	return rv
}

// watchedKinds are the kinds every run follows: pods and nodes for the
// records and invariants, the workload controllers' objects for
// convergence; the scenario's own kinds are added to them.
var watchedKinds = []*api.Kind{
	api.MustLookupKind(api.CoreV1, "Pod"),
	api.MustLookupKind(api.CoreV1, "Node"),
	api.MustLookupKind(api.AppsV1, "Deployment"),
	api.MustLookupKind(api.AppsV1, "ReplicaSet"),
	api.MustLookupKind(api.AppsV1, "DaemonSet"),
	api.MustLookupKind(api.BatchV1, "Job"),
}

// follow fills caches of every watched kind and of each kind the
// scenario's workloads hold, and sends their changes to out. It returns
// once every cache has listed (the existing objects arrive as additions);
// the watches go on until ctx ends.
func follow(ctx context.Context, src cache.Source, sc *scenarios.Scenario, start time.Time, out chan<- change) (*cache.Set, error) {
	set := cache.NewSet(src)
	for _, k := range kindsOf(sc) {
		set.For(k).AddHandler(func(old, cur api.Object) {
			select {
			case out <- change{old, cur, time.Since(start)}:
			case <-ctx.Done():
			}
		})
	}
	if err := set.SyncAll(ctx); err != nil {
		return nil, fmt.Errorf("live: list the cluster: %w", err)
	}
	return set, nil
}

// kindsOf is the watched kinds and the scenario's, each once, in a fixed order.
func kindsOf(sc *scenarios.Scenario) []*api.Kind {
	kinds := append([]*api.Kind(nil), watchedKinds...)
	seen := map[*api.Kind]bool{}
	for _, k := range kinds {
		seen[k] = true
	}
	for _, wl := range sc.Workloads {
		for _, obj := range wl.Objects {
			if k, err := api.KindOf(obj); err == nil && !seen[k] {
				seen[k] = true
				kinds = append(kinds, k)
			}
		}
	}
	return kinds
}
