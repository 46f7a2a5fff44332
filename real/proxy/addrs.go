package proxy

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// hostNet is ip as a single-address network (/32 or /128).
func hostNet(ip netip.Addr) *net.IPNet {
	return &net.IPNet{IP: net.IP(ip.AsSlice()), Mask: net.CIDRMask(ip.BitLen(), ip.BitLen())}
}

// hostAddrs lists the single-address (/32, /128) addresses on link.
func hostAddrs(link netlink.Link) (map[netip.Addr]bool, error) {
	addrs, err := netlink.AddrList(link, netlink.FAMILY_ALL)
	if err != nil {
		return nil, fmt.Errorf("list addresses of %s: %w", link.Attrs().Name, err)
	}
	out := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		if a.IPNet == nil {
			continue
		}
		ones, bits := a.IPNet.Mask.Size()
		ip, ok := netip.AddrFromSlice(a.IPNet.IP)
		if ok && ones == bits && ones > 0 {
			out[ip.Unmap()] = true
		}
	}
	return out, nil
}

// addAddr puts ip on link as a host address; it is not an error if the
// address is already there. added says whether this call put it there.
func addAddr(link netlink.Link, ip netip.Addr) (added bool, err error) {
	err = netlink.AddrAdd(link, &netlink.Addr{IPNet: hostNet(ip)})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EEXIST):
		return false, nil
	default:
		return false, fmt.Errorf("add %s to %s: %w", ip, link.Attrs().Name, err)
	}
}

// delAddr removes the host address ip from link; it is not an error if
// the address is already gone.
func delAddr(link netlink.Link, ip netip.Addr) error {
	err := netlink.AddrDel(link, &netlink.Addr{IPNet: hostNet(ip)})
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove %s from %s: %w", ip, link.Attrs().Name, err)
	}
	return nil
}

// Cleanup removes every single-address (/32 or /128) address inside cidr
// from the link named link: the ClusterIPs a proxy that died without
// Close left behind. `kubetwin real down` runs it after stopping the proxy.
func Cleanup(link string, cidr netip.Prefix) error {
	l, err := netlink.LinkByName(link)
	if err != nil {
		return fmt.Errorf("proxy cleanup: link %s: %w", link, err)
	}
	present, err := hostAddrs(l)
	if err != nil {
		return fmt.Errorf("proxy cleanup: %w", err)
	}
	cidr = cidr.Masked()
	var errs []error
	for _, ip := range sortedAddrs(present) {
		if cidr.Contains(ip) {
			errs = append(errs, delAddr(l, ip))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("proxy cleanup: %w", err)
	}
	return nil
}

// sortedAddrs returns the keys of set in order, so work and logs come in a
// fixed order.
func sortedAddrs(set map[netip.Addr]bool) []netip.Addr {
	out := make([]netip.Addr, 0, len(set))
	for ip := range set {
		out = append(out, ip)
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return out
}
