package agent_test

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/real/podnet"
	"github.com/kubetwin/kubetwin/real/realtest"
)

// TestRoutesToOtherNodesFollowTheirNodes: a Node on another machine (an
// address on this node's bridge subnet stands for it) gets a route to its
// pod CIDR, which goes when the Node does.
func TestRoutesToOtherNodesFollowTheirNodes(t *testing.T) {
	e := newEnv(t)
	gw := e.net.(*podnet.Network).Gateway()
	remote := gw.Next().Next().Next()
	cidr := realtest.FreeCIDR(t, 212)
	node := &api.Node{ObjectMeta: api.ObjectMeta{Name: "node-b"}, Spec: api.NodeSpec{PodCIDR: cidr.String()},
		Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: api.NodeInternalIP, Address: remote.String()}}}}
	if _, err := e.reg.Create(context.Background(), nodeKind, "", node, registry.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, cidr, remote)
	if _, _, err := e.reg.Delete(context.Background(), nodeKind, "", "node-b", registry.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRoute(t, cidr, netip.Addr{})
}

// waitRoute waits until the route to cidr goes via via, or is gone when
// via is the zero address.
func waitRoute(t *testing.T, cidr netip.Prefix, via netip.Addr) {
	t.Helper()
	filter := &netlink.Route{Dst: &net.IPNet{IP: cidr.Addr().AsSlice(), Mask: net.CIDRMask(cidr.Bits(), 32)}}
	var got netip.Addr
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		rs, err := netlink.RouteListFiltered(netlink.FAMILY_V4, filter, netlink.RT_FILTER_DST)
		if err != nil {
			t.Fatal(err)
		}
		got = netip.Addr{}
		for _, r := range rs {
			if ip, ok := netip.AddrFromSlice(r.Gw); ok {
				got = ip.Unmap()
			}
		}
		if got == via {
			return
		}
	}
	t.Fatalf("route to %s via %v, want %v", cidr, got, via)
}
