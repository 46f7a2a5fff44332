package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/content"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/images"
	"github.com/containerd/containerd/snapshots"
	"github.com/opencontainers/go-digest"
)

// Purge removes everything of the runtime's namespace: its containers
// (killing their tasks), its images, their unpacked snapshots and
// content, and then the namespace itself, so a cluster taken down leaves
// nothing in a shared containerd. The garbage collector would remove the
// snapshots and content too, but in its own time, and containerd refuses
// to delete a namespace that still holds any.
func (r *Runtime) Purge(ctx context.Context) error {
	ids, err := r.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		errs = append(errs, r.Remove(ctx, id))
	}
	ctx = r.ctx(ctx)
	imgs, err := r.client.ImageService().List(ctx)
	if err != nil {
		return fmt.Errorf("purge %s: list images: %w", r.namespace, err)
	}
	for i, img := range imgs {
		var opts []images.DeleteOpt
		if i == len(imgs)-1 {
			opts = append(opts, images.SynchronousDelete()) // collect garbage once, at the end
		}
		if err := r.client.ImageService().Delete(ctx, img.Name, opts...); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("purge %s: delete image %s: %w", r.namespace, img.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if err := r.removeSnapshots(ctx); err != nil {
		return err
	}
	if err := r.removeContent(ctx); err != nil {
		return err
	}
	err = r.client.NamespaceService().Delete(ctx, r.namespace)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("purge: delete namespace %s: %w", r.namespace, err)
	}
	return nil
}

// PID is the daemon's process ID, recorded so another process can stop it.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

// removeSnapshots deletes the namespace's snapshots, children before
// their parents: each pass removes the ones nothing else builds on.
func (r *Runtime) removeSnapshots(ctx context.Context) error {
	sn := r.client.SnapshotService(containerd.DefaultSnapshotter)
	for pass := 0; ; pass++ {
		var infos []snapshots.Info
		if err := sn.Walk(ctx, func(_ context.Context, i snapshots.Info) error {
			infos = append(infos, i)
			return nil
		}); err != nil {
			return fmt.Errorf("purge %s: list snapshots: %w", r.namespace, err)
		}
		if len(infos) == 0 {
			return nil
		}
		if pass > len(infos)+1 {
			return fmt.Errorf("purge %s: %d snapshots cannot be removed", r.namespace, len(infos))
		}
		parents := map[string]bool{}
		for _, i := range infos {
			parents[i.Parent] = true
		}
		for _, i := range infos {
			if parents[i.Name] {
				continue
			}
			if err := sn.Remove(ctx, i.Name); err != nil && !errdefs.IsNotFound(err) {
				return fmt.Errorf("purge %s: remove snapshot %s: %w", r.namespace, i.Name, err)
			}
		}
	}
}

// removeContent deletes the namespace's blobs.
func (r *Runtime) removeContent(ctx context.Context) error {
	cs := r.client.ContentStore()
	var dgsts []digest.Digest
	if err := cs.Walk(ctx, func(i content.Info) error {
		dgsts = append(dgsts, i.Digest)
		return nil
	}); err != nil {
		return fmt.Errorf("purge %s: list content: %w", r.namespace, err)
	}
	for _, d := range dgsts {
		if err := cs.Delete(ctx, d); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("purge %s: delete content %s: %w", r.namespace, d, err)
		}
	}
	return nil
}
