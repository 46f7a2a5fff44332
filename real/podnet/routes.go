package podnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

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
	have, err := n.ownRoutes()
	if err != nil {
		return err
	}
	var errs []error
	for cidr, r := range have {
		if _, ok := want[cidr]; !ok {
			errs = append(errs, deleteRoute(r))
		}
	}
	// Recorded before they are added, so a crash in between leaves no
	// route that a later run would not know to remove.
	if err := n.saveRouted(slices.Collect(maps.Keys(want))); err != nil {
		return err
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

// ownRoutes lists the peer routes this network added, by destination:
// routes with podnet's mark that its record names. Other agents on the
// machine, and other tests, keep theirs.
func (n *Network) ownRoutes() (map[netip.Prefix]netlink.Route, error) {
	all, err := peerRoutes()
	if err != nil {
		return nil, err
	}
	mine, err := n.loadRouted()
	if err != nil {
		return nil, err
	}
	out := map[netip.Prefix]netlink.Route{}
	for _, cidr := range mine {
		if r, ok := all[cidr]; ok {
			out[cidr] = r
		}
	}
	return out, nil
}

// routedPath records the peer CIDRs this network routes.
func (n *Network) routedPath() string {
	return filepath.Join(n.cfg.StateDir, "routes-"+n.cfg.Bridge+".json")
}

func (n *Network) loadRouted() ([]netip.Prefix, error) {
	b, err := os.ReadFile(n.routedPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read peer routes: %w", err)
	}
	var out []netip.Prefix
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("peer routes %s: %w", n.routedPath(), err)
	}
	return out, nil
}

// saveRouted writes the record through a temporary file and a rename.
func (n *Network) saveRouted(cidrs []netip.Prefix) error {
	slices.SortFunc(cidrs, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	b, err := json.Marshal(cidrs)
	if err != nil {
		return fmt.Errorf("encode peer routes: %w", err)
	}
	// The state directory is made on first use, which may be this write
	// when peers appear before the node's first pod.
	if err := os.MkdirAll(filepath.Dir(n.routedPath()), 0o755); err != nil {
		return fmt.Errorf("write peer routes: %w", err)
	}
	tmp := n.routedPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write peer routes: %w", err)
	}
	if err := os.Rename(tmp, n.routedPath()); err != nil {
		return fmt.Errorf("write peer routes: %w", err)
	}
	return nil
}

// removeOwnRoutes deletes the peer routes this network added, and its record.
func (n *Network) removeOwnRoutes() error {
	have, err := n.ownRoutes()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range have {
		errs = append(errs, deleteRoute(r))
	}
	if err := os.Remove(n.routedPath()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("remove peer routes record: %w", err))
	}
	return errors.Join(errs...)
}

// peerRoutes lists the routes with podnet's mark, by destination.
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
