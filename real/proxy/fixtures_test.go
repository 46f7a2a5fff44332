package proxy

import (
	"net/netip"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// service is a selector-less Service (its Endpoints are the test's to
// write) on ip.
func service(name string, ip netip.Addr, ports ...api.ServicePort) *api.Service {
	return &api.Service{TypeMeta: api.TypeMeta{Kind: "Service", APIVersion: api.CoreV1},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       api.ServiceSpec{ClusterIP: ip.String(), Ports: ports}}
}

// svcPort is a Service port whose target is the endpoint port of the same name.
func svcPort(name string, port int32, proto api.Protocol) api.ServicePort {
	return api.ServicePort{Name: name, Port: port, Protocol: proto, TargetPort: api.FromInt(port)}
}

// subset is one ready address with ports.
func subset(ip netip.Addr, ports ...api.EndpointPort) api.EndpointSubset {
	return api.EndpointSubset{Addresses: []api.EndpointAddress{{IP: ip.String()}}, Ports: ports}
}

// epPort is an endpoint port.
func epPort(name string, port int32, proto api.Protocol) api.EndpointPort {
	return api.EndpointPort{Name: name, Port: port, Protocol: proto}
}

// backendSubsets gives each of ports its own subset on the backend
// address, since the test's backends share one address.
func (e *env) backendSubsets(proto api.Protocol, ports ...int32) []api.EndpointSubset {
	var out []api.EndpointSubset
	for _, p := range ports {
		out = append(out, subset(e.backend, epPort("", p, proto)))
	}
	return out
}

func (e *env) createService(svc *api.Service) {
	e.t.Helper()
	if _, err := e.reg.Create(e.ctx, serviceKind, "default", svc, registry.CreateOptions{}); err != nil {
		e.t.Fatalf("create service %s: %v", svc.Name, err)
	}
}

// updateService changes the stored Service name with f.
func (e *env) updateService(name string, f func(*api.Service)) {
	e.t.Helper()
	o, err := e.reg.Get(e.ctx, serviceKind, "default", name)
	if err != nil {
		e.t.Fatal(err)
	}
	svc := o.(*api.Service).DeepCopy()
	f(svc)
	if _, err := e.reg.Update(e.ctx, serviceKind, svc, registry.UpdateOptions{}); err != nil {
		e.t.Fatalf("update service %s: %v", name, err)
	}
}

func (e *env) delete(kind *api.Kind, name string) {
	e.t.Helper()
	if _, _, err := e.reg.Delete(e.ctx, kind, "default", name, registry.DeleteOptions{}); err != nil {
		e.t.Fatalf("delete %s %s: %v", kind.Kind, name, err)
	}
}

// setEndpoints creates or replaces the Endpoints name.
func (e *env) setEndpoints(name string, subsets ...api.EndpointSubset) {
	e.t.Helper()
	o, err := e.reg.Get(e.ctx, endpointsKind, "default", name)
	if err != nil {
		ep := &api.Endpoints{TypeMeta: api.TypeMeta{Kind: "Endpoints", APIVersion: api.CoreV1},
			ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}, Subsets: subsets}
		if _, err := e.reg.Create(e.ctx, endpointsKind, "default", ep, registry.CreateOptions{}); err != nil {
			e.t.Fatalf("create endpoints %s: %v", name, err)
		}
		return
	}
	ep := o.(*api.Endpoints).DeepCopy()
	ep.Subsets = subsets
	if _, err := e.reg.Update(e.ctx, endpointsKind, ep, registry.UpdateOptions{}); err != nil {
		e.t.Fatalf("update endpoints %s: %v", name, err)
	}
}
