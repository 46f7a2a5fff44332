package containers

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
)

// execSeq numbers exec'd processes, whose IDs must be unique per container.
var execSeq atomic.Uint64

// maxExecOutput bounds what an exec keeps of its output (a probe's message).
const maxExecOutput = 4 << 10

// Exec runs argv inside a running container, as exec probes do, and
// returns its exit code and the start of its combined output. The
// process is killed when ctx ends (a probe's timeout).
func (r *Runtime) Exec(ctx context.Context, id string, argv []string) (int, string, error) {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return 0, "", fmt.Errorf("exec in %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		return 0, "", fmt.Errorf("exec in %s: %w", id, err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("exec in %s: %w", id, err)
	}
	pspec := *spec.Process
	pspec.Args, pspec.Terminal = argv, false
	out := &limitedBuffer{max: maxExecOutput}
	execID := fmt.Sprintf("exec-%d", execSeq.Add(1))
	p, err := task.Exec(ctx, execID, &pspec, cio.NewCreator(cio.WithStreams(nil, out, out)))
	if err != nil {
		return 0, "", fmt.Errorf("%w: exec %v in %s: %w", ErrStart, argv, id, err)
	}
	defer p.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
	exited, err := p.Wait(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("exec in %s: %w", id, err)
	}
	if err := p.Start(ctx); err != nil {
		return 0, "", fmt.Errorf("%w: exec %v in %s: %w", ErrStart, argv, id, err)
	}
	select {
	case st := <-exited:
		return int(st.ExitCode()), out.String(), nil
	case <-ctx.Done():
		return 0, out.String(), fmt.Errorf("exec %v in %s: %w", argv, id, ctx.Err())
	}
}

// limitedBuffer keeps the first max bytes written and drops the rest.
type limitedBuffer struct {
	max int
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
