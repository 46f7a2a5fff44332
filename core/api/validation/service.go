package validation

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
)

// The node port range Kubernetes allocates from by default
// (--service-node-port-range); kubetwin uses the same fixed range.
const (
	NodePortMin = 30000
	NodePortMax = 32767
)

var serviceTypes = []string{string(api.ServiceTypeClusterIP), string(api.ServiceTypeExternalName),
	string(api.ServiceTypeLoadBalancer), string(api.ServiceTypeNodePort)}

func validateService(svc *api.Service) field.ErrorList {
	s, sp := &svc.Spec, field.NewPath("spec")
	errs := validateObjectMeta(&svc.ObjectMeta, true, serviceName, field.NewPath("metadata"))
	if len(s.Ports) == 0 && s.ClusterIP != api.ClusterIPNone && s.Type != api.ServiceTypeExternalName {
		errs = append(errs, field.Required(sp.Child("ports"), ""))
	}
	errs = append(errs, validateEnum(string(s.Type), sp.Child("type"), serviceTypes...)...)
	errs = append(errs, validateServicePorts(s, sp.Child("ports"))...)
	errs = append(errs, validateLabels(s.Selector, sp.Child("selector"))...)
	errs = append(errs, validateEnum(s.SessionAffinity, sp.Child("sessionAffinity"),
		api.ServiceAffinityClientIP, api.ServiceAffinityNone)...)
	errs = append(errs, validateClusterIP(s, sp)...)
	for i, ip := range s.ExternalIPs {
		errs = append(errs, validateIP(ip, sp.Child("externalIPs").Index(i))...)
	}
	if s.Type == api.ServiceTypeExternalName {
		if s.ExternalName == "" {
			errs = append(errs, field.Required(sp.Child("externalName"), ""))
		} else {
			errs = append(errs, validateDNSSubdomain(s.ExternalName, sp.Child("externalName"))...)
		}
	}
	errs = append(errs, validateTrafficPolicies(s, sp)...)
	errs = append(errs, validateIPFamilies(s, sp)...)
	return errs
}

// validateServicePorts checks each port and that ports are told apart: by
// name when there are several, by (port, protocol) and by node port.
func validateServicePorts(s *api.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names, ports, nodePorts := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i, port := range s.Ports {
		pp := p.Index(i)
		switch {
		case port.Name == "" && len(s.Ports) > 1:
			errs = append(errs, field.Required(pp.Child("name"), ""))
		case port.Name != "" && names[port.Name]:
			errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
		case port.Name != "":
			errs = append(errs, validateDNSLabel(port.Name, pp.Child("name"))...)
		}
		names[port.Name] = true
		errs = append(errs, validatePortNumber(port.Port, pp.Child("port"))...)
		errs = append(errs, validateEnum(string(port.Protocol), pp.Child("protocol"), supportedProtocols...)...)
		errs = append(errs, validatePortNumOrName(port.TargetPort, pp.Child("targetPort"))...)
		key := fmt.Sprintf("%d/%s", port.Port, port.Protocol)
		if ports[key] {
			errs = append(errs, field.Duplicate(pp, key))
		}
		ports[key] = true
		if port.NodePort == 0 {
			continue
		}
		errs = append(errs, validateNodePort(s.Type, port.NodePort, pp.Child("nodePort"))...)
		if key := fmt.Sprintf("%d/%s", port.NodePort, port.Protocol); nodePorts[key] {
			errs = append(errs, field.Duplicate(pp.Child("nodePort"), port.NodePort))
		} else {
			nodePorts[key] = true
		}
	}
	return errs
}

// validateNodePort allows a node port only on Services reachable through
// nodes, and only inside the node port range.
func validateNodePort(t api.ServiceType, port int32, p *field.Path) field.ErrorList {
	if t != api.ServiceTypeNodePort && t != api.ServiceTypeLoadBalancer {
		return field.ErrorList{field.Forbidden(p, fmt.Sprintf("may not be used when `type` is '%s'", t))}
	}
	if port < NodePortMin || port > NodePortMax {
		return field.ErrorList{field.Invalid(p, port, fmt.Sprintf(
			"provided port is not in the valid range. The range of valid ports is %d-%d", NodePortMin, NodePortMax))}
	}
	return nil
}

