package endpoints

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
)

// buildSubsets groups the addresses of the selected pods by the exact set
// of ports they resolve to, so pods that number a named port differently
// land in different subsets; everything is sorted so equal inputs give
// equal output.
func buildSubsets(svc *api.Service, pods []api.Object) []api.EndpointSubset {
	groups := map[string]*api.EndpointSubset{}
	for _, o := range pods {
		pod := o.(*api.Pod)
		if !includePod(svc, pod) {
			continue
		}
		ports, ok := resolvePorts(svc, pod)
		if !ok {
			continue
		}
		sig := portsSignature(ports)
		g := groups[sig]
		if g == nil {
			g = &api.EndpointSubset{Ports: ports}
			groups[sig] = g
		}
		addr := address(pod)
		if svc.Spec.PublishNotReadyAddresses || controllers.IsPodReady(pod) {
			g.Addresses = append(g.Addresses, addr)
		} else {
			g.NotReadyAddresses = append(g.NotReadyAddresses, addr)
		}
	}
	return sortedSubsets(groups)
}

// includePod keeps pods with an address that are not finished and, unless
// the Service publishes not-ready addresses, not terminating.
func includePod(svc *api.Service, pod *api.Pod) bool {
	if pod.Status.PodIP == "" || pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return false
	}
	return pod.DeletionTimestamp == nil || svc.Spec.PublishNotReadyAddresses
}

// resolvePorts maps each Service port to the pod's port; a named
// targetPort must name a container port of the same protocol. ok is false
// when the Service has ports and none resolve for this pod.
func resolvePorts(svc *api.Service, pod *api.Pod) ([]api.EndpointPort, bool) {
	var out []api.EndpointPort
	for _, sp := range svc.Spec.Ports {
		proto := sp.Protocol
		if proto == "" {
			proto = api.ProtocolTCP
		}
		num, ok := targetPortOf(sp, proto, pod)
		if !ok {
			continue
		}
		out = append(out, api.EndpointPort{Name: sp.Name, Port: num, Protocol: proto, AppProtocol: sp.AppProtocol})
	}
	slices.SortFunc(out, func(a, b api.EndpointPort) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out, len(out) > 0 || len(svc.Spec.Ports) == 0
}

// targetPortOf finds the pod port a Service port forwards to.
func targetPortOf(sp api.ServicePort, proto api.Protocol, pod *api.Pod) (int32, bool) {
	tp := sp.TargetPort
	if !tp.IsString {
		if tp.IntVal == 0 {
			return sp.Port, true
		}
		return tp.IntVal, true
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			pp := p.Protocol
			if pp == "" {
				pp = api.ProtocolTCP
			}
			if p.Name == tp.StrVal && pp == proto {
				return p.ContainerPort, true
			}
		}
	}
	return 0, false
}

// portsSignature identifies a port set, to group addresses by it.
func portsSignature(ports []api.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		fmt.Fprintf(&b, "%s/%d/%s,", p.Name, p.Port, p.Protocol)
	}
	return b.String()
}

// address is the endpoint address of a pod, pointing back at it.
func address(pod *api.Pod) api.EndpointAddress {
	a := api.EndpointAddress{IP: pod.Status.PodIP, TargetRef: &api.ObjectReference{
		Kind: controllers.PodKind.Kind, Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}}
	if pod.Spec.NodeName != "" {
		node := pod.Spec.NodeName
		a.NodeName = &node
	}
	return a
}

// sortedSubsets orders subsets by port signature and addresses by IP then
// pod name; empty address lists stay nil, as they decode from the wire.
func sortedSubsets(groups map[string]*api.EndpointSubset) []api.EndpointSubset {
	sigs := make([]string, 0, len(groups))
	for s := range groups {
		sigs = append(sigs, s)
	}
	slices.Sort(sigs)
	var out []api.EndpointSubset
	for _, s := range sigs {
		g := groups[s]
		sortAddresses(g.Addresses)
		sortAddresses(g.NotReadyAddresses)
		out = append(out, *g)
	}
	return out
}

func sortAddresses(as []api.EndpointAddress) {
	slices.SortFunc(as, func(a, b api.EndpointAddress) int {
		return cmp.Or(cmp.Compare(a.IP, b.IP), cmp.Compare(a.TargetRef.Name, b.TargetRef.Name))
	})
}
