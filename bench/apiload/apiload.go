// Package apiload measures an API server under write load: N clients
// create pods over HTTPS as fast as the server answers while one watch
// times how long each new pod takes to be delivered. It talks plain
// Kubernetes REST, so it measures any server it is pointed at.
package apiload

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/kubetwin/kubetwin/bench"
)

// Target is the server to load and how to reach it.
type Target struct {
	URL   string
	CAPEM []byte
	Token string
}

// Config sizes one run.
type Config struct {
	Clients   int
	Duration  time.Duration
	Namespace string
	// MaxCreates bounds the run whatever its duration (0: no bound).
	MaxCreates int
	// RunID labels this run's pods, so its watch sees only them.
	RunID string
}

// Result is what one run measured; latencies are in milliseconds.
type Result struct {
	Clients          int           `json:"clients"`
	Creates          int           `json:"creates"`
	Errors           int           `json:"errors"`
	Seconds          float64       `json:"seconds"`
	CreatesPerSecond float64       `json:"creates_per_s"`
	RequestMs        bench.Summary `json:"request_latency_ms"`
	// WatchMs is from a create's response to its ADDED event on the watch.
	WatchMs      bench.Summary `json:"watch_delivery_latency_ms"`
	WatchMissing int           `json:"watch_missing"`
}

// ErrNoCreates is returned when not one create succeeded.
var ErrNoCreates = errors.New("no pod was created")

// watchGrace is how long the watch may lag behind the last create.
const watchGrace = 10 * time.Second

// Run loads t with cfg.Clients concurrent creators for cfg.Duration.
func Run(ctx context.Context, t Target, cfg Config) (*Result, error) {
	if cfg.Clients <= 0 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("apiload: clients (%d) and duration (%v) must be positive", cfg.Clients, cfg.Duration)
	}
	tlsCfg, err := tlsConfig(t.CAPEM)
	if err != nil {
		return nil, err
	}
	w, err := startWatch(ctx, t, tlsCfg, cfg)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	start := time.Now()
	creates := runCreators(ctx, t, tlsCfg, cfg, w)
	elapsed := time.Since(start)
	w.waitFor(creates.ok, watchGrace)
	return summarize(cfg, creates, w, elapsed)
}

func tlsConfig(caPEM []byte) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("apiload: no CA certificate in the given PEM")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// newClient is one client's own connection, as a separate kubectl or
// controller would have; it speaks HTTP/2 when the server does.
func newClient(tlsCfg *tls.Config) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone(), ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: 4}}
}

// request adds the bearer token and JSON headers.
func request(ctx context.Context, t Target, method, path string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, t.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("apiload: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+t.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return req, nil
}

// podBody is a typical small pod: one container with requests and limits.
func podBody(cfg Config, name string) []byte {
	b, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": map[string]string{"apiload": cfg.RunID, "app": "load"}},
		"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "image": "registry.local/app:1.0",
			"resources": map[string]any{"requests": map[string]string{"cpu": "100m", "memory": "64Mi"},
				"limits": map[string]string{"cpu": "200m", "memory": "128Mi"}}}}}})
	return b
}

// drain reads and closes a response body so the connection is reused.
func drain(r io.ReadCloser) {
	_, _ = io.Copy(io.Discard, bufio.NewReader(r))
	_ = r.Close()
}

// counter hands out create indexes until the bound.
type counter struct {
	next atomic.Int64
	max  int64
}

func (c *counter) take() (int64, bool) {
	n := c.next.Add(1)
	return n, c.max == 0 || n <= c.max
}
