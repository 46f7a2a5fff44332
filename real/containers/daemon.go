// Package containers runs pods' containers through containerd: a private
// containerd daemon when none is given, images imported from tarballs (no
// registry), and containers with their pod's network namespace, resource
// limits and log file, each agent in its own containerd namespace.
package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd"
)

// Daemon is a containerd process this package started, with its own root,
// state and socket under one directory, and the CRI plugin off.
type Daemon struct {
	Dir    string
	Socket string
	cmd    *exec.Cmd
	exited chan error
}

// daemonConfig is containerd 1.6's configuration (format version 2).
const daemonConfig = `version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q

[ttrpc]
  address = %q
`

// StartDaemon runs `containerd --config DIR/containerd.toml` and waits
// until it answers; its log goes to DIR/containerd.log.
func StartDaemon(ctx context.Context, dir string) (*Daemon, error) {
	bin, err := exec.LookPath("containerd")
	if err != nil {
		return nil, fmt.Errorf("start containerd: %w (install containerd and runc)", err)
	}
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	d := &Daemon{Dir: dir, Socket: filepath.Join(dir, "containerd.sock"), exited: make(chan error, 1)}
	cfg := filepath.Join(dir, "containerd.toml")
	body := fmt.Sprintf(daemonConfig, filepath.Join(dir, "root"), filepath.Join(dir, "state"), d.Socket, d.Socket+".ttrpc")
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	logf, err := os.OpenFile(filepath.Join(dir, "containerd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	defer logf.Close()
	d.cmd = exec.Command(bin, "--config", cfg)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	// Its own process group, so a terminal's Ctrl-C reaches the caller,
	// which stops the daemon after its containers.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start containerd: %w", err)
	}
	go func() { d.exited <- d.cmd.Wait() }()
	if err := d.waitReady(ctx); err != nil {
		d.Stop()
		return nil, err
	}
	return d, nil
}

// waitReady polls the socket until containerd answers, it exits, or 30 s pass.
func (d *Daemon) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		if c, err := containerd.New(d.Socket); err == nil {
			_, verr := c.Version(ctx)
			c.Close()
			if verr == nil {
				return nil
			}
		}
		select {
		case err := <-d.exited:
			d.exited <- err
			return fmt.Errorf("containerd exited at start (%v); see %s", err, filepath.Join(d.Dir, "containerd.log"))
		case <-ctx.Done():
			return fmt.Errorf("containerd did not answer on %s: %w", d.Socket, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Stop ends the daemon: SIGTERM, then SIGKILL after 10 s. Containers
// should be removed first; their shims outlive the daemon otherwise.
func (d *Daemon) Stop() error {
	if d.cmd.Process == nil {
		return nil
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop containerd: %w", err)
	}
	select {
	case <-d.exited:
		return nil
	case <-time.After(10 * time.Second):
	}
	if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill containerd: %w", err)
	}
	<-d.exited
	return nil
}
