package validation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

func TestValidateService(t *testing.T) {
	twoPorts := func(s *api.Service) {
		s.Spec.Ports = append(s.Spec.Ports, api.ServicePort{Port: 443, Protocol: api.ProtocolTCP, TargetPort: api.FromInt(8443)})
	}
	runCases(t, []testCase{
		{name: "valid", obj: service(noChange)},
		{name: "headless without ports", obj: service(func(s *api.Service) { s.Spec.ClusterIP, s.Spec.Ports = "None", nil })},
		{name: "ExternalName", obj: service(func(s *api.Service) {
			s.Spec.Type, s.Spec.ExternalName, s.Spec.Ports, s.Spec.InternalTrafficPolicy = api.ServiceTypeExternalName, "db.example.com", nil, nil
		})},
		{name: "ExternalName without a name", obj: service(func(s *api.Service) {
			s.Spec.Type, s.Spec.InternalTrafficPolicy = api.ServiceTypeExternalName, nil
		}), want: []string{"Required spec.externalName"}},
		{name: "no ports", obj: service(func(s *api.Service) { s.Spec.Ports = nil }),
			want: []string{"Required spec.ports"}},
		{name: "port zero", obj: service(func(s *api.Service) { s.Spec.Ports[0].Port = 0 }),
			want: []string{"Invalid spec.ports[0].port"}},
		{name: "two unnamed ports", obj: service(twoPorts),
			want: []string{"Required spec.ports[0].name", "Required spec.ports[1].name"}},
		{name: "duplicate port names", obj: service(func(s *api.Service) {
			twoPorts(s)
			s.Spec.Ports[0].Name, s.Spec.Ports[1].Name = "web", "web"
		}), want: []string{"Duplicate spec.ports[1].name"}},
		{name: "same port twice", obj: service(func(s *api.Service) {
			s.Spec.Ports = append(s.Spec.Ports, s.Spec.Ports[0])
			s.Spec.Ports[0].Name, s.Spec.Ports[1].Name = "a", "b"
		}), want: []string{"Duplicate spec.ports[1]"}},
		{name: "unsupported protocol", obj: service(func(s *api.Service) { s.Spec.Ports[0].Protocol = "ICMP" }),
			want: []string{"NotSupported spec.ports[0].protocol"}},
		{name: "bad target port name", obj: service(func(s *api.Service) { s.Spec.Ports[0].TargetPort = api.FromString("web--port") }),
			want: []string{"Invalid spec.ports[0].targetPort"}},
		{name: "unknown type", obj: service(func(s *api.Service) { s.Spec.Type = "Internal" }),
			want: []string{"NotSupported spec.type"}},
		{name: "bad clusterIP", obj: service(func(s *api.Service) { s.Spec.ClusterIP = "10.0.0" }),
			want: []string{"Invalid spec.clusterIP"}},
		{name: "nodePort on ClusterIP", obj: service(func(s *api.Service) { s.Spec.Ports[0].NodePort = 30080 }),
			want: []string{"Forbidden spec.ports[0].nodePort"}},
		{name: "nodePort out of range", obj: service(func(s *api.Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy, s.Spec.Ports[0].NodePort = api.ServiceTypeNodePort, "Cluster", 8080
		}), want: []string{"Invalid spec.ports[0].nodePort"}},
		{name: "headless NodePort", obj: service(func(s *api.Service) {
			s.Spec.Type, s.Spec.ExternalTrafficPolicy, s.Spec.ClusterIP = api.ServiceTypeNodePort, "Cluster", "None"
		}), want: []string{"Invalid spec.clusterIP"}},
		{name: "external policy on ClusterIP", obj: service(func(s *api.Service) { s.Spec.ExternalTrafficPolicy = "Local" }),
			want: []string{"Invalid spec.externalTrafficPolicy"}},
		{name: "name must start with a letter", obj: service(func(s *api.Service) { s.Name = "1web" }),
			want: []string{"Invalid metadata.name"}},
		{name: "bad selector", obj: service(func(s *api.Service) { s.Spec.Selector = map[string]string{"app": "a b"} }),
			want: []string{"Invalid spec.selector"}},
		{name: "bad session affinity", obj: service(func(s *api.Service) { s.Spec.SessionAffinity = "Cookie" }),
			want: []string{"NotSupported spec.sessionAffinity"}},
	})
}

