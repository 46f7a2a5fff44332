package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serverArgsEnv carries the arguments of `kubetwin server` to the test
// binary re-executed as a server process.
const serverArgsEnv = "KUBETWIN_TEST_SERVER_ARGS"

// TestHelperServerProcess is `kubetwin` itself when the test binary is
// re-executed by startServerProcess; in a normal run it does nothing.
func TestHelperServerProcess(t *testing.T) {
	args := os.Getenv(serverArgsEnv)
	if args == "" {
		return
	}
	cmd := newRootCommand()
	cmd.SetArgs(strings.Fields(args))
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kubetwin:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// serverProcess is `kubetwin server` running in a child process.
type serverProcess struct {
	cmd        *exec.Cmd
	stderr     lockedBuffer
	kubeconfig string
	exited     chan error
}

// startServerProcess runs `kubetwin server --data-dir dir` in a child
// process and waits until it serves.
func startServerProcess(t *testing.T, dir string) *serverProcess {
	t.Helper()
	p := &serverProcess{exited: make(chan error, 1)}
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperServerProcess$")
	p.cmd.Env = append(os.Environ(), serverArgsEnv+"=server --data-dir "+dir+" --listen 127.0.0.1:0")
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start server process: %v", err)
	}
	t.Cleanup(func() { p.kill() })
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, kc, ok := strings.Cut(sc.Text(), "admin kubeconfig "); ok {
				serving <- kc
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	select {
	case p.kubeconfig = <-serving:
		return p
	case err := <-p.exited:
		t.Fatalf("server process exited before serving: %v\n%s", err, p.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("server process not serving after 60s:\n%s", p.stderr.String())
	}
	return nil
}

// terminate sends SIGTERM and requires a clean exit within limit.
func (p *serverProcess) terminate(t *testing.T, limit time.Duration) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("server exited with %v after SIGTERM:\n%s", err, p.stderr.String())
		}
	case <-time.After(limit):
		t.Fatalf("server still running %v after SIGTERM:\n%s", limit, p.stderr.String())
	}
}

// kill ends a process the test left running.
func (p *serverProcess) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
	}
}

// TestServerStopsCleanlyOnSIGTERM runs kubetwin server as a process with
// its controllers, stops it with SIGTERM, and restarts it on the same data
// directory: the control plane must stop without errors before the store
// closes, and pick up where it left off.
func TestServerStopsCleanlyOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p := startServerProcess(t, dir)
	runKubectl(t, p.kubeconfig, "", []string{"create", "deployment", "web", "--image=nginx", "--replicas=2"})
	eventually(t, p.kubeconfig, 30*time.Second, []string{"get", "deploy", "web", "-o",
		"jsonpath=replicas={.status.replicas}"}, "replicas=2")
	pods := runKubectl(t, p.kubeconfig, "", []string{"get", "pods", "-o", "name"})
	p.terminate(t, 20*time.Second)
	if logged := p.stderr.String(); strings.Contains(logged, "kubetwin server: ") {
		t.Errorf("errors while stopping:\n%s", logged)
	}

	p = startServerProcess(t, dir)
	// The same pods, none added on restart, and the controllers at work again.
	if got := runKubectl(t, p.kubeconfig, "", []string{"get", "pods", "-o", "name"}); got != pods {
		t.Errorf("pods after restart:\n%s\nwant:\n%s", got, pods)
	}
	runKubectl(t, p.kubeconfig, "", []string{"scale", "deployment", "web", "--replicas=3"})
	eventually(t, p.kubeconfig, 30*time.Second, []string{"get", "deploy", "web", "-o",
		"jsonpath=replicas={.status.replicas}"}, "replicas=3")
	p.terminate(t, 20*time.Second)
}
