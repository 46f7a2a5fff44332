package realtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/kubetwin/kubetwin/real/podnet"
)

// PodNetwork makes a pod network on a bridge of the test's own, with a /24
// from 10.214.0.0/16 that no address on this machine is in, and destroys
// it when the test ends.
func PodNetwork(t testing.TB) *podnet.Network {
	t.Helper()
	n, err := podnet.New(podnet.Config{Bridge: UniqueName("ktb"), CIDR: FreeCIDR(t, 214), StateDir: t.TempDir()})
	if err != nil {
		t.Fatalf("pod network: %v", err)
	}
	t.Cleanup(func() {
		if err := n.Destroy(); err != nil {
			t.Errorf("destroy pod network: %v", err)
		}
	})
	return n
}

// UniqueName is prefix and random hex, short enough for an interface name.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// FreeCIDR picks a /24 of 10.SECOND.0.0/16 holding none of the machine's
// addresses, so concurrent test processes do not collide.
func FreeCIDR(t testing.TB, second byte) netip.Prefix {
	t.Helper()
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("list addresses: %v", err)
	}
	for tries := 0; tries < 100; tries++ {
		b := make([]byte, 1)
		_, _ = rand.Read(b)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, second, b[0], 0}), 24)
		if !holdsAny(p, addrs) {
			return p
		}
	}
	t.Fatalf("no free /24 in 10.%d.0.0/16", second)
	return netip.Prefix{}
}

func holdsAny(p netip.Prefix, addrs []netlink.Addr) bool {
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok && p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// InNetns runs f on a thread switched into the named network namespace;
// sockets f opens stay in it.
func InNetns(path string, f func() error) error {
	return onOwnThread(func() error {
		ns, err := netns.GetFromPath(path)
		if err != nil {
			return fmt.Errorf("open %s: %w", path, err)
		}
		defer ns.Close()
		if err := netns.Set(ns); err != nil {
			return fmt.Errorf("enter %s: %w", path, err)
		}
		return f()
	})
}

// MakeNamedNetns creates an empty named namespace, as a crash in the middle
// of a pod's setup leaves one.
func MakeNamedNetns(name string) error {
	return onOwnThread(func() error {
		ns, err := netns.NewNamed(name)
		if err == nil {
			ns.Close()
		}
		return err
	})
}

// onOwnThread runs f on a locked thread and puts the thread back in its
// network namespace afterwards; a thread that cannot be put back is never
// unlocked, so the runtime discards it.
func onOwnThread(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		err = f()
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// FreeRange picks a /16 of 10.220.0.0 to 10.254.0.0 holding none of the
// machine's addresses, for a whole cluster's pod or Service range.
func FreeRange(t testing.TB, avoid ...netip.Prefix) netip.Prefix {
	t.Helper()
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("list addresses: %v", err)
	}
	for tries := 0; tries < 100; tries++ {
		b := make([]byte, 1)
		_, _ = rand.Read(b)
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 220 + b[0]%35, 0, 0}), 16)
		if !holdsAny(p, addrs) && !slices.ContainsFunc(avoid, p.Overlaps) {
			return p
		}
	}
	t.Fatal("no free /16 in 10.220.0.0 to 10.254.0.0")
	return netip.Prefix{}
}
