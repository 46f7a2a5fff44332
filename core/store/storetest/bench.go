package storetest

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// Benchmarks measures the operations the simulator and the API server lean
// on, so both stores can be compared on the same figures: newStore must
// return an empty store, closed by the caller or left to Benchmarks.
func Benchmarks(b *testing.B, newStore func(b *testing.B) store.Store) {
	for _, bm := range []struct {
		name string
		fn   func(b *testing.B, s store.Store)
	}{
		{"Create", benchCreate},
		{"Update", benchUpdate},
		{"UpdateParallel", benchUpdateParallel},
		{"Get", benchGet},
		{"List10000", benchList10000},
		{"WatchFanout100", benchWatchFanout100},
	} {
		b.Run(bm.name, func(b *testing.B) {
			s := newStore(b)
			b.Cleanup(func() { _ = s.Close() })
			bm.fn(b, s)
		})
	}
}

func benchFatal(b *testing.B, what string, err error) {
	b.Helper()
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
}

func perSecond(b *testing.B, n int, unit string) {
	if secs := b.Elapsed().Seconds(); secs > 0 {
		b.ReportMetric(float64(n)/secs, unit)
	}
}

func benchCreate(b *testing.B, s store.Store) {
	ctx := context.Background()
	pods := make([]*api.Pod, b.N)
	for i := range pods {
		pods[i] = pod("default", fmt.Sprintf("pod-%09d", i), map[string]string{"app": "bench"}, "")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Create(ctx, pods[i]); err != nil {
			b.Fatalf("create: %v", err)
		}
	}
	b.StopTimer()
	perSecond(b, b.N, "creates/s")
}

// benchUpdate renews one lease b.N times, as node heartbeats do.
func benchUpdate(b *testing.B, s store.Store) {
	ctx := context.Background()
	_, err := s.Create(ctx, lease(api.NamespaceNodeLease, "node-1"))
	benchFatal(b, "create lease", err)
	l := lease(api.NamespaceNodeLease, "node-1")
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	renew := api.NewMicroTime(base)
	l.Spec.RenewTime = &renew
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		renew.Time = base.Add(time.Duration(i) * time.Microsecond)
		if _, err := s.Update(ctx, l); err != nil {
			b.Fatalf("update: %v", err)
		}
	}
	b.StopTimer()
	perSecond(b, b.N, "updates/s")
}

// benchUpdateParallel renews one lease per goroutine from 64 goroutines at
// once, as a fleet of nodes does: a store that batches its writes (etcd
// groups concurrent proposals into one fsync) shows its throughput here
// rather than its latency.
func benchUpdateParallel(b *testing.B, s store.Store) {
	const writers = 64
	ctx := context.Background()
	leases := make(chan *api.Lease, writers)
	for i := range writers {
		l := lease(api.NamespaceNodeLease, fmt.Sprintf("node-%03d", i))
		_, err := s.Create(ctx, l)
		benchFatal(b, "create lease", err)
		leases <- l
	}
	b.SetParallelism((writers + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		l := <-leases
		renew := api.NewMicroTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		l.Spec.RenewTime = &renew
		for pb.Next() {
			renew.Time = renew.Time.Add(time.Microsecond)
			if _, err := s.Update(ctx, l); err != nil {
				b.Errorf("update: %v", err)
				return
			}
		}
	})
	b.StopTimer()
	perSecond(b, b.N, "updates/s")
}

func benchGet(b *testing.B, s store.Store) {
	ctx := context.Background()
	const n = 1000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("pod-%04d", i)
		_, err := s.Create(ctx, pod("default", names[i], nil, ""))
		benchFatal(b, "create", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Get(ctx, podKind, "default", names[i%n]); err != nil {
			b.Fatalf("get: %v", err)
		}
	}
	b.StopTimer()
	perSecond(b, b.N, "gets/s")
}

func benchList10000(b *testing.B, s store.Store) {
	ctx := context.Background()
	const n = 10000
	for i := range n {
		_, err := s.Create(ctx, pod(fmt.Sprintf("ns-%d", i%10), fmt.Sprintf("pod-%05d", i), nil, ""))
		benchFatal(b, "create", err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := s.List(ctx, podKind, store.ListOptions{})
		if err != nil || len(res.Items) != n {
			b.Fatalf("list: %v", err)
		}
	}
	b.StopTimer()
	perSecond(b, b.N*n, "items/s")
}

// benchWatchFanout100 writes once per iteration and waits until each of
// 100 watchers has received the write; it reports the cost per delivered
// event.
func benchWatchFanout100(b *testing.B, s store.Store) {
	const watchers = 100
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := s.Create(ctx, lease("default", "fanout"))
	benchFatal(b, "create lease", err)
	got := make(chan struct{}, watchers)
	for range watchers {
		w, err := s.Watch(ctx, leaseKind, store.WatchOptions{})
		benchFatal(b, "watch", err)
		defer w.Stop()
		go func() {
			for range w.ResultChan() {
				got <- struct{}{}
			}
		}()
	}
	l := lease("default", "fanout")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.Annotations = map[string]string{"i": fmt.Sprint(i)}
		if _, err := s.Update(ctx, l); err != nil {
			b.Fatalf("update: %v", err)
		}
		for range watchers {
			<-got
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*watchers), "ns/event")
}
