package image_test

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/kubetwin/kubetwin/real/image"
)

// files lists the paths in an image's single layer.
func files(t *testing.T, file, ref string) ([]string, []string) {
	t.Helper()
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := tarball.ImageFromPath(file, &tag)
	if err != nil {
		t.Fatalf("read back %s: %v", file, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != "amd64" {
		t.Fatalf("platform %s/%s", cf.OS, cf.Architecture)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %d, %v", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var names []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	return names, cf.Config.Entrypoint
}

func TestBuildFromBinaryAndDirectory(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "server")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "bin.tar")
	id, err := image.BuildFile(image.Spec{Ref: "kubetwin.local/server:v1", Binary: bin}, out)
	if err != nil {
		t.Fatal(err)
	}
	names, entry := files(t, out, "kubetwin.local/server:v1")
	if !slices.Equal(names, []string{"server"}) || !slices.Equal(entry, []string{"/server"}) {
		t.Fatalf("binary image: files %v, entrypoint %v", names, entry)
	}
	again, err := image.BuildFile(image.Spec{Ref: "kubetwin.local/server:v1", Binary: bin}, filepath.Join(dir, "again.tar"))
	if err != nil || again != id {
		t.Fatalf("rebuild gave %v (%v), want the same id %v", again, err, id)
	}

	root := filepath.Join(dir, "root")
	for _, p := range []string{"bin", "etc/app"} {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "etc/app/config"), []byte("x=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/bin/busybox", filepath.Join(root, "bin/sh")); err != nil {
		t.Fatal(err)
	}
	out = filepath.Join(dir, "dir.tar")
	spec := image.Spec{Ref: "kubetwin.local/tree", Dir: root, Entrypoint: []string{"/bin/sh"}, Cmd: []string{"-c", "true"}}
	if _, err := image.BuildFile(spec, out); err != nil {
		t.Fatal(err)
	}
	names, entry = files(t, out, "kubetwin.local/tree:latest")
	want := []string{"bin/", "bin/sh", "etc/", "etc/app/", "etc/app/config"}
	if !slices.Equal(names, want) || !slices.Equal(entry, []string{"/bin/sh"}) {
		t.Fatalf("directory image: files %v (want %v), entrypoint %v", names, want, entry)
	}
}

func TestBuildRefusesBadSpecs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.tar")
	cases := []image.Spec{
		{Ref: "kubetwin.local/x"},
		{Ref: "kubetwin.local/x", Dir: dir, Binary: "/bin/true"},
		{Ref: "kubetwin.local/x", Dir: filepath.Join(dir, "missing")},
		{Ref: "kubetwin.local/x", Binary: filepath.Join(dir, "missing")},
		{Ref: "Not A Name", Binary: "/bin/true"},
	}
	for _, spec := range cases {
		if _, err := image.BuildFile(spec, out); !errors.Is(err, image.ErrSpec) {
			t.Errorf("%+v: %v, want ErrSpec", spec, err)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a failed build left %s behind: %v", out, err)
	}
}
