package containers_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/containerd/containerd"

	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/realtest"
)

// env is a private containerd with the workload image imported into one namespace.
type env struct {
	rt     *containers.Runtime
	dir    string
	socket string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := realtest.Containerd(t)
	rt, err := containers.Connect(d.Socket, "kt-test")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{rt: rt, dir: t.TempDir(), socket: d.Socket}
	// Registered after the daemon's cleanup, so it runs first: containers
	// go before their daemon.
	t.Cleanup(func() {
		ids, err := rt.List(context.Background())
		if err != nil {
			t.Errorf("list: %v", err)
		}
		for _, id := range ids {
			if err := rt.Remove(context.Background(), id); err != nil {
				t.Errorf("remove %s: %v", id, err)
			}
		}
		rt.Close()
	})
	names, err := rt.ImportFile(context.Background(), realtest.WorkloadImage(t, realtest.WorkloadRef))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "docker.io/"+realtest.WorkloadRef) && !slices.Contains(names, realtest.WorkloadRef) {
		t.Fatalf("imported %v, want %s", names, realtest.WorkloadRef)
	}
	return e
}

func (e *env) spec(id string, args ...string) containers.Spec {
	return containers.Spec{ID: id, Image: realtest.WorkloadRef, Args: args,
		Labels: map[string]string{"kubetwin.pod": "default/" + id}, LogPath: filepath.Join(e.dir, id+".log")}
}

// waitExited polls until the container's process has exited.
func (e *env) waitExited(t *testing.T, id string) containers.State {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st, err := e.rt.Status(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Running && !st.ExitedAt.IsZero() {
			return st
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s still running after 20s", id)
	return containers.State{}
}

func waitForLog(t *testing.T, path, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && strings.Contains(string(b), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("log %s never showed %q", path, want)
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestContainerExitCodeLogAndEvent(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exits := e.rt.Exits(ctx)
	s := e.spec("exits", "-exit-code", "3", "-exit-after", "200ms")
	s.Env = []string{"POD_NAME=exits-pod"}
	if err := e.rt.Start(ctx, s); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-exits:
		if id != "exits" {
			t.Fatalf("exit event for %q", id)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit event")
	}
	st := e.waitExited(t, "exits")
	if st.ExitCode != 3 || st.Labels["kubetwin.pod"] != "default/exits" {
		t.Fatalf("state %+v, want exit 3 and the pod label", st)
	}
	log := readLog(t, s.LogPath)
	for _, want := range []string{"exits-pod serving on :8080", "exiting with code 3"} {
		if !strings.Contains(log, want) {
			t.Errorf("log %q lacks %q", log, want)
		}
	}
}

func TestStopSendsSIGTERMThenRemoveLeavesNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.rt.Start(ctx, e.spec("web")); err != nil {
		t.Fatal(err)
	}
	if st, err := e.rt.Status(ctx, "web"); err != nil || !st.Running {
		t.Fatalf("status %+v, %v: want running", st, err)
	}
	// Until the start line is logged the workload has no SIGTERM handler.
	waitForLog(t, e.spec("web").LogPath, "serving on")
	if err := e.rt.Stop(ctx, "web", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st := e.waitExited(t, "web")
	if st.ExitCode != 0 || !strings.Contains(readLog(t, e.spec("web").LogPath), "workload: terminating") {
		t.Fatalf("exit %d; the workload should have seen SIGTERM and exited 0", st.ExitCode)
	}
	if err := e.rt.Remove(ctx, "web"); err != nil {
		t.Fatal(err)
	}
	if ids, err := e.rt.List(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("after remove: %v, %v", ids, err)
	}
	if err := e.rt.Remove(ctx, "web"); err != nil {
		t.Fatalf("a second remove: %v", err)
	}
}

func TestStartFailuresNameTheirCause(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	missing := e.spec("noimage")
	missing.Image = "kubetwin.local/nothing:v9"
	if err := e.rt.Start(ctx, missing); !errors.Is(err, containers.ErrImageNotFound) {
		t.Fatalf("missing image: %v, want ErrImageNotFound", err)
	}
	nocmd := e.spec("nocmd")
	nocmd.Command = []string{"/no/such/program"}
	err := e.rt.Start(ctx, nocmd)
	if !errors.Is(err, containers.ErrStart) || !strings.Contains(err.Error(), "/no/such/program") {
		t.Fatalf("missing command: %v, want ErrStart naming the program", err)
	}
	if ids, _ := e.rt.List(ctx); len(ids) != 0 {
		t.Fatalf("failed starts left containers %v", ids)
	}
}

func TestLimitsBecomeCgroupLimits(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.spec("limited")
	s.CPUMilli, s.MemoryBytes = 250, 64<<20
	if err := e.rt.Start(ctx, s); err != nil {
		t.Fatal(err)
	}
	// cgroups v1, containerd's default cgroup path /<namespace>/<id>.
	mem := readInt(t, "/sys/fs/cgroup/memory/kt-test/limited/memory.limit_in_bytes")
	quota := readInt(t, "/sys/fs/cgroup/cpu/kt-test/limited/cpu.cfs_quota_us")
	if mem != 64<<20 || quota != 25000 {
		t.Fatalf("memory limit %d, cpu quota %d; want %d and 25000", mem, quota, 64<<20)
	}
}

func readInt(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestExecRunsInTheContainer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.rt.Start(ctx, e.spec("host")); err != nil {
		t.Fatal(err)
	}
	// A second workload inside the first one's namespaces: it must bind a
	// port of its own, print its start line and exit with its code.
	code, out, err := e.rt.Exec(ctx, "host", []string{"/workload", "-listen", "127.0.0.1:9090", "-exit-code", "4", "-exit-after", "50ms"})
	if err != nil || code != 4 || !strings.Contains(out, "serving on 127.0.0.1:9090") {
		t.Fatalf("exec: code %d, output %q, %v", code, out, err)
	}
	if _, _, err := e.rt.Exec(ctx, "host", []string{"/no/such/probe"}); !errors.Is(err, containers.ErrStart) {
		t.Fatalf("exec of a missing program: %v, want ErrStart", err)
	}
}

func TestPurgeLeavesNoContainerImageOrNamespace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.rt.Start(ctx, e.spec("running")); err != nil {
		t.Fatal(err)
	}
	if err := e.rt.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := containerd.New(e.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if nss, err := c.NamespaceService().List(ctx); err != nil || slices.Contains(nss, "kt-test") {
		t.Fatalf("namespaces after purge: %v, %v", nss, err)
	}
	if ids, err := e.rt.List(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("containers after purge: %v, %v", ids, err)
	}
	// The image is gone too: starting again names the missing image.
	if err := e.rt.Start(ctx, e.spec("again")); !errors.Is(err, containers.ErrImageNotFound) {
		t.Fatalf("start after purge: %v, want ErrImageNotFound", err)
	}
}
