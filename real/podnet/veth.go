package podnet

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// podIface is the pod end's name inside its namespace.
const podIface = "eth0"

// build creates podUID's namespace and veth pair and configures the pod
// end: eth0 with ip, lo up, a default route through the bridge.
func (n *Network) build(podUID string, ip netip.Addr) error {
	ns, err := newNamedNetns(n.NetnsName(podUID))
	if err != nil {
		return err
	}
	defer ns.Close()
	br, err := netlink.LinkByName(n.cfg.Bridge)
	if err != nil {
		return fmt.Errorf("find bridge %s: %w", n.cfg.Bridge, err)
	}
	peer := n.tempPeer(podUID)
	attrs := netlink.NewLinkAttrs()
	attrs.Name, attrs.MTU, attrs.MasterIndex = n.hostVeth(podUID), n.cfg.MTU, br.Attrs().Index
	veth := &netlink.Veth{LinkAttrs: attrs, PeerName: peer, PeerNamespace: netlink.NsFd(int(ns))}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", attrs.Name, err)
	}
	host, err := netlink.LinkByName(attrs.Name)
	if err != nil {
		return fmt.Errorf("find veth %s: %w", attrs.Name, err)
	}
	// Hairpin lets the bridge send a frame back out the port it came in
	// on: with bridge netfilter on, a pod's connection to a Service that
	// the nftables proxy sends back to the same pod travels that way.
	if err := netlink.LinkSetHairpin(host, true); err != nil {
		return fmt.Errorf("hairpin on veth %s: %w", attrs.Name, err)
	}
	if err := netlink.LinkSetUp(host); err != nil {
		return fmt.Errorf("bring up veth %s: %w", attrs.Name, err)
	}
	return n.configurePodEnd(ns, peer, ip)
}

// tempPeer names the pod end until it is renamed eth0 inside the
// namespace: it is created in the host's namespace first, where eth0 may exist.
func (n *Network) tempPeer(podUID string) string { return "kp" + n.linkHash(podUID) }

// hostVeth is the host end of podUID's veth pair.
func (n *Network) hostVeth(podUID string) string { return "kv" + n.linkHash(podUID) }

// linkHash is a short hash of bridge and pod: interface names are limited
// to 15 characters, far fewer than a UID has.
func (n *Network) linkHash(podUID string) string {
	sum := sha256.Sum256([]byte(n.cfg.Bridge + "/" + podUID))
	return hex.EncodeToString(sum[:])[:11]
}

// configurePodEnd renames the pod end eth0 and gives it ip and the routes.
func (n *Network) configurePodEnd(ns netns.NsHandle, peer string, ip netip.Addr) error {
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in pod namespace: %w", err)
	}
	defer h.Close()
	link, err := h.LinkByName(peer)
	if err != nil {
		return fmt.Errorf("find %s in pod namespace: %w", peer, err)
	}
	if err := h.LinkSetName(link, podIface); err != nil {
		return fmt.Errorf("rename %s to %s: %w", peer, podIface, err)
	}
	addr := netip.PrefixFrom(ip, n.cfg.CIDR.Bits())
	if err := h.AddrAdd(link, &netlink.Addr{IPNet: ipNet(addr)}); err != nil {
		return fmt.Errorf("address %s on %s: %w", addr, podIface, err)
	}
	if err := h.LinkSetUp(link); err != nil {
		return fmt.Errorf("bring up %s: %w", podIface, err)
	}
	if lo, err := h.LinkByName("lo"); err != nil || h.LinkSetUp(lo) != nil {
		return fmt.Errorf("bring up lo in pod namespace: %v", err)
	}
	route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: net.IP(n.Gateway().AsSlice()),
		Dst: &net.IPNet{IP: net.IPv4zero, Mask: net.CIDRMask(0, 32)}}
	if err := h.RouteAdd(route); err != nil {
		return fmt.Errorf("default route via %s: %w", n.Gateway(), err)
	}
	return nil
}

// configured reports whether podUID's namespace has eth0 up with ip, the
// host end exists, and so needs no rebuilding.
func (n *Network) configured(podUID string, ip netip.Addr) bool {
	if _, err := netlink.LinkByName(n.hostVeth(podUID)); err != nil {
		return false
	}
	ns, err := netns.GetFromName(n.NetnsName(podUID))
	if err != nil {
		return false
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return false
	}
	defer h.Close()
	link, err := h.LinkByName(podIface)
	if err != nil || link.Attrs().Flags&net.FlagUp == 0 {
		return false
	}
	addrs, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if got, ok := netip.AddrFromSlice(a.IP); ok && got.Unmap() == ip {
			return true
		}
	}
	return false
}
