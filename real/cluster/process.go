package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// spawn starts bin with args in a session of its own (so it outlives Up
// and a terminal's signals), its output appended to DIR/logs/NAME.log.
// A goroutine waits on it so that, while this process lives, an exited
// child is reaped rather than left a zombie that looks alive.
func spawn(dir, name, bin string, args ...string) (int, error) {
	logs := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	logf, err := os.OpenFile(filepath.Join(logs, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = cmd.Wait() }()
	return cmd.Process.Pid, nil
}

// alive reports whether pid runs and is a process of bin: a recorded PID
// that the system has since given to another program is left alone.
func alive(pid int, bin string) bool {
	if pid <= 0 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err == nil && isZombie(stat) {
		return false
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	return filepath.Base(string(argv0)) == filepath.Base(bin)
}

// isZombie reads the state field of /proc/PID/stat, after the command's
// closing parenthesis.
func isZombie(stat []byte) bool {
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// stop sends SIGTERM to a recorded process of bin, waits up to grace for
// it to end, then kills it.
func stop(pid int, bin string, grace time.Duration) error {
	if !alive(pid, bin) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop process %d: %w", pid, err)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !alive(pid, bin) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return kill(pid, bin)
}

// kill sends SIGKILL to a recorded process of bin and waits up to 5 s for
// it to be gone.
func kill(pid int, bin string) error {
	if !alive(pid, bin) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill process %d: %w", pid, err)
	}
	for i := 0; i < 100; i++ {
		if !alive(pid, bin) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("process %d still runs 5 s after SIGKILL", pid)
}

// shimBinary is the runc shim containerd starts for each container.
const shimBinary = "containerd-shim-runc-v2"

// stopShims ends the runc shims serving the containerd at socket. A shim
// outlives its daemon by design, and now and then one whose task was
// deleted does not exit; once the cluster's own daemon is gone, every shim
// it started is a leftover.
func stopShims(socket string) error {
	pids, err := shimsOf(socket)
	if err != nil {
		return err
	}
	var errs []error
	for _, pid := range pids {
		errs = append(errs, stop(pid, shimBinary, stopGrace))
	}
	return errors.Join(errs...)
}

// shimsOf lists the shims whose -address is socket.
func shimsOf(socket string) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		argv := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if filepath.Base(argv[0]) == shimBinary && slices.Contains(argv, socket) {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
