package proxy

import (
	"net/netip"
	"slices"
	"sync/atomic"
)

// balancer hands out one listener's backends round-robin. The set is
// swapped whole when the Endpoints change, so a new connection sees the
// change at once and a picker never takes a lock.
type balancer struct {
	set  atomic.Pointer[backendSet]
	turn atomic.Uint64
}

// backendSet is one immutable version of a listener's backends.
type backendSet struct {
	list  []netip.AddrPort
	index map[netip.AddrPort]bool
}

func newBalancer(list []netip.AddrPort) *balancer {
	b := &balancer{}
	b.update(list)
	return b
}

// update installs list (in order) and reports whether it differs from the
// set it replaces.
func (b *balancer) update(list []netip.AddrPort) bool {
	if cur := b.set.Load(); cur != nil && slices.Equal(cur.list, list) {
		return false
	}
	s := &backendSet{list: slices.Clone(list), index: make(map[netip.AddrPort]bool, len(list))}
	for _, ap := range list {
		s.index[ap] = true
	}
	b.set.Store(s)
	return true
}

// pick returns the next backend in turn; ok is false when there is none.
func (b *balancer) pick() (ap netip.AddrPort, ok bool) {
	s := b.set.Load()
	if len(s.list) == 0 {
		return netip.AddrPort{}, false
	}
	n := b.turn.Add(1) - 1
	return s.list[n%uint64(len(s.list))], true
}

// has reports whether ap is still one of the backends.
func (b *balancer) has(ap netip.AddrPort) bool { return b.set.Load().index[ap] }

// size is the number of backends.
func (b *balancer) size() int { return len(b.set.Load().list) }

// backends returns a copy of the current backends.
func (b *balancer) backends() []netip.AddrPort { return slices.Clone(b.set.Load().list) }
