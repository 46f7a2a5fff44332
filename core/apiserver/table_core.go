package apiserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// servicePrinter prints services as `kubectl get svc` does.
var servicePrinter = printer{
	columns: []column{nameColumn,
		{name: "Type", typ: "string", desc: "How the service is exposed."},
		{name: "Cluster-IP", typ: "string", desc: "The service's virtual IP."},
		{name: "External-IP", typ: "string", desc: "Addresses the service is reached at from outside."},
		{name: "Port(s)", typ: "string", desc: "The service's ports."},
		ageColumn,
		{name: "Selector", typ: "string", desc: "The label query over the service's pods.", priority: 1}},
	cells: func(obj api.Object, now time.Time) []any {
		s := obj.(*api.Service)
		return []any{s.Name, string(s.Spec.Type), orNone(s.Spec.ClusterIP), serviceExternalIP(s),
			servicePorts(s.Spec.Ports), ageSince(s.CreationTimestamp, now), formatLabels(s.Spec.Selector)}
	},
}

// serviceExternalIP is the EXTERNAL-IP cell for the service's type.
func serviceExternalIP(s *api.Service) string {
	switch s.Spec.Type {
	case api.ServiceTypeExternalName:
		return s.Spec.ExternalName
	case api.ServiceTypeLoadBalancer:
		ips := append([]string(nil), s.Spec.ExternalIPs...)
		for _, in := range s.Status.LoadBalancer.Ingress {
			ips = append(ips, in.IP+in.Hostname)
		}
		if len(ips) == 0 {
			return "<pending>"
		}
		return strings.Join(ips, ",")
	}
	return orNone(strings.Join(s.Spec.ExternalIPs, ","))
}

// servicePorts is the PORT(S) cell: port[:nodePort]/protocol, comma-joined.
func servicePorts(ports []api.ServicePort) string {
	var out []string
	for _, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = api.ProtocolTCP
		}
		if p.NodePort > 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto))
		} else {
			out = append(out, fmt.Sprintf("%d/%s", p.Port, proto))
		}
	}
	return orNone(strings.Join(out, ","))
}

// maxEndpointsShown bounds the addresses the ENDPOINTS cell lists.
const maxEndpointsShown = 3

// endpointsPrinter prints endpoints as `kubectl get ep` does.
var endpointsPrinter = printer{
	columns: []column{nameColumn,
		{name: "Endpoints", typ: "string", desc: "The ready addresses and ports."},
		ageColumn},
	cells: func(obj api.Object, now time.Time) []any {
		e := obj.(*api.Endpoints)
		return []any{e.Name, formatEndpoints(e.Subsets), ageSince(e.CreationTimestamp, now)}
	},
}

