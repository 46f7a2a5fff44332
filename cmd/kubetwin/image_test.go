package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageBuildWorkload builds the repository's workload program static
// and packs it, as `make workload-image` does.
func TestImageBuildWorkload(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "workload")
	buildStatic(t, "../../real/workload", bin)
	out := filepath.Join(dir, "workload.tar")
	got, err := execute(t, "", "image", "build", "--tag", "kubetwin.local/workload:v1", "--binary", bin, "-o", out)
	if err != nil || !strings.HasPrefix(got, "kubetwin.local/workload:v1 sha256:") {
		t.Fatalf("image build: %v\n%s", err, got)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() < 1<<20 {
		t.Fatalf("image tarball: %v %v", fi, err)
	}
	if _, err := execute(t, "", "image", "build", "--tag", "kubetwin.local/x", "--binary", bin); err == nil ||
		!strings.Contains(err.Error(), "-o FILE is required") {
		t.Fatalf("missing -o: %v", err)
	}
}

// buildStatic compiles a Go package without cgo, as images need.
func buildStatic(t *testing.T, pkg, out string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}
