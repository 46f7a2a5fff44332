package proxy

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// reconcile makes the listeners and the link's addresses match what the
// cached Services and Endpoints call for: stale listeners close first,
// then addresses come and go, then missing listeners open and every
// listener gets its current backends. It goes on past failures and
// reports them all.
func (p *Proxy) reconcile() error {
	start := time.Now()
	defer p.metrics.observeSync(start)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	want := p.desired()
	if p.cfg.Mode == ModeNFTables {
		return errors.Join(p.syncAddrs(want), p.syncTable(want))
	}
	for _, k := range sortedKeys(p.listeners) {
		if _, ok := want[k]; !ok {
			p.closeListener(k)
		}
	}
	errs := []error{p.syncAddrs(want)}
	for _, k := range sortedKeys(want) {
		errs = append(errs, p.ensureListener(k, want[k]))
	}
	return errors.Join(errs...)
}

// desired plans from the caches and logs the problems not logged the last time.
func (p *Proxy) desired() map[listenerKey]target {
	var svcs []*api.Service
	eps := map[string]*api.Endpoints{}
	for _, o := range p.svcs.List("", nil) {
		svc := o.(*api.Service)
		svcs = append(svcs, svc)
		if ep, ok := p.eps.Get(svc.Namespace, svc.Name); ok {
			eps[svc.Namespace+"/"+svc.Name] = ep.(*api.Endpoints)
		}
	}
	want, problems := plan(svcs, eps)
	now := make(map[string]bool, len(problems))
	for _, pr := range problems {
		if !p.problems[pr] {
			p.cfg.Logf("proxy: %s", pr)
		}
		now[pr] = true
	}
	p.problems = now
	return want
}

// ensureListener opens k's socket if it is not open and gives it t's backends.
func (p *Proxy) ensureListener(k listenerKey, t target) error {
	if l, ok := p.listeners[k]; ok {
		if l.bal.update(t.Backends) || l.service != t.Service {
			l.service = t.Service
			p.cfg.Logf("proxy: %s (%s): %d ready endpoints", k, t.Service, len(t.Backends))
		}
		return nil
	}
	bal := newBalancer(t.Backends)
	fe, err := p.open(k, bal)
	if err != nil {
		return fmt.Errorf("%s: %w", t.Service, err)
	}
	p.listeners[k] = &listener{bal: bal, fe: fe, service: t.Service}
	p.cfg.Logf("proxy: %s (%s): listening, %d ready endpoints", k, t.Service, len(t.Backends))
	return nil
}

// open starts serving k.
func (p *Proxy) open(k listenerKey, bal *balancer) (frontend, error) {
	if k.Proto == api.ProtocolUDP {
		return p.openUDP(k, bal)
	}
	return p.openTCP(k, bal)
}

// closeListener stops serving k.
func (p *Proxy) closeListener(k listenerKey) {
	l := p.listeners[k]
	l.fe.close()
	delete(p.listeners, k)
	p.cfg.Logf("proxy: %s (%s): closed", k, l.service)
}

// syncAddrs puts on the link every ClusterIP a wanted listener needs and
// removes the owned ones none needs.
func (p *Proxy) syncAddrs(want map[listenerKey]target) error {
	present, err := hostAddrs(p.link)
	if err != nil {
		return err
	}
	p.adopt(present)
	need := map[netip.Addr]bool{}
	for k := range want {
		need[k.IP] = true
	}
	var errs []error
	for _, ip := range sortedAddrs(need) {
		if !present[ip] {
			errs = append(errs, p.addAddr(ip))
		}
	}
	for _, ip := range sortedAddrs(p.owned) {
		if !need[ip] {
			errs = append(errs, p.removeAddr(ip))
		}
	}
	return errors.Join(errs...)
}

// adopt takes ownership of the host addresses in ServiceCIDR, if set.
func (p *Proxy) adopt(present map[netip.Addr]bool) {
	if !p.cfg.ServiceCIDR.IsValid() {
		return
	}
	for ip := range present {
		if p.cfg.ServiceCIDR.Contains(ip) {
			p.owned[ip] = true
		}
	}
}

// addAddr puts ip on the link and remembers it if this call put it there.
func (p *Proxy) addAddr(ip netip.Addr) error {
	added, err := addAddr(p.link, ip)
	if err != nil {
		return err
	}
	if added {
		p.owned[ip] = true
		p.cfg.Logf("proxy: added %s to %s", ip, p.cfg.Link)
	}
	return nil
}

// removeAddr takes an owned address off the link and forgets it.
func (p *Proxy) removeAddr(ip netip.Addr) error {
	if err := delAddr(p.link, ip); err != nil {
		return err
	}
	delete(p.owned, ip)
	p.cfg.Logf("proxy: removed %s from %s", ip, p.cfg.Link)
	return nil
}

// sortedKeys returns m's keys ordered by address, port and protocol.
func sortedKeys[V any](m map[listenerKey]V) []listenerKey {
	out := make([]listenerKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b listenerKey) int {
		if c := a.AddrPort().Compare(b.AddrPort()); c != 0 {
			return c
		}
		return cmp.Compare(a.Proto, b.Proto)
	})
	return out
}
