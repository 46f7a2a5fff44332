package proxy

import (
	"errors"
	"io"
	"maps"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/core/api"
)

const tcp, udp = api.ProtocolTCP, api.ProtocolUDP

// webService is a one-port TCP Service "web" on vip:80 with one subset
// per backend port.
func (e *env) webService(vip netip.Addr, ports ...int32) netip.AddrPort {
	e.createService(service("web", vip, svcPort("", 80, tcp)))
	e.setEndpoints("web", e.backendSubsets(tcp, ports...)...)
	e.waitBackends(vip, 80, tcp, len(ports))
	return netip.AddrPortFrom(vip, 80)
}

func TestTCPRoundRobin(t *testing.T) {
	e := newEnv(t, nil)
	addr := e.webService(e.ip(1), e.tcpBackend("a"), e.tcpBackend("b"), e.tcpBackend("c"))
	got := tally(t, addr, 30)
	if want := map[string]int{"a": 10, "b": 10, "c": 10}; !maps.Equal(got, want) {
		t.Fatalf("answers %v, want %v", got, want)
	}
}

func TestEndpointRemovedGetsNoTraffic(t *testing.T) {
	e := newEnv(t, nil)
	a, b, c := e.tcpBackend("a"), e.tcpBackend("b"), e.tcpBackend("c")
	addr := e.webService(e.ip(1), a, b, c)
	e.setEndpoints("web", e.backendSubsets(tcp, a, c)...)
	e.waitBackends(e.ip(1), 80, tcp, 2)
	got := tally(t, addr, 20)
	if want := map[string]int{"a": 10, "c": 10}; !maps.Equal(got, want) {
		t.Fatalf("answers after b left %v, want %v", got, want)
	}
}

func TestNoEndpointsClosesAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	addr := e.webService(e.ip(1), e.tcpBackend("a"))
	e.setEndpoints("web")
	e.waitBackends(e.ip(1), 80, tcp, 0)
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	switch {
	case err == nil:
		defer c.Close()
		expectEnd(t, c)
	case !errors.Is(err, syscall.ECONNRESET): // the reset can beat connect's return
		t.Fatalf("dial: %v, want a connection that is reset", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("the connection took %v to close", d)
	}
}

func TestHalfCloseGetsWholeAnswer(t *testing.T) {
	e := newEnv(t, nil)
	addr := e.webService(e.ip(1), e.tcpBackend("a"))
	c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "ping"); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "a\nping" {
		t.Fatalf("read %q, %v; want the name and the echo, then EOF", got, err)
	}
}

func TestRefusingBackendIsSkipped(t *testing.T) {
	e := newEnv(t, nil)
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(e.backend, 0)))
	if err != nil {
		t.Fatal(err)
	}
	dead := int32(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there now: connections are refused
	addr := e.webService(e.ip(1), dead, e.tcpBackend("a"))
	if got := tally(t, addr, 6); got["a"] != 6 {
		t.Fatalf("answers %v, want all six from a", got)
	}
}

func TestServiceDeletedClosesListenerAndAddress(t *testing.T) {
	e := newEnv(t, nil)
	vip := e.ip(1)
	addr := e.webService(vip, e.tcpBackend("a"))
	if !onLo(t, vip) {
		t.Fatalf("%s not on lo", vip)
	}
	held, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if n, err := held.Read(make([]byte, 2)); n != 2 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	e.delete(serviceKind, "web")
	e.waitClosed(vip, 80, tcp)
	eventually(t, vip.String()+" to leave lo", func() bool { return !onLo(t, vip) })
	expectEnd(t, held)
}

func TestNamedPortsAndPortRemoval(t *testing.T) {
	e := newEnv(t, nil)
	vip := e.ip(1)
	e.createService(service("web", vip, svcPort("http", 80, tcp), svcPort("admin", 81, tcp)))
	e.setEndpoints("web", subset(e.backend, epPort("admin", e.tcpBackend("admin"), tcp),
		epPort("http", e.tcpBackend("http"), tcp)))
	e.waitBackends(vip, 80, tcp, 1)
	e.waitBackends(vip, 81, tcp, 1)
	if got := ask(t, netip.AddrPortFrom(vip, 80)); got != "http" {
		t.Fatalf("port 80 answered by %s, want http", got)
	}
	if got := ask(t, netip.AddrPortFrom(vip, 81)); got != "admin" {
		t.Fatalf("port 81 answered by %s, want admin", got)
	}
	e.updateService("web", func(s *api.Service) { s.Spec.Ports = s.Spec.Ports[:1] })
	e.waitClosed(vip, 81, tcp)
	_, err := net.DialTimeout("tcp", netip.AddrPortFrom(vip, 81).String(), 2*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial the removed port: %v, want connection refused", err)
	}
	if got := ask(t, netip.AddrPortFrom(vip, 80)); got != "http" || !onLo(t, vip) {
		t.Fatalf("port 80 answered by %s after port 81 went (address on lo: %v)", got, onLo(t, vip))
	}
}

func TestClusterIPMoves(t *testing.T) {
	e := newEnv(t, nil)
	a := e.tcpBackend("a")
	old := e.webService(e.ip(1), a)
	// The ClusterIP is immutable: a move is a delete and a create under the same name.
	e.delete(serviceKind, "web")
	e.createService(service("web", e.ip(2), svcPort("", 80, tcp)))
	e.waitBackends(e.ip(2), 80, tcp, 1)
	e.waitClosed(old.Addr(), 80, tcp)
	eventually(t, "the old address to leave lo", func() bool { return !onLo(t, old.Addr()) })
	if got := ask(t, netip.AddrPortFrom(e.ip(2), 80)); got != "a" {
		t.Fatalf("answered by %s", got)
	}
}

func TestUDPEcho(t *testing.T) {
	e := newEnv(t, func(_ *env, c *Config) { c.UDPIdleTimeout = 200 * time.Millisecond })
	vip := e.ip(1)
	e.createService(service("dns", vip, svcPort("", 53, udp)))
	e.setEndpoints("dns", e.backendSubsets(udp, e.udpBackend("u"))...)
	e.waitBackends(vip, 53, udp, 1)
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(e.backend, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	vipPort := netip.AddrPortFrom(vip, 53)
	roundTrip(t, c, vipPort, "hello")
	k := listenerKey{IP: vip, Port: 53, Proto: udp}
	eventually(t, "the idle session to end", func() bool { return e.sessions(k) == 0 })
	roundTrip(t, c, vipPort, "again")
}

// roundTrip sends msg to vip from c and expects the backend's answer to
// come back from vip.
func roundTrip(t *testing.T, c *net.UDPConn, vip netip.AddrPort, msg string) {
	t.Helper()
	buf := make([]byte, 256)
	for range 5 { // UDP: resend if a datagram is lost
		if _, err := c.WriteToUDPAddrPort([]byte(msg), vip); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			continue
		}
		if got := string(buf[:n]); got != "u:"+msg || from != vip {
			t.Fatalf("got %q from %s, want %q from %s", got, from, "u:"+msg, vip)
		}
		return
	}
	t.Fatalf("no answer to %q through %s", msg, vip)
}

// sessions counts the UDP listener's sessions.
func (e *env) sessions(k listenerKey) int {
	e.p.mu.Lock()
	l := e.p.listeners[k]
	e.p.mu.Unlock()
	f := l.fe.(*udpFrontend)
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

func TestCloseRemovesWhatItAdded(t *testing.T) {
	e := newEnv(t, nil)
	mine := e.ip(3)
	e.addAddr(mine) // present before the proxy: not the proxy's to remove
	e.createService(service("web", e.ip(1), svcPort("", 80, tcp)))
	e.createService(service("dns", e.ip(2), svcPort("", 53, udp)))
	e.createService(service("pre", mine, svcPort("", 80, tcp)))
	e.waitBackends(e.ip(1), 80, tcp, 0)
	e.waitBackends(e.ip(2), 53, udp, 0)
	e.waitBackends(mine, 80, tcp, 0)
	if err := e.p.Close(); err != nil {
		t.Fatal(err)
	}
	e.waitStopped()
	if got := addrsIn(t, e.net); len(got) != 2 || got[0] != mine || got[1] != e.backend {
		t.Fatalf("addresses after Close %v, want only %s and the backend's", got, mine)
	}
	if _, err := net.DialTimeout("tcp", netip.AddrPortFrom(mine, 80).String(), 2*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial after Close: %v, want connection refused", err)
	}
}

func TestServiceCIDRAdoptsLeftovers(t *testing.T) {
	e := newEnv(t, func(e *env, c *Config) {
		c.ServiceCIDR = netip.PrefixFrom(e.ip(0), 25) // the backend's .254 is outside
		e.addAddr(e.ip(20))                           // left by an earlier proxy
		e.addAddr(e.ip(21))                           // likewise, and still wanted
	})
	e.createService(service("web", e.ip(21), svcPort("", 80, tcp)))
	e.waitBackends(e.ip(21), 80, tcp, 0)
	eventually(t, "the leftover to go", func() bool { return !onLo(t, e.ip(20)) })
	if err := e.p.Close(); err != nil {
		t.Fatal(err)
	}
	if onLo(t, e.ip(21)) {
		t.Fatalf("%s, adopted, is still on lo after Close", e.ip(21))
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(_ *env, c *Config) { c.Metrics = reg })
	ask(t, e.webService(e.ip(1), e.tcpBackend("a")))
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				got[f.GetName()] = float64(h.GetSampleCount())
			} else if c := m.GetCounter(); c != nil && len(m.GetLabel()) == 2 {
				got[f.GetName()+"/"+m.GetLabel()[0].GetValue()+"/"+m.GetLabel()[1].GetValue()] = c.GetValue()
			}
		}
	}
	if got["kubeproxy_sync_proxy_rules_duration_seconds"] < 1 || got["kubeproxy_userspace_connections_total/TCP/forwarded"] != 1 {
		t.Fatalf("metrics %v: want at least one sync and one forwarded TCP connection", got)
	}
}

func TestCleanup(t *testing.T) {
	e := newEnv(t, nil)
	for _, n := range []byte{10, 11, 200} {
		e.addAddr(e.ip(n))
	}
	// Clear the lower half of the test's /24: .10 and .11 go, .200 and the backend's .254 stay.
	if err := Cleanup("lo", netip.PrefixFrom(e.ip(0), 25)); err != nil {
		t.Fatal(err)
	}
	got := addrsIn(t, e.net)
	if len(got) != 2 || got[0] != e.ip(200) || got[1] != e.backend {
		t.Fatalf("addresses after Cleanup %v, want %s and %s", got, e.ip(200), e.backend)
	}
	if !hasLoopback(t) {
		t.Fatal("127.0.0.1 went")
	}
}

// hasLoopback reports whether lo still has 127.0.0.1/8.
func hasLoopback(t *testing.T) bool {
	addrs, err := netlink.AddrList(lo(t), netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if a.IPNet.String() == "127.0.0.1/8" {
			return true
		}
	}
	return false
}
