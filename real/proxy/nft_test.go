package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/nftables"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/real/realtest"
)

// nftEnv is a proxy in nftables mode and pods on a bridge of the test's
// own, each answering with its name on port 8080.
type nftEnv struct {
	*env
	table string
	paths map[string]string     // pod name → netns path
	ips   map[string]netip.Addr // pod name → address
}

func newNFTEnv(t *testing.T, pods ...string) *nftEnv {
	table := realtest.UniqueName("kttest")
	e := &nftEnv{table: table, paths: map[string]string{}, ips: map[string]netip.Addr{}}
	// Registered first, so it runs after the proxy has stopped.
	t.Cleanup(func() {
		if tableExists(t, table) {
			t.Errorf("nftables table %s left behind", table)
			_ = DeleteTable(table)
		}
	})
	e.env = newEnv(t, func(_ *env, c *Config) { c.Mode, c.Table = ModeNFTables, table })
	pn := realtest.PodNetwork(t)
	for _, name := range pods {
		path, ip, err := pn.Attach(e.ctx, name, "default/"+name)
		if err != nil {
			t.Fatal(err)
		}
		e.paths[name], e.ips[name] = path, ip
		servePod(t, path, ip, name)
	}
	return e
}

// servePod answers every connection to ip:8080 in the pod with its name.
func servePod(t *testing.T, path string, ip netip.Addr, name string) {
	var ln net.Listener
	if err := realtest.InNetns(path, func() (err error) {
		ln, err = net.Listen("tcp", netip.AddrPortFrom(ip, 8080).String())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, name+"\n")
			c.Close()
		}
	}()
}

// endpoints points Service web at the named pods.
func (e *nftEnv) endpoints(pods ...string) {
	var subsets []api.EndpointSubset
	for _, p := range pods {
		subsets = append(subsets, subset(e.ips[p], epPort("", 8080, tcp)))
	}
	e.setEndpoints("web", subsets...)
}

func tableExists(t *testing.T, name string) bool {
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tbls, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tbls {
		if tb.Name == name {
			return true
		}
	}
	return false
}

// askFrom dials addr, from the pod's namespace when path is set, and
// returns the first line answered.
func askFrom(path string, addr netip.AddrPort) (string, error) {
	var line string
	dial := func() error {
		c, err := net.DialTimeout("tcp", addr.String(), 2*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		line, err = bufio.NewReader(c).ReadString('\n')
		return err
	}
	var err error
	if path == "" {
		err = dial()
	} else {
		err = realtest.InNetns(path, dial)
	}
	return strings.TrimSpace(line), err
}

// answers asks n times and counts who answered, failing on any error.
func (e *nftEnv) answers(path string, addr netip.AddrPort, n int) (map[string]int, error) {
	got := map[string]int{}
	for range n {
		who, err := askFrom(path, addr)
		if err != nil {
			return got, err
		}
		got[who]++
	}
	return got, nil
}

func TestNFTablesModeBalancesFromHostAndPods(t *testing.T) {
	e := newNFTEnv(t, "a", "b")
	vip := e.ip(1)
	e.createService(&api.Service{TypeMeta: api.TypeMeta{Kind: "Service", APIVersion: api.CoreV1},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       api.ServiceSpec{ClusterIP: vip.String(), Ports: []api.ServicePort{{Port: 80, TargetPort: api.FromInt(8080)}}}})
	e.endpoints("a", "b")
	addr := netip.AddrPortFrom(vip, 80)
	eventually(t, "both pods answering through the kernel's DNAT", func() bool {
		got, err := e.answers("", addr, 40)
		return err == nil && got["a"] > 0 && got["b"] > 0
	})
	// From a pod: to the other pod and, through the masquerade, to itself.
	got, err := e.answers(e.paths["a"], addr, 40)
	if err != nil || got["a"] == 0 || got["b"] == 0 {
		t.Fatalf("from pod a: %v, %v; want answers from both", got, err)
	}
	e.endpoints("b")
	eventually(t, "only b answering", func() bool {
		got, err := e.answers("", addr, 20)
		return err == nil && got["b"] == 20
	})
	e.setEndpoints("web")
	eventually(t, "connections refused without endpoints", func() bool {
		_, err := askFrom("", addr)
		return err != nil && strings.Contains(err.Error(), "refused")
	})
	if !tableExists(t, e.table) {
		t.Fatal("no nftables table while running")
	}
}

func TestBadModeIsRefused(t *testing.T) {
	_, err := New(Config{Source: newEnv(t, nil).reg, Mode: "ipvs"})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("want %s or %s", ModeUserspace, ModeNFTables)) {
		t.Fatalf("mode ipvs: %v", err)
	}
}
