package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
)

// Defaults for the Config fields left zero.
const (
	DefaultLink           = "lo"
	DefaultDialTimeout    = 2 * time.Second
	DefaultUDPIdleTimeout = 30 * time.Second
	DefaultSyncPeriod     = 30 * time.Second
)

// retryInterval is how soon a reconcile that failed (a port in use, a
// netlink error) is tried again.
const retryInterval = time.Second

// ErrRunning is returned by a second call of Run on one Proxy.
var ErrRunning = errors.New("proxy: already running")

// ErrNoEndpoints is why a connection to a Service without a ready
// endpoint is closed at once.
var ErrNoEndpoints = errors.New("no ready endpoints")

var (
	serviceKind   = api.MustLookupKind(api.CoreV1, "Service")
	endpointsKind = api.MustLookupKind(api.CoreV1, "Endpoints")
)

// Config says where the proxy reads Services and Endpoints and how it serves them.
type Config struct {
	// Source is where Services and Endpoints are listed and watched: the
	// registry in process, or a REST client.
	Source cache.Source
	// Link carries the ClusterIPs as host addresses; default "lo".
	Link string
	// ServiceCIDR, if set, is the range the proxy owns on Link: addresses in
	// it that no Service calls for (left by an earlier proxy) are removed,
	// and those found present are removed when their Service goes. Left
	// unset, the proxy removes only addresses it added itself.
	ServiceCIDR netip.Prefix
	// Mode is ModeUserspace (the default) or ModeNFTables.
	Mode string
	// Table is the nftables table the nftables mode owns; default DefaultTable.
	Table string
	// DialTimeout bounds each attempt to reach a TCP backend; default 2 s.
	DialTimeout time.Duration
	// UDPIdleTimeout ends a UDP client's session after this long without a
	// packet either way; default 30 s.
	UDPIdleTimeout time.Duration
	// SyncPeriod is how often the proxy reconciles without a change, to
	// repair what was changed behind its back; default 30 s.
	SyncPeriod time.Duration
	// Logf receives one line per change made and per problem; nil discards.
	Logf func(format string, args ...any)
	// Metrics, if set, receives the proxy's Prometheus series.
	Metrics prometheus.Registerer
}

// Proxy serves every Service's ClusterIP ports on one machine.
type Proxy struct {
	cfg      Config
	link     netlink.Link
	metrics  *metrics
	svcs     *cache.Cache
	eps      *cache.Cache
	kick     chan struct{} // a change to reconcile; capacity 1, so kicks coalesce
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	running  atomic.Bool

	mu        sync.Mutex // guards what follows, and reconciles
	closed    bool
	listeners map[listenerKey]*listener
	owned     map[netip.Addr]bool // addresses on link the proxy answers for removing
	problems  map[string]bool     // problems logged at the last reconcile
}

// listener is one open socket and the backends it forwards to.
type listener struct {
	bal     *balancer
	fe      frontend
	service string
}

// frontend is a TCP or UDP socket serving one listenerKey.
type frontend interface {
	// close stops serving, ends every connection or session and waits for
	// its goroutines.
	close()
}

// New returns a proxy for cfg; Run starts it.
func New(cfg Config) (*Proxy, error) {
	if cfg.Source == nil {
		return nil, errors.New("proxy: config has no Source")
	}
	cfg = withDefaults(cfg)
	if cfg.Mode != ModeUserspace && cfg.Mode != ModeNFTables {
		return nil, fmt.Errorf("proxy: mode %q: want %s or %s", cfg.Mode, ModeUserspace, ModeNFTables)
	}
	link, err := netlink.LinkByName(cfg.Link)
	if err != nil {
		return nil, fmt.Errorf("proxy: link %s: %w", cfg.Link, err)
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	p := &Proxy{cfg: cfg, link: link, metrics: m,
		svcs: cache.New(cfg.Source, serviceKind), eps: cache.New(cfg.Source, endpointsKind),
		kick: make(chan struct{}, 1), stop: make(chan struct{}),
		listeners: map[listenerKey]*listener{}, owned: map[netip.Addr]bool{}, problems: map[string]bool{}}
	p.svcs.AddHandler(p.changed)
	p.eps.AddHandler(p.changed)
	return p, nil
}

func withDefaults(cfg Config) Config {
	if cfg.Link == "" {
		cfg.Link = DefaultLink
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeUserspace
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.UDPIdleTimeout <= 0 {
		cfg.UDPIdleTimeout = DefaultUDPIdleTimeout
	}
	if cfg.SyncPeriod <= 0 {
		cfg.SyncPeriod = DefaultSyncPeriod
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	cfg.ServiceCIDR = cfg.ServiceCIDR.Masked()
	return cfg
}

// changed is the caches' handler: it asks the Run loop for a reconcile.
func (p *Proxy) changed(_, _ api.Object) {
	select {
	case p.kick <- struct{}{}:
	default: // one is already pending
	}
}

// Run watches Services and Endpoints and keeps the listeners and addresses
// in step with them until ctx ends or Close is called; then it removes
// every listener and every address it added. It returns nil after a clean
// shutdown and the teardown's error otherwise.
func (p *Proxy) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, c := range []*cache.Cache{p.svcs, p.eps} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.Run(ctx, clock.Real(), cache.DefaultRetry)
		}()
	}
	if p.waitSynced(ctx) {
		p.loop(ctx)
	}
	cancel()
	wg.Wait()
	return p.Close()
}

// waitSynced waits for both caches' first list, so the first reconcile does
// not tear down what a partial view lacks; false means the proxy is stopping.
func (p *Proxy) waitSynced(ctx context.Context) bool {
	for _, c := range []*cache.Cache{p.svcs, p.eps} {
		select {
		case <-c.Synced():
		case <-ctx.Done():
			return false
		case <-p.stop:
			return false
		}
	}
	return true
}

// loop reconciles at once, then on every change, after a failure and every
// SyncPeriod, until ctx ends or Close is called.
func (p *Proxy) loop(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		case <-p.kick:
		case <-timer.C:
		}
		next := p.cfg.SyncPeriod
		if err := p.reconcile(); err != nil {
			p.cfg.Logf("proxy: sync: %v (retrying in %v)", err, retryInterval)
			next = retryInterval
		}
		timer.Reset(next)
	}
}

// Close stops the proxy: Run returns, and every listener and every address
// the proxy added (or owns through ServiceCIDR) is removed. It is safe to
// call more than once and from any goroutine.
func (p *Proxy) Close() error {
	p.stopOnce.Do(func() { close(p.stop) })
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, k := range sortedKeys(p.listeners) {
		p.closeListener(k)
	}
	var errs []error
	for _, ip := range sortedAddrs(p.owned) {
		errs = append(errs, p.removeAddr(ip))
	}
	if p.cfg.Mode == ModeNFTables {
		errs = append(errs, DeleteTable(p.cfg.Table))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("proxy close: %w", err)
	}
	return nil
}
