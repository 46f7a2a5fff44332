package proxy

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

// planLines renders a plan as sorted "listener -> service backends" lines.
func planLines(want map[listenerKey]target) []string {
	var out []string
	for _, k := range sortedKeys(want) {
		out = append(out, fmt.Sprintf("%s -> %s %v", k, want[k].Service, want[k].Backends))
	}
	return out
}

func TestPlan(t *testing.T) {
	ip := netip.MustParseAddr
	pod1, pod2 := ip("10.1.0.1"), ip("10.1.0.2")
	headless := service("headless", ip("10.0.0.9"), svcPort("", 80, tcp))
	headless.Spec.ClusterIP = api.ClusterIPNone
	extName := service("ext", ip("10.0.0.8"), svcPort("", 80, tcp))
	extName.Spec.Type, extName.Spec.ClusterIP = api.ServiceTypeExternalName, ""
	badIP := service("bad", ip("10.0.0.7"), svcPort("", 80, tcp))
	badIP.Spec.ClusterIP = "10.0.0"
	notReady := subset(pod2, epPort("", 8080, tcp))
	notReady.NotReadyAddresses, notReady.Addresses = notReady.Addresses, nil
	tests := []struct {
		name     string
		svcs     []*api.Service
		eps      map[string]*api.Endpoints
		want     []string
		problems []string
	}{
		{name: "ports matched by name, protocol defaulted",
			svcs: []*api.Service{service("web", ip("10.0.0.1"), svcPort("http", 80, ""), svcPort("dns", 53, udp))},
			eps: map[string]*api.Endpoints{"default/web": {Subsets: []api.EndpointSubset{
				subset(pod1, epPort("http", 8080, ""), epPort("dns", 5353, udp)),
				subset(pod2, epPort("http", 8081, tcp), epPort("dns", 5353, tcp))}}},
			want: []string{"10.0.0.1:53/UDP -> default/web:53 [10.1.0.1:5353]",
				"10.0.0.1:80/TCP -> default/web:80 [10.1.0.1:8080 10.1.0.2:8081]"}},
		{name: "no endpoints object, not-ready and duplicate addresses",
			svcs: []*api.Service{service("a", ip("10.0.0.1"), svcPort("", 80, tcp)),
				service("b", ip("10.0.0.2"), svcPort("", 80, tcp))},
			eps: map[string]*api.Endpoints{"default/b": {Subsets: []api.EndpointSubset{notReady,
				subset(pod1, epPort("", 8080, tcp)), subset(pod1, epPort("", 8080, tcp))}}},
			want: []string{"10.0.0.1:80/TCP -> default/a:80 []", "10.0.0.2:80/TCP -> default/b:80 [10.1.0.1:8080]"}},
		{name: "headless and ExternalName skipped quietly, bad address reported",
			svcs:     []*api.Service{headless, extName, badIP},
			problems: []string{`default/bad: clusterIP "10.0.0" is not an IP address`}},
		{name: "SCTP reported, other ports kept",
			svcs:     []*api.Service{service("s", ip("10.0.0.1"), svcPort("a", 80, api.ProtocolSCTP), svcPort("b", 81, tcp))},
			want:     []string{"10.0.0.1:81/TCP -> default/s:81 []"},
			problems: []string{"default/s: port 80: protocol SCTP is not supported"}},
		{name: "first Service wins a shared address",
			svcs: []*api.Service{service("one", ip("10.0.0.1"), svcPort("", 80, tcp)),
				service("two", ip("10.0.0.1"), svcPort("", 80, tcp))},
			want:     []string{"10.0.0.1:80/TCP -> default/one:80 []"},
			problems: []string{"default/two:80: 10.0.0.1:80/TCP is already taken by default/one:80"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, problems := plan(tc.svcs, tc.eps)
			if got := planLines(want); !slices.Equal(got, tc.want) {
				t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if !slices.Equal(problems, tc.problems) {
				t.Errorf("problems %q, want %q", problems, tc.problems)
			}
		})
	}
}

func TestBalancer(t *testing.T) {
	a, b, c := netip.MustParseAddrPort("10.1.0.1:80"), netip.MustParseAddrPort("10.1.0.2:80"), netip.MustParseAddrPort("10.1.0.3:80")
	bal := newBalancer(nil)
	if _, ok := bal.pick(); ok {
		t.Fatal("picked from an empty set")
	}
	if !bal.update([]netip.AddrPort{a, b, c}) || bal.update([]netip.AddrPort{a, b, c}) {
		t.Fatal("update should report a change once")
	}
	var got []netip.AddrPort
	for range 4 {
		ap, _ := bal.pick()
		got = append(got, ap)
	}
	if want := []netip.AddrPort{a, b, c, a}; !slices.Equal(got, want) {
		t.Fatalf("picks %v, want %v", got, want)
	}
	bal.update([]netip.AddrPort{a, c})
	if bal.has(b) || !bal.has(c) || bal.size() != 2 {
		t.Fatalf("after b left: has(b)=%v has(c)=%v size=%d", bal.has(b), bal.has(c), bal.size())
	}
}
