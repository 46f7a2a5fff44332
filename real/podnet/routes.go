package podnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// routeProtocol marks the routes to other nodes' pod CIDRs that podnet
// adds (a value no routing daemon uses), so they can be told from the
// machine's own and removed when their node goes.
const routeProtocol = netlink.RouteProtocol(0x4b)

// SetPeerRoutes makes this machine route each other node's pod CIDR via
// that node's address, as the peers map gives them, and removes the peer
// routes it added before that are no longer wanted. A node whose address
// is this machine's own (several agents on one machine) needs no route:
// its bridge is here, and the kernel's connected route reaches it.
func (n *Network) SetPeerRoutes(peers map[netip.Prefix]netip.Addr) error {
	local, err := localAddrs()
	if err != nil {
		return err
	}
	want := map[netip.Prefix]netip.Addr{}
	for cidr, via := range peers {
		cidr = cidr.Masked()
		if local[via] || cidr.Overlaps(n.cfg.CIDR) || !cidr.Addr().Is4() || !via.Is4() {
			continue
		}
		want[cidr] = via
	}
	have, err := peerRoutes()
	if err != nil {
		return err
	}
	var errs []error
	for cidr, r := range have {
		if _, ok := want[cidr]; !ok {
			errs = append(errs, deleteRoute(r))
		}
	}
	for cidr, via := range want {
		if r, ok := have[cidr]; ok && r.Gw.Equal(via.AsSlice()) {
			continue
		}
		route := &netlink.Route{Dst: ipNet(cidr), Gw: net.IP(via.AsSlice()), Protocol: routeProtocol}
		if err := netlink.RouteReplace(route); err != nil {
			errs = append(errs, fmt.Errorf("route %s via %s: %w", cidr, via, err))
		}
	}
	return errors.Join(errs...)
}

// peerRoutes lists the routes podnet added, by destination.
func peerRoutes() (map[netip.Prefix]netlink.Route, error) {
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: routeProtocol}, netlink.RT_FILTER_PROTOCOL)
	if err != nil {
		return nil, fmt.Errorf("list peer routes: %w", err)
	}
	out := map[netip.Prefix]netlink.Route{}
	for _, r := range rs {
		if r.Dst == nil {
			continue
		}
		ip, _ := netip.AddrFromSlice(r.Dst.IP)
		bits, _ := r.Dst.Mask.Size()
		out[netip.PrefixFrom(ip.Unmap(), bits)] = r
	}
	return out, nil
}

func deleteRoute(r netlink.Route) error {
	if err := netlink.RouteDel(&r); err != nil {
		return fmt.Errorf("delete route %s: %w", r.Dst, err)
	}
	return nil
}

// localAddrs is every IPv4 address of this machine.
func localAddrs() (map[netip.Addr]bool, error) {
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("list addresses: %w", err)
	}
	out := map[netip.Addr]bool{}
	for _, a := range addrs {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			out[ip.Unmap()] = true
		}
	}
	return out, nil
}