// formatEndpoints lists ip:port pairs, the first few then "+ N more...".
func formatEndpoints(subsets []api.EndpointSubset) string {
	var all []string
	for _, ss := range subsets {
		for _, a := range ss.Addresses {
			if len(ss.Ports) == 0 {
				all = append(all, a.IP)
			}
			for _, p := range ss.Ports {
				all = append(all, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	if len(all) > maxEndpointsShown {
		return strings.Join(all[:maxEndpointsShown], ",") + fmt.Sprintf(" + %d more...", len(all)-maxEndpointsShown)
	}
	return orNone(strings.Join(all, ","))
}

// nodePrinter prints nodes as `kubectl get nodes` does.
var nodePrinter = printer{
	columns: []column{nameColumn,
		{name: "Status", typ: "string", desc: "Readiness, and whether scheduling is disabled."},
		{name: "Roles", typ: "string", desc: "The node's roles from its node-role labels."},
		ageColumn,
		{name: "Version", typ: "string", desc: "The node agent's version."},
		{name: "Internal-IP", typ: "string", desc: "The node's internal address.", priority: 1},
		{name: "External-IP", typ: "string", desc: "The node's external address.", priority: 1},
		{name: "OS-Image", typ: "string", desc: "The node's operating system.", priority: 1},
		{name: "Kernel-Version", typ: "string", desc: "The node's kernel.", priority: 1},
		{name: "Container-Runtime", typ: "string", desc: "The node's container runtime.", priority: 1}},
	cells: func(obj api.Object, now time.Time) []any {
		n := obj.(*api.Node)
		info := n.Status.NodeInfo
		return []any{n.Name, NodeStatus(n), nodeRoles(n.Labels), ageSince(n.CreationTimestamp, now),
			info.KubeletVersion, nodeAddress(n, api.NodeInternalIP), nodeAddress(n, api.NodeExternalIP),
			orUnknown(info.OSImage), orUnknown(info.KernelVersion), orUnknown(info.ContainerRuntimeVersion)}
	},
}

// NodeStatus is the STATUS kubectl shows for a node (Ready, NotReady or
// Unknown, plus ",SchedulingDisabled" when cordoned), so the same word
// appears here as on Kubernetes.
func NodeStatus(n *api.Node) string {
	st := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type != api.NodeReady {
			continue
		}
		st = "NotReady"
		if c.Status == api.ConditionTrue {
			st = "Ready"
		}
	}
	if n.Spec.Unschedulable {
		st += ",SchedulingDisabled"
	}
	return st
}

// nodeRoles reads node-role.kubernetes.io/<role> and kubernetes.io/role labels.
func nodeRoles(labels map[string]string) string {
	var roles []string
	for k, v := range labels {
		switch {
		case strings.HasPrefix(k, "node-role.kubernetes.io/"):
			if r := strings.TrimPrefix(k, "node-role.kubernetes.io/"); r != "" {
				roles = append(roles, r)
			}
		case k == "kubernetes.io/role" && v != "":
			roles = append(roles, v)
		}
	}
	return orNone(strings.Join(sortedCopy(roles), ","))
}

// nodeAddress is the node's first address of a type, or "<none>".
func nodeAddress(n *api.Node, typ api.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == typ {
			return a.Address
		}
	}
	return "<none>"
}

// orUnknown is s, or "<unknown>" when empty.
func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

// namespacePrinter prints namespaces as `kubectl get ns` does.
var namespacePrinter = printer{
	columns: []column{nameColumn, {name: "Status", typ: "string", desc: "The namespace's phase."}, ageColumn},
	cells: func(obj api.Object, now time.Time) []any {
		ns := obj.(*api.Namespace)
		return []any{ns.Name, string(ns.Status.Phase), ageSince(ns.CreationTimestamp, now)}
	},
}

// leasePrinter prints leases as `kubectl get leases` does.
var leasePrinter = printer{
	columns: []column{nameColumn, {name: "Holder", typ: "string", desc: "Who holds the lease."}, ageColumn},
	cells: func(obj api.Object, now time.Time) []any {
		l := obj.(*api.Lease)
		holder := ""
		if l.Spec.HolderIdentity != nil {
			holder = *l.Spec.HolderIdentity
		}
		return []any{l.Name, holder, ageSince(l.CreationTimestamp, now)}
	},
}

// eventPrinter prints events as `kubectl get events` does.
var eventPrinter = printer{
	columns: []column{
		{name: "Last Seen", typ: "string", desc: "When the event was last seen."},
		{name: "Type", typ: "string", desc: "Normal or Warning."},
		{name: "Reason", typ: "string", desc: "Why the event happened, in one word."},
		{name: "Object", typ: "string", desc: "The object the event is about."},
		{name: "Message", typ: "string", desc: "What happened."},
		{name: "Name", typ: "string", format: "name", desc: "The event's name.", priority: 1}},
	cells: func(obj api.Object, now time.Time) []any {
		e := obj.(*api.Event)
		ref := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
		return []any{ageSince(eventLastSeen(e), now), e.Type, e.Reason, ref, strings.TrimSpace(e.Message), e.Name}
	},
}

// eventLastSeen is the latest time an event records.
func eventLastSeen(e *api.Event) api.Time {
	switch {
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return api.Time{Time: e.Series.LastObservedTime.Time}
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp
	case !e.EventTime.IsZero():
		return api.Time{Time: e.EventTime.Time}
	}
	return e.CreationTimestamp
}
