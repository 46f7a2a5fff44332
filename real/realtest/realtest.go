// Package realtest holds what real mode's tests share: a private
// containerd for the test and the workload image built from this
// repository. A test that needs containerd fails (never skips) when it is
// missing, since CI installs it.
package realtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/image"
)

// WorkloadRef is the name the workload image is built under.
const WorkloadRef = "kubetwin.local/workload:v1"

// Containerd starts a containerd daemon of the test's own under a short
// temporary directory (socket paths are limited to 108 bytes) and stops
// it when the test ends. Tests remove their containers before that.
func Containerd(t testing.TB) *containers.Daemon {
	t.Helper()
	dir, err := os.MkdirTemp("", "kt-ctd-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	d, err := containers.StartDaemon(ctx, dir)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatalf("containerd: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Errorf("stop containerd: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("remove containerd dir: %v", err)
		}
	})
	return d
}

// WorkloadImage builds the workload program static and packs it as
// image ref into a tarball in a test directory, returning its path.
func WorkloadImage(t testing.TB, ref string) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "workload")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/kubetwin/kubetwin/real/workload")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build workload: %v\n%s", err, out)
	}
	tarball := filepath.Join(dir, "workload.tar")
	if _, err := image.BuildFile(image.Spec{Ref: ref, Binary: bin}, tarball); err != nil {
		t.Fatalf("build workload image: %v", err)
	}
	return tarball
}
