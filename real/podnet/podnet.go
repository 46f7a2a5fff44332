// Package podnet gives each pod of a node a network namespace on the
// node's bridge: a veth pair whose pod end is eth0 with an address from
// the node's pod CIDR and a default route through the bridge, whose
// address is the CIDR's first. Several nodes on one machine each have a
// bridge and CIDR of their own; the host routes between the bridges, so
// pods reach each other across nodes and the host reaches every pod.
//
// It is done with netlink directly rather than CNI plugins, which this
// machine does not have; the address allocations are kept in a file so a
// restarted agent gives its running pods the addresses they had.
package podnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
)

// ErrSetup wraps every failure to build a pod's network.
var ErrSetup = errors.New("pod network setup failed")

// maxLinkName is the kernel's limit on interface names (IFNAMSIZ - 1).
const maxLinkName = 15

// Config names one node's pod network.
type Config struct {
	// Bridge is the node's bridge, and the prefix of its pods' namespace
	// names; at most 15 characters.
	Bridge string
	// CIDR is the node's pod CIDR (IPv4).
	CIDR netip.Prefix
	// StateDir keeps the address allocations.
	StateDir string
	// MTU of the bridge and the veths; 0 keeps the kernel's default.
	MTU int
}

// Network is one node's pod network; it is safe for concurrent use.
type Network struct {
	cfg  Config
	mu   sync.Mutex
	ipam *ipam
}

// New makes sure the bridge exists with the CIDR's first address and is
// up, and that the host forwards between bridges. IP forwarding is a
// host-wide setting and is left on.
func New(cfg Config) (*Network, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	p, err := loadIPAM(filepath.Join(cfg.StateDir, "ipam-"+cfg.Bridge+".json"), cfg.CIDR.Masked())
	if err != nil {
		return nil, err
	}
	n := &Network{cfg: cfg, ipam: p}
	if err := n.ensureBridge(); err != nil {
		return nil, err
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		return nil, fmt.Errorf("enable IP forwarding: %w", err)
	}
	return n, nil
}

func (c Config) validate() error {
	switch {
	case c.Bridge == "" || len(c.Bridge) > maxLinkName || strings.ContainsAny(c.Bridge, "/ "):
		return fmt.Errorf("podnet: bridge name %q: want 1 to %d characters without / or space", c.Bridge, maxLinkName)
	case !c.CIDR.IsValid() || !c.CIDR.Addr().Is4():
		return fmt.Errorf("podnet: pod CIDR %v: want an IPv4 prefix", c.CIDR)
	case c.CIDR.Bits() > 30:
		return fmt.Errorf("podnet: pod CIDR %v is too small for a gateway and a pod", c.CIDR)
	case c.StateDir == "":
		return errors.New("podnet: a state directory is required")
	}
	return nil
}

// Gateway is the bridge's address, every pod's default route.
func (n *Network) Gateway() netip.Addr { return n.ipam.gateway() }

// ensureBridge creates the bridge if missing, gives it the gateway
// address and brings it up.
func (n *Network) ensureBridge() error {
	br, err := netlink.LinkByName(n.cfg.Bridge)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return fmt.Errorf("find bridge %s: %w", n.cfg.Bridge, err)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name, attrs.MTU = n.cfg.Bridge, n.cfg.MTU
		if err := netlink.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
			return fmt.Errorf("create bridge %s: %w", n.cfg.Bridge, err)
		}
		if br, err = netlink.LinkByName(n.cfg.Bridge); err != nil {
			return fmt.Errorf("find bridge %s: %w", n.cfg.Bridge, err)
		}
	}
	if _, ok := br.(*netlink.Bridge); !ok {
		return fmt.Errorf("podnet: %s exists and is a %s, not a bridge", n.cfg.Bridge, br.Type())
	}
	gw := netip.PrefixFrom(n.Gateway(), n.cfg.CIDR.Bits())
	if err := netlink.AddrReplace(br, &netlink.Addr{IPNet: ipNet(gw)}); err != nil {
		return fmt.Errorf("address %s on bridge %s: %w", gw, n.cfg.Bridge, err)
	}
	if err := netlink.LinkSetUp(br); err != nil {
		return fmt.Errorf("bring up bridge %s: %w", n.cfg.Bridge, err)
	}
	return nil
}

