package proxy

import (
	"errors"
	"fmt"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/kubetwin/kubetwin/core/api"
)

// The proxy's modes.
const (
	// ModeUserspace forwards every connection through a listener of the
	// proxy's own: no kernel support needed beyond the VIP on lo.
	ModeUserspace = "userspace"
	// ModeNFTables has the kernel DNAT each new connection to a backend
	// chosen at random, as kube-proxy's nftables mode does; the VIPs stay
	// on lo, so a Service without endpoints refuses connections.
	ModeNFTables = "nftables"
)

// DefaultTable is the nftables table the nftables mode owns.
const DefaultTable = "kubetwin_proxy"

// serviceMark tags connections DNATed to a backend, so postrouting can
// masquerade them: a pod reaching itself or a neighbour on its bridge
// through a Service must see the replies come back through the host.
const serviceMark = 0x4b54

// syncTable replaces the proxy's table with one built from want, in one
// transaction: readers of the ruleset never see half of it.
func (p *Proxy) syncTable(want map[listenerKey]target) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("proxy: nftables: %w", err)
	}
	tbl := &nftables.Table{Family: nftables.TableFamilyIPv4, Name: p.cfg.Table}
	// Adding first makes the delete succeed whether or not it existed.
	c.AddTable(tbl)
	c.DelTable(tbl)
	c.AddTable(tbl)
	services := c.AddChain(&nftables.Chain{Name: "services", Table: tbl})
	for _, hook := range []*nftables.ChainHook{nftables.ChainHookPrerouting, nftables.ChainHookOutput} {
		ch := c.AddChain(&nftables.Chain{Name: hookName(hook), Table: tbl, Type: nftables.ChainTypeNAT,
			Hooknum: hook, Priority: nftables.ChainPriorityNATDest})
		c.AddRule(&nftables.Rule{Table: tbl, Chain: ch, Exprs: []expr.Any{&expr.Verdict{Kind: expr.VerdictJump, Chain: services.Name}}})
	}
	post := c.AddChain(&nftables.Chain{Name: "postrouting", Table: tbl, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource})
	c.AddRule(&nftables.Rule{Table: tbl, Chain: post, Exprs: masqueradeMarked()})
	for _, k := range sortedKeys(want) {
		bes := want[k].Backends
		for i, be := range bes {
			c.AddRule(&nftables.Rule{Table: tbl, Chain: services, Exprs: dnatRule(k, be.Addr().As4(), be.Port(), len(bes)-i)})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("proxy: write nftables table %s: %w", p.cfg.Table, err)
	}
	return nil
}

func hookName(h *nftables.ChainHook) string {
	if *h == *nftables.ChainHookOutput {
		return "output"
	}
	return "prerouting"
}

// dnatRule sends a connection to k to the backend: the rule of the i-th of
// n backends matches with probability 1/(n-i) among what earlier rules
// left, which picks each backend with probability 1/n; left says how many
// backends remain from this one on.
func dnatRule(k listenerKey, ip [4]byte, port uint16, left int) []expr.Any {
	proto := byte(unix.IPPROTO_TCP)
	if k.Proto == api.ProtocolUDP {
		proto = unix.IPPROTO_UDP
	}
	vip := k.IP.As4()
	exprs := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: vip[:]},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.BigEndian.PutUint16(k.Port)},
	}
	if left > 1 {
		exprs = append(exprs,
			&expr.Numgen{Register: 1, Modulus: uint32(left), Type: unix.NFT_NG_RANDOM},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(0)})
	}
	return append(exprs,
		&expr.Immediate{Register: 1, Data: binaryutil.NativeEndian.PutUint32(serviceMark)},
		&expr.Ct{Key: expr.CtKeyMARK, Register: 1, SourceRegister: true},
		&expr.Immediate{Register: 1, Data: ip[:]},
		&expr.Immediate{Register: 2, Data: binaryutil.BigEndian.PutUint16(port)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2})
}

// masqueradeMarked rewrites the source of connections a service rule sent.
func masqueradeMarked() []expr.Any {
	return []expr.Any{
		&expr.Ct{Key: expr.CtKeyMARK, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(serviceMark)},
		&expr.Masq{},
	}
}

// DeleteTable removes an nftables table a proxy left, for `real down`
// after a crash; a table that does not exist is no error.
func DeleteTable(name string) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("proxy: nftables: %w", err)
	}
	tbls, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return fmt.Errorf("proxy: list nftables tables: %w", err)
	}
	for _, t := range tbls {
		if t.Name == name {
			c.DelTable(t)
			if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
				return fmt.Errorf("proxy: delete nftables table %s: %w", name, err)
			}
		}
	}
	return nil
}
