// Package image builds container images without a registry: an image is
// a directory tree or one static binary packed as a single layer, written
// as a docker-save tarball that containerd imports.
package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Spec says what goes into an image.
type Spec struct {
	// Ref names the image, such as "kubetwin.local/workload:v1".
	Ref string
	// Dir is copied as the image's root file system; or Binary, one static
	// executable, is put at /<its base name> and becomes the entrypoint.
	Dir, Binary string
	// Entrypoint and Cmd default to the binary with no arguments.
	Entrypoint, Cmd []string
	// Env holds KEY=VALUE entries.
	Env []string
	// WorkingDir is the default directory of the image's processes.
	WorkingDir string
}

// ErrSpec marks a spec that cannot be built.
var ErrSpec = errors.New("invalid image spec")

// epoch is every file's time, so the same inputs give the same digest.
var epoch = time.Unix(0, 0).UTC()

// Build writes the image as a docker-save tarball to out and returns its
// config digest (what containerd and kubectl show as the image ID).
func Build(spec Spec, out io.Writer) (v1.Hash, error) {
	ref, err := name.ParseReference(spec.Ref, name.WithDefaultTag("latest"))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%w: image name %q: %w", ErrSpec, spec.Ref, err)
	}
	layerTar, entry, err := layerOf(spec)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := assemble(spec, layerTar, entry)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image %s: %w", spec.Ref, err)
	}
	if err := tarball.Write(ref, img, out); err != nil {
		return v1.Hash{}, fmt.Errorf("write image %s: %w", spec.Ref, err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image %s: %w", spec.Ref, err)
	}
	return id, nil
}

// BuildFile is Build into a file, replaced only once the image is whole.
func BuildFile(spec Spec, file string) (v1.Hash, error) {
	tmp, err := os.CreateTemp(filepath.Dir(file), ".image-*.tar")
	if err != nil {
		return v1.Hash{}, fmt.Errorf("image %s: %w", spec.Ref, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it private
		tmp.Close()
		return v1.Hash{}, fmt.Errorf("image %s: %w", spec.Ref, err)
	}
	id, err := Build(spec, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("image %s: %w", spec.Ref, cerr)
	}
	if err != nil {
		return v1.Hash{}, err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return v1.Hash{}, fmt.Errorf("image %s: %w", spec.Ref, err)
	}
	return id, nil
}

// layerOf makes the one layer's tar and the default entrypoint.
func layerOf(spec Spec) ([]byte, []string, error) {
	switch {
	case (spec.Dir == "") == (spec.Binary == ""):
		return nil, nil, fmt.Errorf("%w: give exactly one of a directory and a binary", ErrSpec)
	case spec.Binary != "":
		b, err := binaryLayer(spec.Binary)
		return b, []string{"/" + filepath.Base(spec.Binary)}, err
	default:
		b, err := dirLayer(spec.Dir)
		return b, nil, err
	}
}

// assemble puts the layer on an empty linux/amd64 image with the config.
func assemble(spec Spec, layerTar []byte, entry []string) (v1.Image, error) {
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	// containerd drops images whose config names no platform on import.
	cf.OS, cf.Architecture, cf.Created = "linux", "amd64", v1.Time{Time: epoch}
	cf.Config.Entrypoint = entry
	if len(spec.Entrypoint) > 0 {
		cf.Config.Entrypoint = spec.Entrypoint
	}
	cf.Config.Cmd, cf.Config.Env, cf.Config.WorkingDir = spec.Cmd, spec.Env, spec.WorkingDir
	return mutate.ConfigFile(img, cf)
}

// binaryLayer is a tar holding one executable at the root.
func binaryLayer(file string) ([]byte, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: binary: %w", ErrSpec, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: filepath.Base(file), Mode: 0o755, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// dirLayer is a tar of the tree under dir, in path order, owned by root,
// keeping modes and symlinks.
func dirLayer(dir string) ([]byte, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: directory: %w", ErrSpec, err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrSpec, dir)
	}
	var paths []string
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("image directory: %w", err)
	}
	slices.Sort(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		if err := addPath(tw, dir, p); err != nil {
			return nil, fmt.Errorf("image directory: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// addPath writes one file, directory or symlink of the tree.
func addPath(tw *tar.Writer, root, p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(p); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return err
	}
	hdr.Name = path.Clean(filepath.ToSlash(rel))
	if fi.IsDir() {
		hdr.Name += "/"
	}
	hdr.ModTime, hdr.AccessTime, hdr.ChangeTime = epoch, time.Time{}, time.Time{}
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}