// NetnsName is the name of podUID's namespace under /var/run/netns.
func (n *Network) NetnsName(podUID string) string { return n.cfg.Bridge + "-" + podUID }

// Attach gives podUID a network namespace with an address, or returns the
// one it already has. The name is only for messages.
func (n *Network) Attach(_ context.Context, podUID, name string) (string, netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ip, err := n.ipam.allocate(podUID)
	if err != nil {
		return "", netip.Addr{}, fmt.Errorf("pod %s: %w: %w", name, ErrSetup, err)
	}
	path := filepath.Join(netnsDir, n.NetnsName(podUID))
	if namedNetnsExists(n.NetnsName(podUID)) && n.configured(podUID, ip) {
		return path, ip, nil
	}
	// A namespace left half made (a crash during setup) is rebuilt.
	if err := n.removeLinks(podUID); err != nil {
		return "", netip.Addr{}, fmt.Errorf("pod %s: %w: %w", name, ErrSetup, err)
	}
	if err := n.build(podUID, ip); err != nil {
		_ = n.removeLinks(podUID)
		_ = n.ipam.release(podUID)
		return "", netip.Addr{}, fmt.Errorf("pod %s: %w: %w", name, ErrSetup, err)
	}
	return path, ip, nil
}

// Detach removes podUID's namespace and veth and frees its address; what
// is already gone is no error.
func (n *Network) Detach(podUID string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.removeLinks(podUID); err != nil {
		return err
	}
	return n.ipam.release(podUID)
}

// Attached lists the pod UIDs that have a namespace on this bridge.
func (n *Network) Attached() ([]string, error) {
	prefix := n.cfg.Bridge + "-"
	names, err := listNamedNetns(prefix)
	if err != nil {
		return nil, err
	}
	uids := make([]string, len(names))
	for i, s := range names {
		uids[i] = strings.TrimPrefix(s, prefix)
	}
	return uids, nil
}

// Destroy removes what the network of cfg made, without creating anything
// first: for cleaning up after an agent that is gone.
func Destroy(cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	path := filepath.Join(cfg.StateDir, "ipam-"+cfg.Bridge+".json")
	p := &ipam{path: path, prefix: cfg.CIDR.Masked(), byUID: map[string]netip.Addr{}}
	if loaded, err := loadIPAM(path, cfg.CIDR.Masked()); err == nil {
		p = loaded
	}
	return (&Network{cfg: cfg, ipam: p}).Destroy()
}

// Destroy removes every pod namespace of this bridge, the bridge itself
// and the allocations file: what `real down` leaves is nothing.
func (n *Network) Destroy() error {
	uids, err := n.Attached()
	if err != nil {
		return err
	}
	errs := []error{n.removeOwnRoutes()}
	for _, uid := range uids {
		errs = append(errs, n.Detach(uid))
	}
	if br, err := netlink.LinkByName(n.cfg.Bridge); err == nil {
		if err := netlink.LinkDel(br); err != nil {
			errs = append(errs, fmt.Errorf("delete bridge %s: %w", n.cfg.Bridge, err))
		}
	}
	if err := os.Remove(n.ipam.path); err != nil && !os.IsNotExist(err) {
		errs = append(errs, fmt.Errorf("remove address allocations: %w", err))
	}
	return errors.Join(errs...)
}

// removeLinks deletes podUID's host veth (which takes its peer with it)
// and its namespace.
func (n *Network) removeLinks(podUID string) error {
	if l, err := netlink.LinkByName(n.hostVeth(podUID)); err == nil {
		if err := netlink.LinkDel(l); err != nil {
			return fmt.Errorf("delete veth %s: %w", l.Attrs().Name, err)
		}
	}
	return deleteNamedNetns(n.NetnsName(podUID))
}

// ipNet converts a prefix keeping its host address, as netlink wants.
func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
