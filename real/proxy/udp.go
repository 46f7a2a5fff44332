package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// maxDatagram is the largest UDP payload.
const maxDatagram = 65535

// udpFrontend relays datagrams between clients of a ClusterIP port and
// backends: each client address gets a session with a socket connected to
// one backend, and replies go back out of the ClusterIP socket, so the
// client sees them come from the address it sent to.
type udpFrontend struct {
	p    *Proxy
	key  listenerKey
	conn *net.UDPConn
	bal  *balancer
	wg   sync.WaitGroup

	mu       sync.Mutex
	sessions map[netip.AddrPort]*udpSession
	closed   bool
}

// udpSession is one client's flow to its backend.
type udpSession struct {
	client  netip.AddrPort
	backend netip.AddrPort
	conn    *net.UDPConn // connected to backend
	last    atomic.Int64 // Unix nanoseconds of the last packet either way
}

func (s *udpSession) touch() { s.last.Store(time.Now().UnixNano()) }

// idleUntil is when the session times out if no packet comes.
func (s *udpSession) idleUntil(idle time.Duration) time.Time {
	return time.Unix(0, s.last.Load()).Add(idle)
}

// openUDP binds k and starts relaying.
func (p *Proxy) openUDP(k listenerKey, bal *balancer) (*udpFrontend, error) {
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(k.AddrPort()))
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", k, err)
	}
	f := &udpFrontend{p: p, key: k, conn: conn, bal: bal, sessions: map[netip.AddrPort]*udpSession{}}
	f.wg.Add(1)
	go f.serve()
	return f, nil
}

// close closes the socket and every session and waits for the goroutines.
func (f *udpFrontend) close() {
	_ = f.conn.Close()
	f.mu.Lock()
	f.closed = true
	sessions := f.sessions
	f.sessions = nil
	f.mu.Unlock()
	for _, s := range sessions {
		_ = s.conn.Close()
	}
	f.wg.Wait()
}

// serve reads client datagrams until the socket closes.
func (f *udpFrontend) serve() {
	defer f.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, client, err := f.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			f.p.cfg.Logf("proxy: %s: read: %v", f.key, err)
			continue
		}
		f.forward(netip.AddrPortFrom(client.Addr().Unmap(), client.Port()), buf[:n])
	}
}

// forward sends one client datagram to the client's backend; without a
// ready endpoint it is dropped.
func (f *udpFrontend) forward(client netip.AddrPort, pkt []byte) {
	s, err := f.session(client)
	if err != nil {
		return
	}
	if _, err := s.conn.Write(pkt); err != nil {
		f.end(s) // the backend is gone (port unreachable); the next datagram picks another
		return
	}
	s.touch()
}

// session returns client's session, starting one with the next backend
// when it has none or its backend has left the Endpoints.
func (f *udpFrontend) session(client netip.AddrPort) (*udpSession, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, net.ErrClosed
	}
	if s := f.sessions[client]; s != nil {
		if f.bal.has(s.backend) {
			return s, nil
		}
		delete(f.sessions, client)
		_ = s.conn.Close()
	}
	s, err := f.dial(client)
	if err != nil {
		return nil, err
	}
	f.sessions[client] = s
	f.wg.Add(1)
	go f.relay(s)
	return s, nil
}

// dial opens a socket connected to the next backend in turn.
func (f *udpFrontend) dial(client netip.AddrPort) (*udpSession, error) {
	ap, ok := f.bal.pick()
	if !ok {
		f.p.metrics.connection("UDP", resultNoEndpoints)
		return nil, ErrNoEndpoints
	}
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(ap))
	if err != nil {
		f.p.metrics.connection("UDP", resultFailed)
		f.p.cfg.Logf("proxy: %s: dial %s: %v", f.key, ap, err)
		return nil, fmt.Errorf("dial %s: %w", ap, err)
	}
	f.p.metrics.connection("UDP", resultForwarded)
	s := &udpSession{client: client, backend: ap, conn: conn}
	s.touch()
	return s, nil
}

// relay sends the backend's replies to the client until the session has
// been idle for UDPIdleTimeout or its socket fails or closes.
func (f *udpFrontend) relay(s *udpSession) {
	defer f.wg.Done()
	defer f.end(s)
	idle := f.p.cfg.UDPIdleTimeout
	buf := make([]byte, maxDatagram)
	for {
		if err := s.conn.SetReadDeadline(s.idleUntil(idle)); err != nil {
			return
		}
		n, err := s.conn.Read(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && time.Now().Before(s.idleUntil(idle)) {
				continue // the client sent something meanwhile
			}
			return
		}
		s.touch()
		if _, err := f.conn.WriteToUDPAddrPort(buf[:n], s.client); err != nil {
			return
		}
	}
}

// end closes s and forgets it unless it was already replaced.
func (f *udpFrontend) end(s *udpSession) {
	f.mu.Lock()
	if f.sessions[s.client] == s {
		delete(f.sessions, s.client)
	}
	f.mu.Unlock()
	_ = s.conn.Close()
}
