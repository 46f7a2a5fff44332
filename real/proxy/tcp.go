package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// maxDialTries bounds how many backends one TCP connection tries.
const maxDialTries = 3

// acceptBackoff is the pause after a failed Accept (out of file
// descriptors, say), so the loop does not spin.
const acceptBackoff = 50 * time.Millisecond

// tcpFrontend accepts connections on a ClusterIP port and splices each to
// a backend.
type tcpFrontend struct {
	p      *Proxy
	key    listenerKey
	ln     *net.TCPListener
	bal    *balancer
	ctx    context.Context // ends when the frontend closes, cutting dials short
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[*net.TCPConn]bool // every client and backend connection open
	closed bool
}

// openTCP listens on k and starts accepting.
func (p *Proxy) openTCP(k listenerKey, bal *balancer) (*tcpFrontend, error) {
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(k.AddrPort()))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", k, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &tcpFrontend{p: p, key: k, ln: ln, bal: bal, ctx: ctx, cancel: cancel, conns: map[*net.TCPConn]bool{}}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// close stops accepting, closes every connection and waits for the
// goroutines to finish.
func (f *tcpFrontend) close() {
	f.cancel()
	_ = f.ln.Close()
	f.mu.Lock()
	f.closed = true
	conns := f.conns
	f.conns = nil
	f.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	f.wg.Wait()
}

// serve accepts until the listener closes.
func (f *tcpFrontend) serve() {
	defer f.wg.Done()
	for {
		c, err := f.ln.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || f.ctx.Err() != nil {
				return
			}
			f.p.cfg.Logf("proxy: %s: accept: %v", f.key, err)
			f.pause(acceptBackoff)
			continue
		}
		if !f.track(c) {
			_ = c.Close()
			return
		}
		f.wg.Add(1)
		go f.handle(c)
	}
}

// pause waits for d or until the frontend closes.
func (f *tcpFrontend) pause(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.ctx.Done():
	}
}

// track records c so close can end it; false means the frontend is closed.
func (f *tcpFrontend) track(c *net.TCPConn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.conns[c] = true
	return true
}

// release closes c and forgets it.
func (f *tcpFrontend) release(c *net.TCPConn) {
	f.mu.Lock()
	delete(f.conns, c)
	f.mu.Unlock()
	_ = c.Close()
}

// handle forwards one client connection, or resets it at once when no
// backend can be reached (Kubernetes rejects such connections).
func (f *tcpFrontend) handle(client *net.TCPConn) {
	defer f.wg.Done()
	defer f.release(client)
	backend, err := f.dial()
	if err != nil {
		if !errors.Is(err, ErrNoEndpoints) && f.ctx.Err() == nil {
			f.p.cfg.Logf("proxy: %s: %v", f.key, err)
		}
		reset(client)
		return
	}
	defer f.release(backend)
	if !f.track(backend) {
		return
	}
	splice(client, backend)
}

// dial connects to the next backend in turn, trying up to maxDialTries of
// them when one refuses or times out.
func (f *tcpFrontend) dial() (*net.TCPConn, error) {
	tries := min(f.bal.size(), maxDialTries)
	if tries == 0 {
		f.p.metrics.connection("TCP", resultNoEndpoints)
		return nil, ErrNoEndpoints
	}
	d := net.Dialer{Timeout: f.p.cfg.DialTimeout}
	var errs []error
	for range tries {
		ap, ok := f.bal.pick()
		if !ok {
			break
		}
		c, err := d.DialContext(f.ctx, "tcp", ap.String())
		if err == nil {
			f.p.metrics.connection("TCP", resultForwarded)
			return c.(*net.TCPConn), nil
		}
		errs = append(errs, err)
		if f.ctx.Err() != nil {
			break
		}
	}
	f.p.metrics.connection("TCP", resultFailed)
	return nil, fmt.Errorf("no backend reachable: %w", errors.Join(errs...))
}

// splice copies both ways until both directions have ended. An end of
// stream is passed on as a half-close, so a client that shuts down writing
// still gets the whole answer; an error resets both connections.
func splice(client, backend *net.TCPConn) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		pipe(client, backend)
	}()
	pipe(backend, client)
	<-done
}

// pipe copies src to dst, then half-closes dst; on an error it resets both.
func pipe(dst, src *net.TCPConn) {
	if _, err := io.Copy(dst, src); err != nil {
		reset(dst)
		reset(src)
		return
	}
	_ = dst.CloseWrite()
}

// reset closes c with an RST rather than a FIN, so the peer sees the
// connection fail instead of end.
func reset(c *net.TCPConn) {
	_ = c.SetLinger(0)
	_ = c.Close()
}
