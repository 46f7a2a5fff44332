package agent

import (
	"context"
	"net/netip"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
)

// PeerRouter is a Network that can route to other nodes' pod CIDRs
// (*podnet.Network); the agent keeps its routes in step with the Nodes.
type PeerRouter interface {
	SetPeerRoutes(peers map[netip.Prefix]netip.Addr) error
}

// keepPeerRoutes follows the Nodes and routes each other node's pod CIDR
// via its InternalIP, until ctx ends. Changes coalesce: a burst of Node
// updates (every node's status, every few seconds) costs one sync.
func (a *Agent) keepPeerRoutes(ctx context.Context, r PeerRouter) {
	nodes := cache.New(a.cfg.Client, nodeKind)
	kick := make(chan struct{}, 1)
	nodes.AddHandler(func(_, _ api.Object) {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	go nodes.Run(ctx, a.cfg.Clock, a.cfg.Resync)
	var last map[netip.Prefix]netip.Addr
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
		}
		peers := a.peers(nodes)
		if sameRoutes(peers, last) {
			continue
		}
		if err := r.SetPeerRoutes(peers); err != nil {
			a.cfg.Logf("routes to other nodes: %v", err)
			continue
		}
		last = peers
	}
}

// peers maps every other node's pod CIDR to its InternalIP.
func (a *Agent) peers(nodes *cache.Cache) map[netip.Prefix]netip.Addr {
	out := map[netip.Prefix]netip.Addr{}
	for _, o := range nodes.List("", nil) {
		n := o.(*api.Node)
		if n.Name == a.cfg.NodeName {
			continue
		}
		cidr, err := netip.ParsePrefix(n.Spec.PodCIDR)
		if err != nil {
			continue
		}
		for _, addr := range n.Status.Addresses {
			if ip, err := netip.ParseAddr(addr.Address); err == nil && addr.Type == api.NodeInternalIP {
				out[cidr] = ip
				break
			}
		}
	}
	return out
}

func sameRoutes(a, b map[netip.Prefix]netip.Addr) bool {
	if len(a) != len(b) || b == nil {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
