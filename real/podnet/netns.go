package podnet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netnsDir is where named network namespaces are bind-mounted, as
// `ip netns` keeps them, so operators can inspect a pod's with ip(8).
const netnsDir = "/var/run/netns"

// newNamedNetns creates the named network namespace and returns a handle
// to it. Creating one switches the calling thread into it, so this runs on
// a thread of its own; if switching back fails the thread is not unlocked,
// which makes the runtime discard it rather than reuse it elsewhere.
func newNamedNetns(name string) (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			done <- result{err: fmt.Errorf("current network namespace: %w", err)}
			return
		}
		defer orig.Close()
		ns, err := netns.NewNamed(name)
		if setErr := netns.Set(orig); setErr == nil {
			runtime.UnlockOSThread()
		}
		if err != nil {
			// NewNamed may leave the mount point behind.
			_ = unix.Unmount(filepath.Join(netnsDir, name), unix.MNT_DETACH)
			_ = os.Remove(filepath.Join(netnsDir, name))
			err = fmt.Errorf("create network namespace %s: %w", name, err)
		}
		done <- result{ns, err}
	}()
	r := <-done
	return r.ns, r.err
}

// deleteNamedNetns unmounts and removes a named namespace; one already
// gone is no error, and a file left unmounted by a crash is removed.
func deleteNamedNetns(name string) error {
	p := filepath.Join(netnsDir, name)
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount network namespace %s: %w", name, err)
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove network namespace %s: %w", name, err)
	}
	return nil
}

// namedNetnsExists reports whether the named namespace's mount point exists.
func namedNetnsExists(name string) bool {
	_, err := os.Stat(filepath.Join(netnsDir, name))
	return err == nil
}

// listNamedNetns returns the names in netnsDir with the given prefix.
func listNamedNetns(prefix string) ([]string, error) {
	ents, err := os.ReadDir(netnsDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list network namespaces: %w", err)
	}
	var names []string
	for _, e := range ents {
		if len(e.Name()) > len(prefix) && e.Name()[:len(prefix)] == prefix {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
