package podnet_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/real/podnet"
	"github.com/kubetwin/kubetwin/real/realtest"
)

// node is one test node's pod network with its config, for restarting it.
type node struct {
	cfg podnet.Config
	net *podnet.Network
}

func newNode(t *testing.T) *node {
	t.Helper()
	// The state directory does not exist yet, as on an agent's first start.
	stateDir := filepath.Join(t.TempDir(), "net")
	cfg := podnet.Config{Bridge: realtest.UniqueName("ktn"), CIDR: realtest.FreeCIDR(t, 213), StateDir: stateDir}
	n, err := podnet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { destroy(t, cfg) })
	return &node{cfg, n}
}

// destroy removes the node's network as `real down` does after the agent
// is gone, and checks nothing is left.
func destroy(t *testing.T, cfg podnet.Config) {
	if err := podnet.Destroy(cfg); err != nil {
		t.Errorf("destroy: %v", err)
	}
	if _, err := netlink.LinkByName(cfg.Bridge); err == nil {
		t.Errorf("bridge %s left behind", cfg.Bridge)
	}
	left, _ := filepath.Glob("/var/run/netns/" + cfg.Bridge + "-*")
	if len(left) > 0 {
		t.Errorf("namespaces left behind: %v", left)
	}
}

func (n *node) attach(t *testing.T, uid string) (string, netip.Addr) {
	t.Helper()
	path, ip, err := n.net.Attach(context.Background(), uid, "default_"+uid)
	if err != nil {
		t.Fatal(err)
	}
	return path, ip
}

