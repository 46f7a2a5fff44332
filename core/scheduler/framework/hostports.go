package framework

import "github.com/kubetwin/kubetwin/core/api"

// wildcardIP is the "any address" host IP that conflicts with every other IP.
const wildcardIP = "0.0.0.0"

// HostPort is one host port a pod claims: address, protocol and port.
type HostPort struct {
	IP       string
	Protocol api.Protocol
	Port     int32
}

// HostPortSet counts claims per host port so removing one pod of two
// sharing a port (which cannot happen on a valid node, but can in a cache
// that lags) keeps the other's claim.
type HostPortSet map[HostPort]int

// Add records a claim.
func (s HostPortSet) Add(hp HostPort) { s[hp]++ }

// Remove drops a claim.
func (s HostPortSet) Remove(hp HostPort) {
	if s[hp] <= 1 {
		delete(s, hp)
		return
	}
	s[hp]--
}

// Conflicts reports whether hp clashes with a held port: same protocol and
// port, and the same address or either side the wildcard.
func (s HostPortSet) Conflicts(hp HostPort) bool {
	if hp.IP == wildcardIP {
		for held := range s {
			if held.Port == hp.Port && held.Protocol == hp.Protocol {
				return true
			}
		}
		return false
	}
	return s[hp] > 0 || s[HostPort{IP: wildcardIP, Protocol: hp.Protocol, Port: hp.Port}] > 0
}

// PodHostPorts lists the host ports a pod's containers ask for, with
// Kubernetes' defaults (TCP, 0.0.0.0) filled in.
func PodHostPorts(pod *api.Pod) []HostPort {
	var out []HostPort
	for i := range pod.Spec.Containers {
		for _, p := range pod.Spec.Containers[i].Ports {
			if p.HostPort <= 0 {
				continue
			}
			hp := HostPort{IP: p.HostIP, Protocol: p.Protocol, Port: p.HostPort}
			if hp.IP == "" {
				hp.IP = wildcardIP
			}
			if hp.Protocol == "" {
				hp.Protocol = api.ProtocolTCP
			}
			out = append(out, hp)
		}
	}
	return out
}