// validateClusterIP accepts "" (to be allocated), "None" (headless) or an
// IP; ExternalName Services have none, and node-reachable ones can't be headless.
func validateClusterIP(s *api.ServiceSpec, p *field.Path) field.ErrorList {
	cp := p.Child("clusterIP")
	if s.Type == api.ServiceTypeExternalName {
		if s.ClusterIP != "" || len(s.ClusterIPs) > 0 {
			return field.ErrorList{field.Forbidden(cp, "may not be set for ExternalName services")}
		}
		return nil
	}
	var errs field.ErrorList
	switch s.ClusterIP {
	case "":
	case api.ClusterIPNone:
		if s.Type == api.ServiceTypeNodePort || s.Type == api.ServiceTypeLoadBalancer {
			errs = append(errs, field.Invalid(cp, s.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", s.Type)))
		}
	default:
		if _, ok := parseIP(s.ClusterIP); !ok {
			errs = append(errs, field.Invalid(cp, s.ClusterIP, "must be empty, 'None', or a valid IP address"))
		}
	}
	for i, ip := range s.ClusterIPs {
		if ip != api.ClusterIPNone {
			errs = append(errs, validateIP(ip, p.Child("clusterIPs").Index(i))...)
		}
	}
	if s.ClusterIP != "" && len(s.ClusterIPs) > 0 && s.ClusterIPs[0] != s.ClusterIP {
		errs = append(errs, field.Invalid(p.Child("clusterIPs"), printable(s.ClusterIPs), "first value must match `clusterIP`"))
	}
	return errs
}

// validateTrafficPolicies requires an external policy exactly on Services
// reachable from outside, and an internal one on all but ExternalName.
func validateTrafficPolicies(s *api.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	ep := p.Child("externalTrafficPolicy")
	if api.ServiceExternallyAccessible(s) {
		errs = append(errs, validateEnum(s.ExternalTrafficPolicy, ep, api.TrafficPolicyCluster, api.TrafficPolicyLocal)...)
	} else if s.ExternalTrafficPolicy != "" {
		errs = append(errs, field.Invalid(ep, s.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
	}
	if s.Type == api.ServiceTypeExternalName {
		return errs
	}
	ip := p.Child("internalTrafficPolicy")
	if s.InternalTrafficPolicy == nil {
		return append(errs, field.Required(ip, ""))
	}
	return append(errs, validateEnum(*s.InternalTrafficPolicy, ip, api.TrafficPolicyCluster, api.TrafficPolicyLocal)...)
}

func validateIPFamilies(s *api.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, f := range s.IPFamilies {
		errs = append(errs, validateEnum(f, p.Child("ipFamilies").Index(i), "IPv4", "IPv6")...)
	}
	if pol := s.IPFamilyPolicy; pol != nil {
		errs = append(errs, validateEnum(*pol, p.Child("ipFamilyPolicy"), "PreferDualStack", "RequireDualStack", "SingleStack")...)
	}
	return errs
}

// validateServiceUpdate keeps an allocated cluster IP: clients and proxies
// hold on to it. Switching to or from ExternalName releases it.
func validateServiceUpdate(old, svc *api.Service) field.ErrorList {
	if old.Spec.ClusterIP == "" || old.Spec.Type == api.ServiceTypeExternalName || svc.Spec.Type == api.ServiceTypeExternalName {
		return nil
	}
	return immutable(old.Spec.ClusterIP, svc.Spec.ClusterIP, field.NewPath("spec", "clusterIP"))
}

func validateEndpoints(e *api.Endpoints) field.ErrorList {
	errs := validateObjectMeta(&e.ObjectMeta, true, subdomainName, field.NewPath("metadata"))
	for i := range e.Subsets {
		ss, sp := &e.Subsets[i], field.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(sp, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(&ss.Addresses[j], sp.Child("addresses").Index(j))...)
		}
		for j := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(&ss.NotReadyAddresses[j], sp.Child("notReadyAddresses").Index(j))...)
		}
		for j, port := range ss.Ports {
			errs = append(errs, validateEndpointPort(port, len(ss.Ports) > 1, sp.Child("ports").Index(j))...)
		}
	}
	return errs
}

func validateEndpointAddress(a *api.EndpointAddress, p *field.Path) field.ErrorList {
	errs := validateEndpointIP(a.IP, p.Child("ip"))
	if a.Hostname != "" {
		errs = append(errs, validateDNSLabel(a.Hostname, p.Child("hostname"))...)
	}
	if a.NodeName != nil {
		errs = append(errs, validateDNSSubdomain(*a.NodeName, p.Child("nodeName"))...)
	}
	return errs
}

// validateEndpointIP rejects addresses no pod can be reached at.
func validateEndpointIP(s string, p *field.Path) field.ErrorList {
	ip, ok := parseIP(s)
	switch {
	case !ok:
		return field.ErrorList{field.Invalid(p, s, invalidIPMsg)}
	case ip.IsUnspecified():
		return field.ErrorList{field.Invalid(p, s, "may not be unspecified (0.0.0.0)")}
	case ip.IsLoopback():
		return field.ErrorList{field.Invalid(p, s, "may not be in the loopback range (127.0.0.0/8, ::1/128)")}
	case ip.IsLinkLocalUnicast():
		return field.ErrorList{field.Invalid(p, s, "may not be in the link-local range (169.254.0.0/16, fe80::/10)")}
	case ip.IsLinkLocalMulticast():
		return field.ErrorList{field.Invalid(p, s, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)")}
	}
	return nil
}

func validateEndpointPort(port api.EndpointPort, requireName bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Name == "" && requireName {
		errs = append(errs, field.Required(p.Child("name"), ""))
	} else if port.Name != "" {
		errs = append(errs, validateDNSLabel(port.Name, p.Child("name"))...)
	}
	errs = append(errs, validatePortNumber(port.Port, p.Child("port"))...)
	errs = append(errs, validateEnum(string(port.Protocol), p.Child("protocol"), supportedProtocols...)...)
	return errs
}