func TestValidateNodeAndNamespace(t *testing.T) {
	runCases(t, []testCase{
		{name: "valid node", obj: node(noChange)},
		{name: "taint without effect", obj: node(func(n *api.Node) { n.Spec.Taints = []api.Taint{{Key: "k"}} }),
			want: []string{"Required spec.taints[0].effect"}},
		{name: "taint mistakes", obj: node(func(n *api.Node) {
			n.Spec.Taints = []api.Taint{
				{Key: "dedicated", Value: "gpu", Effect: api.TaintEffectNoSchedule},
				{Key: "dedicated", Value: "cpu", Effect: api.TaintEffectNoSchedule},
				{Key: "bad key", Effect: "Evict"},
			}
		}), want: []string{"Duplicate spec.taints[1]", "Invalid spec.taints[2].key", "NotSupported spec.taints[2].effect"}},
		{name: "bad podCIDR", obj: node(func(n *api.Node) { n.Spec.PodCIDR = "10.0.0.0/33" }),
			want: []string{"Invalid spec.podCIDR"}},
		{name: "negative capacity", obj: node(func(n *api.Node) { n.Status.Capacity = quantities("cpu", "-4") }),
			want: []string{"Invalid status.capacity[cpu]"}},
		{name: "node in a namespace", obj: node(func(n *api.Node) { n.Namespace = "default" }),
			want: []string{"Forbidden metadata.namespace"}},
		{name: "valid namespace", obj: defaulted(fixtures.MakeNamespace("team-a"))},
		{name: "namespace name with a dot", obj: defaulted(fixtures.MakeNamespace("team.a")),
			want: []string{"Invalid metadata.name"}},
		{name: "namespace finalizer", obj: func() api.Object {
			ns := defaulted(fixtures.MakeNamespace("team-a")).(*api.Namespace)
			ns.Spec.Finalizers = append(ns.Spec.Finalizers, "custom")
			return ns
		}(), want: []string{"Invalid spec.finalizers"}},
	})
}

func TestValidateOtherKinds(t *testing.T) {
	endpoints := func(ips ...string) *api.Endpoints {
		e := &api.Endpoints{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"}}
		ss := api.EndpointSubset{Ports: []api.EndpointPort{{Port: 8080}}}
		for _, ip := range ips {
			ss.Addresses = append(ss.Addresses, api.EndpointAddress{IP: ip})
		}
		e.Subsets = []api.EndpointSubset{ss}
		return defaulted(e).(*api.Endpoints)
	}
	event := func(ns, involvedNS string, at time.Time) *api.Event {
		e := &api.Event{ObjectMeta: api.ObjectMeta{Name: "p.1", Namespace: ns}, Reason: "Started"}
		e.InvolvedObject = api.ObjectReference{Kind: "Pod", Name: "p", Namespace: involvedNS}
		e.EventTime, e.Type = api.NewMicroTime(at), api.EventTypeNormal
		e.ReportingController, e.ReportingInstance = "kubetwin.io/kubelet", "n1"
		return e
	}
	pc := func(name string, value int32) api.Object { return defaulted(fixtures.MakePriorityClass(name, value)) }
	runCases(t, []testCase{
		{name: "valid endpoints", obj: endpoints("10.0.0.1", "fd00::1")},
		{name: "endpoint not an IP", obj: endpoints("10.0.0.1", "pod-a"),
			want: []string{"Invalid subsets[0].addresses[1].ip"}},
		{name: "loopback endpoint", obj: endpoints("127.0.0.1"),
			want: []string{"Invalid subsets[0].addresses[0].ip"}},
		{name: "subset without addresses", obj: endpoints(),
			want: []string{"Required subsets[0]"}},
		{name: "valid lease", obj: defaulted(fixtures.MakeLease("n1", 40))},
		{name: "zero lease duration", obj: defaulted(fixtures.MakeLease("n1", 0)),
			want: []string{"Invalid spec.leaseDurationSeconds"}},
		{name: "legacy event", obj: event("default", "default", time.Time{})},
		{name: "event in the wrong namespace", obj: event("other", "default", time.Time{}),
			want: []string{"Invalid involvedObject.namespace"}},
		{name: "new event without action", obj: event("default", "default", time.Unix(1700000000, 0)),
			want: []string{"Required action"}},
		{name: "valid priority class", obj: pc("high", 1000)},
		{name: "user priority too high", obj: pc("high", 1000000001),
			want: []string{"Forbidden value"}},
		{name: "reserved class", obj: pc("system-cluster-critical", 2000000000)},
		{name: "unknown system class", obj: pc("system-important", 10),
			want: []string{"Forbidden metadata.name"}},
		{name: "bad class preemption policy", obj: func() api.Object {
			p := fixtures.MakePriorityClass("low", 10)
			p.PreemptionPolicy = ptr(api.PreemptionPolicy("Sometimes"))
			return p
		}(), want: []string{"NotSupported preemptionPolicy"}},
		{name: "long class name", obj: pc(strings.Repeat("a", 254), 1),
			want: []string{"Invalid metadata.name"}},
	})
}

func defaulted(obj api.Object) api.Object {
	api.Default(obj)
	return obj
}
