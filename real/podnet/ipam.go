package podnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
)

// ErrNoAddress means every address of the node's pod CIDR is taken.
var ErrNoAddress = errors.New("no free address in the pod CIDR")

// ipam hands out the addresses of one pod CIDR and keeps them in a file,
// so an agent that restarts gives a running pod the address it had.
type ipam struct {
	path   string
	prefix netip.Prefix
	byUID  map[string]netip.Addr
}

// ipamFile is the stored form: the CIDR, so a changed one is noticed, and
// the address of each pod UID.
type ipamFile struct {
	CIDR string            `json:"cidr"`
	Pods map[string]string `json:"pods"`
}

// loadIPAM reads path, or starts empty when it does not exist.
func loadIPAM(path string, prefix netip.Prefix) (*ipam, error) {
	p := &ipam{path: path, prefix: prefix, byUID: map[string]netip.Addr{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read address allocations: %w", err)
	}
	var f ipamFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("address allocations %s: %w", path, err)
	}
	if f.CIDR != prefix.String() {
		return nil, fmt.Errorf("address allocations %s are for pod CIDR %s, not %s: remove the file once no pod uses it",
			path, f.CIDR, prefix)
	}
	for uid, s := range f.Pods {
		a, err := netip.ParseAddr(s)
		if err != nil || !prefix.Contains(a) {
			return nil, fmt.Errorf("address allocations %s: pod %s has address %q outside %s", path, uid, s, prefix)
		}
		p.byUID[uid] = a
	}
	return p, nil
}

// gateway is the CIDR's first address, which the bridge holds.
func (p *ipam) gateway() netip.Addr { return p.prefix.Masked().Addr().Next() }

// allocate returns uid's address, taking the lowest free one for a new pod.
func (p *ipam) allocate(uid string) (netip.Addr, error) {
	if a, ok := p.byUID[uid]; ok {
		return a, nil
	}
	used := make(map[netip.Addr]bool, len(p.byUID))
	for _, a := range p.byUID {
		used[a] = true
	}
	for a := p.gateway().Next(); p.prefix.Contains(a) && !p.isBroadcast(a); a = a.Next() {
		if used[a] {
			continue
		}
		p.byUID[uid] = a
		if err := p.save(); err != nil {
			delete(p.byUID, uid)
			return netip.Addr{}, err
		}
		return a, nil
	}
	return netip.Addr{}, fmt.Errorf("pod %s in %s: %w", uid, p.prefix, ErrNoAddress)
}

// release frees uid's address; releasing an unknown uid is no error.
func (p *ipam) release(uid string) error {
	a, ok := p.byUID[uid]
	if !ok {
		return nil
	}
	delete(p.byUID, uid)
	if err := p.save(); err != nil {
		p.byUID[uid] = a
		return err
	}
	return nil
}

// isBroadcast reports whether a is the last address of an IPv4 CIDR.
func (p *ipam) isBroadcast(a netip.Addr) bool {
	n := a.Next()
	return a.Is4() && (!n.IsValid() || !p.prefix.Contains(n))
}

// save writes the allocations through a temporary file and a rename, so
// a crash leaves either the old or the new file, never half of one.
func (p *ipam) save() error {
	f := ipamFile{CIDR: p.prefix.String(), Pods: make(map[string]string, len(p.byUID))}
	for uid, a := range p.byUID {
		f.Pods[uid] = a.String()
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode address allocations: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o755); err != nil {
		return fmt.Errorf("address allocations dir: %w", err)
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("write address allocations: %w", err)
	}
	if err := os.Rename(tmp, p.path); err != nil {
		return fmt.Errorf("write address allocations: %w", err)
	}
	return nil
}
