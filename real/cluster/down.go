package cluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/podnet"
	"github.com/kubetwin/kubetwin/real/proxy"
)

// stopGrace is how long a process has between SIGTERM and SIGKILL.
const stopGrace = 10 * time.Second

// Down stops the cluster recorded in dir and removes every container,
// network namespace, veth, bridge, Service address and mount it made. Logs
// stay under dir. It goes on past failures and reports them all.
func Down(ctx context.Context, dir string) error {
	s, err := Load(dir)
	if err != nil {
		return err
	}
	bin := s.Binary
	errs := []error{stop(s.ProxyPID, bin, stopGrace)}
	for _, n := range s.Nodes {
		errs = append(errs, stop(n.PID, bin, stopGrace))
	}
	errs = append(errs, stop(s.ServerPID, bin, stopGrace))
	errs = append(errs, s.purgeContainers(ctx)...)
	for _, n := range s.Nodes {
		errs = append(errs, destroyNetwork(n))
	}
	if cidr, err := netip.ParsePrefix(s.ServiceCIDR); err == nil && !s.ControlPlaneOnly {
		errs = append(errs, proxy.Cleanup("lo", cidr))
	}
	if s.ProxyTable != "" {
		errs = append(errs, proxy.DeleteTable(s.ProxyTable))
	}
	errs = append(errs, s.stopContainerd())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("real down: %w", err)
	}
	return os.Remove(filepath.Join(s.Dir, stateFile))
}

// purgeContainers empties and deletes every node's containerd namespace.
func (s *State) purgeContainers(ctx context.Context) []error {
	if s.ContainerdSocket == "" || !answers(s.ContainerdSocket) {
		return nil
	}
	var errs []error
	for _, n := range s.Nodes {
		rt, err := containers.Connect(s.ContainerdSocket, n.Namespace)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, rt.Purge(ctx))
		rt.Close()
	}
	return errs
}

// destroyNetwork removes a node's pod namespaces, veths and bridge.
func destroyNetwork(n Node) error {
	cidr, err := netip.ParsePrefix(n.PodCIDR)
	if err != nil {
		return fmt.Errorf("node %s: pod CIDR: %w", n.Name, err)
	}
	return podnet.Destroy(podnet.Config{Bridge: n.Bridge, CIDR: cidr, StateDir: filepath.Join(n.DataDir, "net")})
}

// stopContainerd stops a daemon Up started, unmounts whatever its state
// still holds mounted, and removes its directory.
func (s *State) stopContainerd() error {
	if s.ContainerdPID == 0 {
		return nil
	}
	if err := stop(s.ContainerdPID, "containerd", stopGrace); err != nil {
		return err
	}
	if err := stopShims(s.ContainerdSocket); err != nil {
		return err
	}
	if err := unmountUnder(s.ContainerdDir); err != nil {
		return err
	}
	if err := os.RemoveAll(s.ContainerdDir); err != nil {
		return fmt.Errorf("remove containerd state: %w", err)
	}
	return nil
}

// unmountUnder detaches every mount below dir, deepest first.
func unmountUnder(dir string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			points = append(points, fields[4])
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