// serveIn listens on ip:port inside the namespace and answers every
// connection with reply.
func serveIn(t *testing.T, nsPath string, ip netip.Addr, reply string) string {
	t.Helper()
	var ln net.Listener
	err := realtest.InNetns(nsPath, func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(ip, 8080).String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, reply)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func fetch(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestPodsReachEachOtherAcrossNodesAndFromTheHost(t *testing.T) {
	a, b := newNode(t), newNode(t)
	pathA, ipA := a.attach(t, "pod-a")
	pathB, ipB := b.attach(t, "pod-b")
	if !a.cfg.CIDR.Contains(ipA) || ipA != a.net.Gateway().Next() {
		t.Fatalf("pod a got %s, want the first pod address of %s", ipA, a.cfg.CIDR)
	}
	addrA := serveIn(t, pathA, ipA, "from a")
	if got, err := fetch(addrA); err != nil || got != "from a" {
		t.Fatalf("host to pod a: %q, %v", got, err)
	}
	var got string
	err := realtest.InNetns(pathB, func() (err error) {
		got, err = fetch(addrA)
		return err
	})
	if err != nil || got != "from a" {
		t.Fatalf("pod b (%s) to pod a across bridges: %q, %v", ipB, got, err)
	}
}

func TestRestartedNetworkReusesNamespacesAndAddresses(t *testing.T) {
	n := newNode(t)
	path, ip := n.attach(t, "pod-1")
	_, ip2 := n.attach(t, "pod-2")
	if ip2 == ip {
		t.Fatalf("two pods share %s", ip)
	}
	addr := serveIn(t, path, ip, "still here")
	again, err := podnet.New(n.cfg)
	if err != nil {
		t.Fatal(err)
	}
	path1, ip1, err := again.Attach(context.Background(), "pod-1", "default_pod-1")
	if err != nil || path1 != path || ip1 != ip {
		t.Fatalf("after restart: %s %s %v, want %s %s", path1, ip1, err, path, ip)
	}
	// The namespace was kept, not rebuilt: the listener in it still answers.
	if got, err := fetch(addr); err != nil || got != "still here" {
		t.Fatalf("pod after restart: %q, %v", got, err)
	}
	uids, err := again.Attached()
	if err != nil || strings.Join(uids, ",") != "pod-1,pod-2" {
		t.Fatalf("attached %v, %v", uids, err)
	}
}

func TestDetachFreesTheAddressAndLeavesNothing(t *testing.T) {
	n := newNode(t)
	path, ip := n.attach(t, "pod-1")
	if err := n.net.Detach("pod-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("namespace %s still there: %v", path, err)
	}
	if err := n.net.Detach("pod-1"); err != nil {
		t.Fatalf("second detach: %v", err)
	}
	if _, ip2 := n.attach(t, "pod-2"); ip2 != ip {
		t.Fatalf("freed %s, next pod got %s", ip, ip2)
	}
}

func TestHalfBuiltNamespaceIsRebuilt(t *testing.T) {
	n := newNode(t)
	// A crash after the namespace was created, before its veth was.
	name := n.net.NetnsName("pod-1")
	if err := realtest.MakeNamedNetns(name); err != nil {
		t.Fatal(err)
	}
	path, ip := n.attach(t, "pod-1")
	if got, err := fetch(serveIn(t, path, ip, "ok")); err != nil || got != "ok" {
		t.Fatalf("rebuilt pod: %q, %v", got, err)
	}
}

func TestFullCIDRGivesErrNoAddress(t *testing.T) {
	cfg := podnet.Config{Bridge: realtest.UniqueName("ktn"), StateDir: t.TempDir()}
	cfg.CIDR = netip.PrefixFrom(realtest.FreeCIDR(t, 213).Addr(), 30) // gateway, one pod, broadcast
	n, err := podnet.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { destroy(t, cfg) })
	if _, _, err := n.Attach(context.Background(), "pod-1", "p1"); err != nil {
		t.Fatal(err)
	}
	_, _, err = n.Attach(context.Background(), "pod-2", "p2")
	if !errors.Is(err, podnet.ErrNoAddress) || !errors.Is(err, podnet.ErrSetup) {
		t.Fatalf("second pod in a /30: %v, want ErrNoAddress", err)
	}
}

func TestBadConfigAndStateAreReported(t *testing.T) {
	dir := t.TempDir()
	cidr := netip.MustParsePrefix("10.213.255.0/24")
	for _, c := range []struct {
		cfg  podnet.Config
		want string
	}{
		{podnet.Config{Bridge: "a-name-far-too-long", CIDR: cidr, StateDir: dir}, "bridge name"},
		{podnet.Config{Bridge: "ktx", CIDR: netip.MustParsePrefix("fd00::/64"), StateDir: dir}, "IPv4"},
		{podnet.Config{Bridge: "ktx", CIDR: cidr}, "state directory"},
	} {
		if _, err := podnet.New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	state := filepath.Join(dir, "ipam-ktx.json")
	os.WriteFile(state, []byte(`{"cidr":"10.9.0.0/24","pods":{}}`), 0o644)
	if _, err := podnet.New(podnet.Config{Bridge: "ktx", CIDR: cidr, StateDir: dir}); err == nil ||
		!strings.Contains(err.Error(), "not 10.213.255.0/24") {
		t.Errorf("changed CIDR: %v", err)
	}
	os.WriteFile(state, []byte(`{"cidr":`), 0o644)
	if _, err := podnet.New(podnet.Config{Bridge: "ktx", CIDR: cidr, StateDir: dir}); err == nil ||
		!strings.Contains(err.Error(), state) {
		t.Errorf("corrupt state: %v", err)
	}
	if _, err := netlink.LinkByName("ktx"); err == nil {
		t.Errorf("a bridge was made despite bad state")
	}
}

func TestPeerRoutesFollowTheOtherNodes(t *testing.T) {
	n := newNode(t)
	gw := n.net.Gateway()
	// A peer "machine" on the bridge's subnet, so the kernel accepts it as
	// a gateway, and a peer on this machine, which needs no route.
	remote := gw.Next().Next().Next()
	far := realtest.FreeCIDR(t, 213)
	near := realtest.FreeCIDR(t, 212)
	t.Cleanup(func() { _ = n.net.SetPeerRoutes(nil) })
	err := n.net.SetPeerRoutes(map[netip.Prefix]netip.Addr{far: remote, near: netip.MustParseAddr("127.0.0.1"),
		n.cfg.CIDR: remote})
	if err != nil {
		t.Fatal(err)
	}
	if via := routeVia(t, far); via != remote {
		t.Fatalf("route to %s via %v, want %s", far, via, remote)
	}
	if via := routeVia(t, near); via.IsValid() {
		t.Fatalf("a route to the local peer's %s via %s", near, via)
	}
	if err := n.net.SetPeerRoutes(map[netip.Prefix]netip.Addr{}); err != nil {
		t.Fatal(err)
	}
	if via := routeVia(t, far); via.IsValid() {
		t.Fatalf("the route to %s stayed after its node went", far)
	}
	// Destroy takes the network's routes with it.
	if err := n.net.SetPeerRoutes(map[netip.Prefix]netip.Addr{far: remote}); err != nil {
		t.Fatal(err)
	}
	if err := podnet.Destroy(n.cfg); err != nil {
		t.Fatal(err)
	}
	// The kernel drops a route with its bridge; Destroy also forgets it.
	if via := routeVia(t, far); via.IsValid() {
		t.Fatalf("the route to %s stayed after Destroy", far)
	}
	if left, _ := filepath.Glob(filepath.Join(n.cfg.StateDir, "*")); len(left) > 0 {
		t.Fatalf("state left after Destroy: %v", left)
	}
}

// routeVia is the gateway of the route to exactly cidr, if one exists.
func routeVia(t *testing.T, cidr netip.Prefix) netip.Addr {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Dst: &net.IPNet{IP: cidr.Addr().AsSlice(),
		Mask: net.CIDRMask(cidr.Bits(), 32)}}, netlink.RT_FILTER_DST)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if ip, ok := netip.AddrFromSlice(r.Gw); ok {
			return ip.Unmap()
		}
	}
	return netip.Addr{}
}
