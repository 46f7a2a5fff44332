package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds a request other than a watch when Config.Timeout
// is zero, so a hung server cannot stall a caller forever.
const DefaultTimeout = 30 * time.Second

// DefaultUserAgent is sent when Config.UserAgent is empty, so the server's
// logs and metrics can tell kubetwin's processes from kubectl.
const DefaultUserAgent = "kubetwin-client"

// maxIdleConnsPerHost lets many concurrent requests (an agent's pod
// workers, several watches) reuse connections instead of redialling.
const maxIdleConnsPerHost = 64

// Config says how to reach and authenticate to an API server.
type Config struct {
	// Server is the API server's base URL, e.g. https://127.0.0.1:6443.
	Server string
	// CAData holds the PEM certificates the server's certificate must
	// chain to; empty means the system's roots.
	CAData []byte
	// Insecure skips verifying the server's certificate, as kubeconfig's
	// insecure-skip-tls-verify; for throwaway test clusters only.
	Insecure bool
	// Token is the bearer token sent with every request; "" sends none.
	Token string
	// Timeout bounds each request but watches, which last until stopped;
	// 0 means DefaultTimeout and a negative value means no bound.
	Timeout time.Duration
	// UserAgent names the caller to the server; "" means DefaultUserAgent.
	UserAgent string
}

// Client talks to one API server; it is safe for concurrent use.
type Client struct {
	base      *url.URL
	token     string
	timeout   time.Duration
	userAgent string
	http      *http.Client
}

// New returns a client for cfg; it checks the URL and certificates but
// does not contact the server.
func New(cfg Config) (*Client, error) {
	base, err := parseServer(cfg.Server)
	if err != nil {
		return nil, err
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.Insecure}
	if len(cfg.CAData) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(cfg.CAData) {
			return nil, errors.New("client: the CA data holds no PEM certificate")
		}
		tlsCfg.RootCAs = pool
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsCfg, ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: maxIdleConnsPerHost, IdleConnTimeout: 90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second}
	c := &Client{base: base, token: cfg.Token, timeout: cfg.Timeout, userAgent: cfg.UserAgent,
		http: &http.Client{Transport: tr}} // no Client.Timeout: it would cut watches
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	return c, nil
}

// parseServer checks a server URL: http or https with a host.
func parseServer(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, fmt.Errorf("client: server URL %q: %w", s, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("client: server URL %q: want https://host[:port]", s)
	}
	return u, nil
}

// Server is the base URL the client talks to.
func (c *Client) Server() string { return c.base.String() }

// Close releases idle connections; the client stays usable.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// request is one API call: method, path below the server's base, query
// and JSON body.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte
}

// url is the request's full URL.
func (c *Client) url(r request) string {
	u := *c.base
	u.Path, u.RawPath = c.base.Path+r.path, ""
	u.RawQuery = r.query.Encode()
	return u.String()
}

// newHTTPRequest builds r with the client's headers.
func (c *Client) newHTTPRequest(ctx context.Context, r request) (*http.Request, error) {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.url(r), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return req, nil
}

// do sends r within the client's timeout and returns the body of a 2xx
// response; any other response is its Status as a *registry.StatusError.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	req, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, transportError(req, fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, statusError(resp.StatusCode, body)
	}
	return body, nil
}

// transportError names the request a connection-level failure ended.
func transportError(req *http.Request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error would repeat the method and URL
	}
	return fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
}
