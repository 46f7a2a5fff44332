package etcd

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/kubetwin/kubetwin/core/clock"
)

// DefaultReadyTimeout bounds how long StartEmbedded waits for a member to
// join its cluster and serve clients, so a misconfigured member fails
// instead of hanging.
const DefaultReadyTimeout = 60 * time.Second

// EmbeddedConfig describes one etcd member run inside the kubetwin process,
// so emulate mode and tests need no external etcd binary.
type EmbeddedConfig struct {
	// Name is the member's name in InitialCluster; default "kubetwin".
	Name string
	// DataDir holds the member's WAL and database; required. Starting again
	// on the same directory recovers every acknowledged write.
	DataDir string
	// ClientURL and PeerURL are where the member serves clients and peers;
	// default http://127.0.0.1 on a free port.
	ClientURL, PeerURL string
	// InitialCluster lists every member as name=peerURL,...; default just
	// this member.
	InitialCluster string
	// ClusterState is "new" (default) or "existing" (joining a running cluster).
	ClusterState string
	// UnsafeNoFsync skips fsync: faster, loses writes on a machine crash.
	// For benchmarks only.
	UnsafeNoFsync bool
	// QuotaBackendBytes caps the database size; 0 is etcd's default.
	QuotaBackendBytes int64
	// ReadyTimeout bounds the wait for the member to be ready; 0 is
	// DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

// Embedded is a running in-process etcd member, so emulate mode and tests
// get a real etcd without installing or managing one.
type Embedded struct {
	etcd      *embed.Etcd
	cfg       EmbeddedConfig
	closing   *atomic.Bool // silences the errors etcd logs while it stops
	closeOnce sync.Once
}

// ErrNotReady is returned when an embedded member does not become ready in
// time (for example because its cluster has no quorum).
var ErrNotReady = errors.New("etcd member not ready")

// StartEmbedded starts an etcd member and waits until it serves clients.
// For a multi-member cluster, start the members concurrently: each waits
// for a quorum.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if err := cfg.fillDefaults(); err != nil {
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	closing := new(atomic.Bool)
	ecfg, err := cfg.embedConfig(closing)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd %s: %w", cfg.Name, err)
	}
	e, err := embed.StartEtcd(ecfg)
	if err != nil {
		return nil, fmt.Errorf("start embedded etcd %s in %s: %w", cfg.Name, cfg.DataDir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
		return &Embedded{etcd: e, cfg: cfg, closing: closing}, nil
	case err := <-e.Err():
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("start embedded etcd %s: %w", cfg.Name, err)
	case <-clock.Real().After(cfg.ReadyTimeout):
		closing.Store(true)
		e.Close()
		return nil, fmt.Errorf("start embedded etcd %s: no quorum after %v: %w", cfg.Name, cfg.ReadyTimeout, ErrNotReady)
	}
}

// fillDefaults completes a configuration: name, free loopback ports, a
// one-member cluster.
func (cfg *EmbeddedConfig) fillDefaults() error {
	if cfg.DataDir == "" {
		return errors.New("a data directory is required")
	}
	if cfg.Name == "" {
		cfg.Name = "kubetwin"
	}
	var err error
	if cfg.ClientURL == "" {
		if cfg.ClientURL, err = FreeLoopbackURL(); err != nil {
			return err
		}
	}
	if cfg.PeerURL == "" {
		if cfg.PeerURL, err = FreeLoopbackURL(); err != nil {
			return err
		}
	}
	if cfg.InitialCluster == "" {
		cfg.InitialCluster = cfg.Name + "=" + cfg.PeerURL
	}
	if cfg.ClusterState == "" {
		cfg.ClusterState = embed.ClusterStateFlagNew
	}
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = DefaultReadyTimeout
	}
	return nil
}

// embedConfig translates the configuration to etcd's, logging errors only,
// and none once closing is set.
func (cfg *EmbeddedConfig) embedConfig(closing *atomic.Bool) (*embed.Config, error) {
	client, err := url.Parse(cfg.ClientURL)
	if err != nil {
		return nil, fmt.Errorf("client URL %q: %w", cfg.ClientURL, err)
	}
	peer, err := url.Parse(cfg.PeerURL)
	if err != nil {
		return nil, fmt.Errorf("peer URL %q: %w", cfg.PeerURL, err)
	}
	ec := embed.NewConfig()
	ec.Name = cfg.Name
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls, ec.AdvertiseClientUrls = []url.URL{*client}, []url.URL{*client}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = []url.URL{*peer}, []url.URL{*peer}
	ec.InitialCluster = cfg.InitialCluster
	ec.InitialClusterToken = "kubetwin"
	ec.ClusterState = cfg.ClusterState
	ec.UnsafeNoFsync = cfg.UnsafeNoFsync
	ec.QuotaBackendBytes = cfg.QuotaBackendBytes
	ec.LogLevel = "error"
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(errorLogger(cfg.Name, closing))
	ec.EnableGRPCGateway = false
	return ec, nil
}

// Endpoints are the client URLs to pass to Open.
func (e *Embedded) Endpoints() []string {
	return []string{e.cfg.ClientURL}
}

// Config is the member's configuration with defaults filled in, so a test
// can restart it on the same ports and directory.
func (e *Embedded) Config() EmbeddedConfig {
	return e.cfg
}

// Close stops the member; its data stays in DataDir. Closing twice is
// harmless.
func (e *Embedded) Close() {
	e.closeOnce.Do(func() {
		e.closing.Store(true)
		e.etcd.Close()
	})
}

// errorLogger logs etcd's errors to stderr as JSON, except while the member
// stops, when etcd reports its own closed listeners as errors.
func errorLogger(name string, closing *atomic.Bool) *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.Lock(os.Stderr), zapcore.ErrorLevel)
	return zap.New(quietCore{Core: core, closing: closing}).With(zap.String("member", name))
}

// quietCore drops every entry once closing is set.
type quietCore struct {
	zapcore.Core
	closing *atomic.Bool
}

// With keeps the silencing on loggers derived with fields.
func (c quietCore) With(fields []zapcore.Field) zapcore.Core {
	return quietCore{Core: c.Core.With(fields), closing: c.closing}
}

// Check lets an entry through only while the member is not stopping.
func (c quietCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.closing.Load() || !c.Enabled(ent.Level) {
		return ce
	}
	return ce.AddCore(ent, c)
}

// FreeLoopbackURL returns http://127.0.0.1:port for a port that was free a
// moment ago, for members whose URLs must be known before they start.
func FreeLoopbackURL() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	return "http://127.0.0.1:" + strconv.Itoa(port), nil
}
