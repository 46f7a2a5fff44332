package proxy

import (
	"fmt"
	"net/netip"

	"github.com/kubetwin/kubetwin/core/api"
)

// listenerKey names one socket the proxy holds: a Service port on its ClusterIP.
type listenerKey struct {
	IP    netip.Addr
	Port  uint16
	Proto api.Protocol
}

// AddrPort is the address the listener binds.
func (k listenerKey) AddrPort() netip.AddrPort { return netip.AddrPortFrom(k.IP, k.Port) }

func (k listenerKey) String() string { return fmt.Sprintf("%s/%s", k.AddrPort(), k.Proto) }

// target is what one listener forwards to, and for which Service port.
type target struct {
	Service  string // namespace/name:port, for logs
	Backends []netip.AddrPort
}

// plan computes the listeners the Services call for, with the ready
// backends their Endpoints list; eps maps namespace/name to Endpoints. It
// also returns the problems found (a bad ClusterIP, an unsupported
// protocol, two Services on one address), each a sentence for the log.
// Services are taken in the order given, so the first wins a conflict.
func plan(svcs []*api.Service, eps map[string]*api.Endpoints) (map[listenerKey]target, []string) {
	want := map[listenerKey]target{}
	var problems []string
	for _, svc := range svcs {
		keys, targets, probs := planService(svc, eps[svc.Namespace+"/"+svc.Name])
		problems = append(problems, probs...)
		for i, k := range keys {
			if prev, ok := want[k]; ok {
				problems = append(problems, fmt.Sprintf("%s: %s is already taken by %s", targets[i].Service, k, prev.Service))
				continue
			}
			want[k] = targets[i]
		}
	}
	return want, problems
}

// planService lists one Service's listeners and their targets.
func planService(svc *api.Service, ep *api.Endpoints) ([]listenerKey, []target, []string) {
	name := svc.Namespace + "/" + svc.Name
	ip, ok, problem := clusterIP(svc)
	if !ok {
		if problem != "" {
			return nil, nil, []string{name + ": " + problem}
		}
		return nil, nil, nil
	}
	var keys []listenerKey
	var targets []target
	var problems []string
	for _, sp := range svc.Spec.Ports {
		proto := protocol(sp.Protocol)
		if proto != api.ProtocolTCP && proto != api.ProtocolUDP {
			problems = append(problems, fmt.Sprintf("%s: port %d: protocol %s is not supported", name, sp.Port, proto))
			continue
		}
		if sp.Port <= 0 || sp.Port > 65535 {
			problems = append(problems, fmt.Sprintf("%s: port %d is out of range", name, sp.Port))
			continue
		}
		keys = append(keys, listenerKey{IP: ip, Port: uint16(sp.Port), Proto: proto})
		targets = append(targets, target{Service: fmt.Sprintf("%s:%d", name, sp.Port), Backends: backends(ep, sp.Name, proto)})
	}
	return keys, targets, problems
}

// clusterIP parses the Service's ClusterIP; ok is false for headless and
// ExternalName Services and for an address the proxy cannot serve, in
// which case problem says why.
func clusterIP(svc *api.Service) (ip netip.Addr, ok bool, problem string) {
	s := svc.Spec
	if s.Type == api.ServiceTypeExternalName || s.ClusterIP == "" || s.ClusterIP == api.ClusterIPNone {
		return netip.Addr{}, false, ""
	}
	ip, err := netip.ParseAddr(s.ClusterIP)
	if err != nil {
		return netip.Addr{}, false, fmt.Sprintf("clusterIP %q is not an IP address", s.ClusterIP)
	}
	ip = ip.Unmap()
	if ip.IsUnspecified() || ip.IsMulticast() || ip.Zone() != "" {
		return netip.Addr{}, false, fmt.Sprintf("clusterIP %s cannot be served", ip)
	}
	return ip, true, ""
}

// backends lists the ready addresses of ep's subsets whose port has the
// Service port's name and protocol, each with that endpoint port, without
// duplicates and in the Endpoints' order.
func backends(ep *api.Endpoints, portName string, proto api.Protocol) []netip.AddrPort {
	if ep == nil {
		return nil
	}
	var out []netip.AddrPort
	seen := map[netip.AddrPort]bool{}
	for _, ss := range ep.Subsets {
		for _, p := range ss.Ports {
			if p.Name != portName || protocol(p.Protocol) != proto || p.Port <= 0 || p.Port > 65535 {
				continue
			}
			for _, a := range ss.Addresses {
				ip, err := netip.ParseAddr(a.IP)
				if err != nil {
					continue
				}
				ap := netip.AddrPortFrom(ip.Unmap(), uint16(p.Port))
				if !seen[ap] {
					seen[ap] = true
					out = append(out, ap)
				}
			}
		}
	}
	return out
}

// protocol defaults an empty protocol to TCP, as the API does.
func protocol(p api.Protocol) api.Protocol {
	if p == "" {
		return api.ProtocolTCP
	}
	return p
}
