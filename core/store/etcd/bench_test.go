package etcd

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/storetest"
)

// BenchmarkEtcd runs the shared store benchmarks on one embedded member,
// with fsync (as emulate and real mode run) and without (the most a
// benchmark host's disk can be taken out of the figures).
func BenchmarkEtcd(b *testing.B) {
	for _, c := range []struct {
		name    string
		noFsync bool
	}{{"fsync", false}, {"nofsync", true}} {
		b.Run(c.name, func(b *testing.B) {
			srv, err := StartEmbedded(EmbeddedConfig{Name: "bench", DataDir: b.TempDir(),
				UnsafeNoFsync: c.noFsync, ReadyTimeout: 30 * time.Second})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			storetest.Benchmarks(b, func(b *testing.B) store.Store {
				return openStore(b, srv.Endpoints(), Options{})
			})
		})
	}
}
