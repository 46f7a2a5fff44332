package containers

import (
	"context"
	"errors"
	"fmt"

	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/images"
)

// Purge removes everything of the runtime's namespace: its containers
// (killing their tasks), its images, and then the namespace itself, so a
// cluster taken down leaves nothing in a shared containerd. Content the
// images referenced is left to containerd's garbage collector, which runs
// once nothing holds it.
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
	err = r.client.NamespaceService().Delete(ctx, r.namespace)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("purge: delete namespace %s: %w", r.namespace, err)
	}
	return nil
}

// PID is the daemon's process ID, recorded so another process can stop it.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }
