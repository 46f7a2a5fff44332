package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/registry"
)

// env is one test's cluster objects, proxy and addresses. Every address
// the test or the proxy puts on lo is in net, a /24 of 10.211.0.0/16 no
// address on the machine is in; backends listen on net's .254 (an
// Endpoints address may not be loopback), which the test puts on lo.
type env struct {
	t       *testing.T
	ctx     context.Context
	reg     *registry.Registry
	p       *Proxy
	net     netip.Prefix
	backend netip.Addr
	mine    map[netip.Addr]bool // addresses the test put on lo
	done    chan error          // Run's result
}

// newEnv starts a proxy over a fresh registry; cfg, if given, adjusts its
// config and prepares the machine before the proxy starts. Cleanup stops it, checks it removed what it added, and removes
// whatever is left in net.
func newEnv(t *testing.T, cfg func(*env, *Config)) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the proxy tests need root: they add addresses to lo")
	}
	ce := controllertest.New(t)
	e := &env{t: t, ctx: context.Background(), reg: ce.Reg, net: freeNet(t), mine: map[netip.Addr]bool{}}
	e.backend = e.ip(254)
	t.Cleanup(e.sweep)
	e.addAddr(e.backend)
	c := Config{Source: e.reg, Logf: t.Logf, DialTimeout: time.Second}
	if cfg != nil {
		cfg(e, &c)
	}
	p, err := New(c)
	if err != nil {
		t.Fatalf("new proxy: %v", err)
	}
	e.p, e.done = p, make(chan error, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { e.done <- p.Run(ctx) }()
	t.Cleanup(func() { cancel(); e.waitStopped() })
	return e
}

// freeNet picks a /24 of 10.211.0.0/16 that holds none of the machine's
// addresses, so tests and concurrent test processes do not collide.
func freeNet(t *testing.T) netip.Prefix {
	t.Helper()
	for range 100 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 211, byte(rand.IntN(256)), 0}), 24)
		if len(addrsIn(t, p)) == 0 {
			return p
		}
	}
	t.Fatal("no free /24 in 10.211.0.0/16")
	return netip.Prefix{}
}

// ip is the address with last octet n in the test's /24.
func (e *env) ip(n byte) netip.Addr {
	a := e.net.Addr().As4()
	a[3] = n
	return netip.AddrFrom4(a)
}

// waitStopped waits for Run to return and checks its result.
func (e *env) waitStopped() {
	select {
	case err := <-e.done:
		if err != nil {
			e.t.Errorf("Run: %v", err)
		}
		e.done <- err // for a later wait
	case <-time.After(10 * time.Second):
		e.t.Error("Run did not return")
	}
}

// sweep runs last: it reports addresses the proxy left in the test's /24
// and removes them and the test's own.
func (e *env) sweep() {
	for _, ip := range addrsIn(e.t, e.net) {
		if !e.mine[ip] {
			e.t.Errorf("address %s left on lo", ip)
		}
		if err := delAddr(lo(e.t), ip); err != nil {
			e.t.Errorf("clean up %s: %v", ip, err)
		}
	}
}

func lo(t *testing.T) netlink.Link {
	l, err := netlink.LinkByName("lo")
	if err != nil {
		t.Fatalf("lo: %v", err)
	}
	return l
}

// addrsIn lists lo's host addresses inside p.
func addrsIn(t *testing.T, p netip.Prefix) []netip.Addr {
	present, err := hostAddrs(lo(t))
	if err != nil {
		t.Fatalf("%v", err)
	}
	var out []netip.Addr
	for _, ip := range sortedAddrs(present) {
		if p.Contains(ip) {
			out = append(out, ip)
		}
	}
	return out
}

// onLo reports whether ip is a host address of lo.
func onLo(t *testing.T, ip netip.Addr) bool {
	return len(addrsIn(t, netip.PrefixFrom(ip, 32))) == 1
}

// addAddr puts ip on lo as the test's own (sweep removes it).
func (e *env) addAddr(ip netip.Addr) {
	e.t.Helper()
	e.mine[ip] = true
	if _, err := addAddr(lo(e.t), ip); err != nil {
		e.t.Fatal(err)
	}
}

// eventually polls cond every 10 ms for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// backendsOf is the listener's backends; ok is false if it is not open.
func (e *env) backendsOf(k listenerKey) (b []netip.AddrPort, ok bool) {
	e.p.mu.Lock()
	defer e.p.mu.Unlock()
	l, ok := e.p.listeners[k]
	if !ok {
		return nil, false
	}
	return l.bal.backends(), true
}

// waitBackends waits until the listener for ip:port/proto is open with n backends.
func (e *env) waitBackends(ip netip.Addr, port uint16, proto api.Protocol, n int) {
	e.t.Helper()
	k := listenerKey{IP: ip, Port: port, Proto: proto}
	eventually(e.t, k.String()+" with backends", func() bool {
		b, ok := e.backendsOf(k)
		return ok && len(b) == n
	})
}

// waitClosed waits until no listener is open for ip:port/proto.
func (e *env) waitClosed(ip netip.Addr, port uint16, proto api.Protocol) {
	e.t.Helper()
	k := listenerKey{IP: ip, Port: port, Proto: proto}
	eventually(e.t, k.String()+" to close", func() bool {
		_, ok := e.backendsOf(k)
		return !ok
	})
}

// tcpBackend serves on the backend address: each connection gets name and
// a newline, then an echo of what it sends until it half-closes.
func (e *env) tcpBackend(name string) int32 {
	e.t.Helper()
	ln, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(e.backend, 0)))
	if err != nil {
		e.t.Fatal(err)
	}
	var wg sync.WaitGroup
	e.t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(c, name+"\n"); err == nil {
					_, _ = io.Copy(c, c)
				}
			}()
		}
	}()
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

// udpBackend answers each datagram with name, a colon and the datagram.
func (e *env) udpBackend(name string) int32 {
	e.t.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(e.backend, 0)))
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan struct{})
	e.t.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = c.WriteToUDPAddrPort([]byte(name+":"+string(buf[:n])), from)
		}
	}()
	return int32(c.LocalAddr().(*net.UDPAddr).Port)
}

// ask connects to addr and returns the name the backend answers with.
func ask(t *testing.T, addr netip.AddrPort) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v", addr, err)
	}
	return strings.TrimSpace(line)
}

// tally asks addr n times and counts the answers.
func tally(t *testing.T, addr netip.AddrPort, n int) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		got[ask(t, addr)]++
	}
	return got
}

// expectEnd reads from c and fails unless the connection ends (EOF or
// reset) within a second.
func expectEnd(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 64)
	for {
		_, err := c.Read(buf)
		var ne net.Error
		switch {
		case err == nil:
			continue
		case errors.As(err, &ne) && ne.Timeout():
			t.Fatal("the connection stayed open")
		default:
			return
		}
	}
}
