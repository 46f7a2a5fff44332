package containers

import (
	"context"
	"fmt"

	eventtypes "github.com/containerd/containerd/api/events"
	"github.com/containerd/typeurl/v2"
)

// Exits streams the IDs of the namespace's containers whose main process
// exits, so an agent restarts a crashed container at once instead of
// noticing it on its next poll. The channel closes when ctx ends or the
// subscription fails; callers should poll as well, as events sent while
// no one listens are lost.
func (r *Runtime) Exits(ctx context.Context) <-chan string {
	out := make(chan string, 64)
	filter := fmt.Sprintf(`topic=="/tasks/exit",namespace==%q`, r.namespace)
	envs, errs := r.client.Subscribe(ctx, filter)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case <-errs:
				return
			case env := <-envs:
				id, ok := exitedContainer(env.Event)
				if !ok {
					continue
				}
				select {
				case out <- id:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

// exitedContainer reads a TaskExit event; exits of exec'd processes (probes)
// are not the container's and are skipped.
func exitedContainer(any typeurl.Any) (string, bool) {
	if any == nil {
		return "", false
	}
	v, err := typeurl.UnmarshalAny(any)
	if err != nil {
		return "", false
	}
	e, ok := v.(*eventtypes.TaskExit)
	if !ok || e.ID != e.ContainerID {
		return "", false
	}
	return e.ContainerID, true
}
