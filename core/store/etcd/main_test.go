package etcd

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/store"
)

// The package's tests share one embedded member, started on first use;
// each store gets its own key prefix, so tests never see each other's
// objects (only the revision counter and compaction are shared).
var (
	sharedOnce   sync.Once
	sharedServer *Embedded
	sharedErr    error
	sharedDir    string
	prefixSeq    atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedServer != nil {
		sharedServer.Close()
	}
	if sharedDir != "" {
		_ = os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// shared returns the package's embedded member, starting it if needed.
func shared(tb testing.TB) *Embedded {
	tb.Helper()
	sharedOnce.Do(func() {
		if sharedDir, sharedErr = os.MkdirTemp("", "kubetwin-etcd-test-"); sharedErr != nil {
			return
		}
		sharedServer, sharedErr = StartEmbedded(EmbeddedConfig{Name: "shared", DataDir: sharedDir, ReadyTimeout: 30 * time.Second})
	})
	if sharedErr != nil {
		tb.Fatalf("start the shared etcd member: %v", sharedErr)
	}
	return sharedServer
}

// uniquePrefix is a key prefix no other store in this process uses.
func uniquePrefix() string {
	return fmt.Sprintf("/kubetwin-test/%d", prefixSeq.Add(1))
}

// openStore opens a store with its own prefix on the given member's
// endpoints, closed when the test ends.
func openStore(tb testing.TB, endpoints []string, opts Options) *Store {
	tb.Helper()
	if opts.Prefix == "" {
		opts.Prefix = uniquePrefix()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Open(ctx, endpoints, opts)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// newSharedStore is a fresh, empty store on the shared member.
func newSharedStore(tb testing.TB) store.Store {
	tb.Helper()
	return openStore(tb, shared(tb).Endpoints(), Options{})
}
