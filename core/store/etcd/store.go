// Package etcd is kubetwin's store.Store on etcd v3, used by the emulate and
// real modes, plus an embedded etcd server so those modes (and tests) need
// no external etcd.
//
// Layout: an object lives at Prefix/<group resource>/<namespace>/<name>
// (cluster-scoped kinds have no namespace segment) as its JSON without
// resourceVersion; its resourceVersion is the key's ModRevision, and the
// store's revision is etcd's. Every storage rule (preconditions,
// finalizers, grace periods, selector transitions, continue tokens) comes
// from package store, so this store behaves as the memory store does.
package etcd

import (
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/store"
)

// DefaultPrefix is where objects live when Options.Prefix is empty, as in
// Kubernetes.
const DefaultPrefix = "/registry"

// dialTimeout bounds Open's wait for a first connection.
const dialTimeout = 10 * time.Second

// Options configure a Store; the zero value suits one kubetwin per etcd.
type Options struct {
	// Prefix is prepended to every key, so several stores can share one
	// etcd; default DefaultPrefix.
	Prefix string
	// Clock stamps creation and deletion times; nil is clock.Real().
	Clock clock.Clock
	// Rand draws UIDs and generated names; nil is seeded from crypto/rand,
	// so UIDs stay unique across restarts.
	Rand *rand.Rand
}

// Store keeps objects in etcd, so the emulate and real modes get a durable,
// replicable store with exactly the memory store's semantics.
type Store struct {
	client    *clientv3.Client
	ownClient bool
	prefix    string
	clock     clock.Clock

	rndMu sync.Mutex // guards rnd, which is not safe for concurrent use
	rnd   *rand.Rand

	recent *recent // latest values seen, where updates start from

	ctx      context.Context // cancelled by Close to end watches
	cancel   context.CancelFunc
	closed   atomic.Bool
	watchers sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// New returns a Store on an existing client; Close leaves the client open.
func New(client *clientv3.Client, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = DefaultPrefix
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Rand == nil {
		opts.Rand = randomRand()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Store{
		client: client,
		prefix: strings.TrimSuffix(opts.Prefix, "/"),
		clock:  opts.Clock,
		rnd:    opts.Rand,
		recent: newRecent(),
		ctx:    ctx,
		cancel: cancel,
	}
}

// Open dials etcd at endpoints and returns a Store that owns the client.
func Open(ctx context.Context, endpoints []string, opts Options) (*Store, error) {
	client, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: dialTimeout,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to etcd %v: %w", endpoints, err)
	}
	s := New(client, opts)
	s.ownClient = true
	if _, err := s.Revision(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to etcd %v: %w", endpoints, err)
	}
	return s, nil
}

// randomRand returns a generator seeded from crypto/rand.
func randomRand() *rand.Rand {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails on supported platforms
	return rand.New(rand.NewChaCha8(seed))
}

// Close ends every watch and, for a store made by Open, closes its client.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	s.cancel()
	s.watchers.Wait()
	if !s.ownClient {
		return nil
	}
	if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("close etcd client: %w", err)
	}
	return nil
}

// checkOpen fails operations on a closed store.
func (s *Store) checkOpen(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, store.ErrClosed)
	}
	return nil
}

// kindPrefix is the key prefix of every object of kind, ending in "/".
func (s *Store) kindPrefix(kind *api.Kind) string {
	return s.prefix + "/" + kind.GroupResource() + "/"
}

// key is the etcd key of one object.
func (s *Store) key(kind *api.Kind, namespace, name string) string {
	return s.kindPrefix(kind) + store.ObjectKey(kind, namespace, name)
}

// Get returns the current object.
func (s *Store) Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error) {
	if err := s.checkOpen("get"); err != nil {
		return nil, err
	}
	if err := store.CheckKey(kind, namespace, name); err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	key := s.key(kind, namespace, name)
	kv, err := s.getKV(ctx, key)
	if err != nil {
		return nil, objError("get", kind, namespace, name, err)
	}
	return s.decode(kind, kv)
}

// getKV reads a key's current value; a missing key is ErrNotFound.
func (s *Store) getKV(ctx context.Context, key string) (*mvccpb.KeyValue, error) {
	resp, err := s.client.Get(ctx, key)
	if err != nil {
		return nil, s.mapErr(err)
	}
	if len(resp.Kvs) == 0 {
		s.recent.forget(key)
		return nil, store.ErrNotFound
	}
	s.recent.put(resp.Kvs[0])
	return resp.Kvs[0], nil
}

// decode makes an object of kind from a stored value, with its
// resourceVersion from the key's ModRevision.
func (s *Store) decode(kind *api.Kind, kv *mvccpb.KeyValue) (api.Object, error) {
	obj := kind.New()
	if err := json.Unmarshal(kv.Value, obj); err != nil {
		return nil, fmt.Errorf("decode %s at revision %d: %w", kv.Key, kv.ModRevision, err)
	}
	store.SetResourceVersion(obj, kv.ModRevision)
	return obj, nil
}

// encode is obj's stored form: its JSON without resourceVersion, which is
// the key's ModRevision instead. obj must be the store's own copy.
func encode(obj api.Object) ([]byte, error) {
	m := obj.GetObjectMeta()
	rv := m.ResourceVersion
	m.ResourceVersion = ""
	data, err := api.Encode(obj)
	m.ResourceVersion = rv
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Key(), err)
	}
	return data, nil
}

// Revision is etcd's current revision.
func (s *Store) Revision(ctx context.Context) (int64, error) {
	if err := s.checkOpen("revision"); err != nil {
		return 0, err
	}
	resp, err := s.client.Get(ctx, s.prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("read revision: %w", s.mapErr(err))
	}
	return resp.Header.Revision, nil
}

// Compact makes etcd forget history up to rev, physically: it returns once
// the old revisions are gone. Compacting at or below an earlier compaction
// does nothing.
func (s *Store) Compact(ctx context.Context, rev int64) error {
	if err := s.checkOpen("compact"); err != nil {
		return err
	}
	_, err := s.client.Compact(ctx, rev, clientv3.WithCompactPhysical())
	switch {
	case err == nil, errors.Is(err, rpctypes.ErrCompacted):
		return nil
	case errors.Is(err, rpctypes.ErrFutureRev):
		return fmt.Errorf("compact at %d: revision is in the future: %w", rev, store.ErrInvalid)
	}
	return fmt.Errorf("compact at %d: %w", rev, s.mapErr(err))
}

// mapErr turns etcd's errors into the store's sentinels where one applies.
func (s *Store) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, rpctypes.ErrCompacted),
		strings.Contains(err.Error(), "required revision has been compacted"):
		return fmt.Errorf("%w (etcd: %v)", store.ErrCompacted, err)
	case errors.Is(err, rpctypes.ErrFutureRev):
		return fmt.Errorf("%w: revision is in the future (etcd: %v)", store.ErrInvalid, err)
	case s.closed.Load() && (errors.Is(err, context.Canceled) || errors.Is(err, clientv3.ErrNoAvailableEndpoints)):
		return fmt.Errorf("%w (etcd: %v)", store.ErrClosed, err)
	}
	return err
}

// objError wraps err with the operation and object it concerns.
func objError(op string, kind *api.Kind, namespace, name string, err error) error {
	return fmt.Errorf("%s %s %q: %w", op, kind.GroupResource(), store.ObjectKey(kind, namespace, name), err)
}
