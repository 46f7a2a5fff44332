package containers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/oci"
	"github.com/containerd/containerd/reference/docker"
	"github.com/opencontainers/runtime-spec/specs-go"
)

// Errors a pod's status can name.
var (
	// ErrImageNotFound: the image was never imported (there is no registry).
	ErrImageNotFound = errors.New("image not found")
	// ErrStart: the container was created but its process could not start
	// (such as a command that does not exist).
	ErrStart = errors.New("container could not start")
)

// DefaultSocket is where a system containerd (Debian's package) listens.
const DefaultSocket = "/run/containerd/containerd.sock"

// Runtime runs containers in one containerd namespace.
type Runtime struct {
	client    *containerd.Client
	namespace string
}

// Connect opens the containerd socket for a namespace (one per agent, so
// agents on one machine never see each other's containers).
func Connect(socket, namespace string) (*Runtime, error) {
	c, err := containerd.New(socket, containerd.WithDefaultNamespace(namespace))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", socket, err)
	}
	return &Runtime{client: c, namespace: namespace}, nil
}

// Close releases the connection; containers keep running.
func (r *Runtime) Close() error { return r.client.Close() }

// ctx puts the runtime's namespace on a context.
func (r *Runtime) ctx(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, r.namespace)
}

// NormalizeImage names an image the way containerd stores it
// ("busybox" is docker.io/library/busybox:latest).
func NormalizeImage(ref string) (string, error) {
	n, err := docker.ParseDockerRef(ref)
	if err != nil {
		return "", fmt.Errorf("image %q: %w", ref, err)
	}
	return n.String(), nil
}

// ImportFile imports an image tarball (docker-save or OCI) and unpacks
// it, returning the names it holds.
func (r *Runtime) ImportFile(ctx context.Context, file string) ([]string, error) {
	ctx = r.ctx(ctx)
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("import image: %w", err)
	}
	defer f.Close()
	imgs, err := r.client.Import(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("import image %s: %w", file, err)
	}
	var names []string
	for _, i := range imgs {
		img := containerd.NewImage(r.client, i)
		if err := img.Unpack(ctx, containerd.DefaultSnapshotter); err != nil {
			return nil, fmt.Errorf("unpack image %s: %w", i.Name, err)
		}
		names = append(names, i.Name)
	}
	return names, nil
}

// ImportDir imports every *.tar in dir, in name order; a directory that
// does not exist is an error, not an empty one.
func (r *Runtime) ImportDir(ctx context.Context, dir string) ([]string, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if err == nil {
			err = errors.New("not a directory")
		}
		return nil, fmt.Errorf("import images from %s: %w", dir, err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tar"))
	if err != nil {
		return nil, fmt.Errorf("import images: %w", err)
	}
	var names []string
	for _, f := range files {
		n, err := r.ImportFile(ctx, f)
		if err != nil {
			return nil, err
		}
		names = append(names, n...)
	}
	return names, nil
}

// Spec is one container to run.
type Spec struct {
	// ID is unique in the namespace; Labels are kept with it, so an agent
	// restarted can tell which pod owns it.
	ID     string
	Labels map[string]string
	Image  string
	// Command replaces the image's entrypoint and Args its cmd, as in a
	// Kubernetes container.
	Command, Args []string
	Env           []string
	WorkingDir    string
	Hostname      string
	// NetNS is the path of the pod's network namespace; "" gives the
	// container a new one of its own, with only a loopback device.
	NetNS string
	// CPUMilli and MemoryBytes are limits (0: none).
	CPUMilli, MemoryBytes int64
	// LogPath receives stdout and stderr, appended across restarts.
	LogPath string
	// Mounts bind host directories (a pod's volumes) into the container.
	Mounts []Mount
}

// Mount binds a host path at a path in the container.
type Mount struct {
	Source, Destination string
	ReadOnly            bool
}

// cpuPeriod is the CFS period limits are expressed against, as the kubelet uses.
const cpuPeriod = 100000

// Start creates the container and starts its process.
func (r *Runtime) Start(ctx context.Context, s Spec) error {
	ctx = r.ctx(ctx)
	name, err := NormalizeImage(s.Image)
	if err != nil {
		return err
	}
	img, err := r.client.GetImage(ctx, name)
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("%w: %s (import it with kubetwin image load)", ErrImageNotFound, s.Image)
	}
	if err != nil {
		return fmt.Errorf("image %s: %w", s.Image, err)
	}
	argv, err := processArgs(ctx, img, s.Command, s.Args)
	if err != nil {
		return err
	}
	c, err := r.client.NewContainer(ctx, s.ID,
		containerd.WithImage(img),
		containerd.WithNewSnapshot(s.ID+"-rootfs", img),
		containerd.WithContainerLabels(s.Labels),
		containerd.WithNewSpec(specOpts(img, s, argv)...))
	if err != nil {
		return fmt.Errorf("create container %s: %w", s.ID, err)
	}
	if err := os.MkdirAll(filepath.Dir(s.LogPath), 0o755); err != nil {
		return fmt.Errorf("container %s log: %w", s.ID, err)
	}
	task, err := c.NewTask(ctx, cio.LogFile(s.LogPath))
	if err != nil {
		r.remove(ctx, c)
		return fmt.Errorf("%w: %s: %w", ErrStart, s.ID, err)
	}
	if err := task.Start(ctx); err != nil {
		r.remove(ctx, c)
		return fmt.Errorf("%w: %s: %w", ErrStart, s.ID, err)
	}
	return nil
}

// specOpts builds the OCI spec: the image's env and user, then the pod's.
func specOpts(img containerd.Image, s Spec, argv []string) []oci.SpecOpts {
	opts := []oci.SpecOpts{oci.WithImageConfig(img), oci.WithProcessArgs(argv...), oci.WithEnv(s.Env),
		oci.WithHostResolvconf}
	if s.WorkingDir != "" {
		opts = append(opts, oci.WithProcessCwd(s.WorkingDir))
	}
	if s.Hostname != "" {
		opts = append(opts, oci.WithHostname(s.Hostname))
	}
	if s.NetNS != "" {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: s.NetNS}))
	}
	if len(s.Mounts) > 0 {
		opts = append(opts, oci.WithMounts(bindMounts(s.Mounts)))
	}
	if s.MemoryBytes > 0 {
		opts = append(opts, oci.WithMemoryLimit(uint64(s.MemoryBytes)))
	}
	if s.CPUMilli > 0 {
		opts = append(opts, oci.WithCPUCFS(s.CPUMilli*cpuPeriod/1000, cpuPeriod))
	}
	return opts
}

func bindMounts(ms []Mount) []specs.Mount {
	out := make([]specs.Mount, len(ms))
	for i, m := range ms {
		opts := []string{"rbind", "rw"}
		if m.ReadOnly {
			opts[1] = "ro"
		}
		out[i] = specs.Mount{Type: "bind", Source: m.Source, Destination: m.Destination, Options: opts}
	}
	return out
}

// processArgs applies Kubernetes' rule: command replaces the entrypoint,
// args replace the cmd (and a command drops the image's cmd).
func processArgs(ctx context.Context, img containerd.Image, command, args []string) ([]string, error) {
	spec, err := img.Spec(ctx)
	if err != nil {
		return nil, fmt.Errorf("image %s config: %w", img.Name(), err)
	}
	entry, cmd := spec.Config.Entrypoint, spec.Config.Cmd
	if len(command) > 0 {
		entry, cmd = command, nil
	}
	if len(args) > 0 {
		cmd = args
	}
	argv := append(append([]string(nil), entry...), cmd...)
	if len(argv) == 0 {
		return nil, fmt.Errorf("%w: image %s has no entrypoint or cmd and the container gives no command", ErrStart, img.Name())
	}
	return argv, nil
}

// State is what the runtime knows of a container's process.
type State struct {
	Running   bool
	ExitCode  uint32
	StartedAt time.Time
	ExitedAt  time.Time
	Labels    map[string]string
}

// Status reports a container's process; a container without a task (never
// started, or removed) is not running, exit code 0.
func (r *Runtime) Status(ctx context.Context, id string) (State, error) {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return State{}, fmt.Errorf("container %s: %w", id, err)
	}
	labels, err := c.Labels(ctx)
	if err != nil {
		return State{}, fmt.Errorf("container %s labels: %w", id, err)
	}
	st := State{Labels: labels}
	if info, err := c.Info(ctx); err == nil {
		st.StartedAt = info.CreatedAt
	}
	task, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return st, nil
	}
	if err != nil {
		return State{}, fmt.Errorf("container %s task: %w", id, err)
	}
	ts, err := task.Status(ctx)
	if err != nil {
		return State{}, fmt.Errorf("container %s status: %w", id, err)
	}
	st.Running = ts.Status == containerd.Running || ts.Status == containerd.Paused
	st.ExitCode, st.ExitedAt = ts.ExitStatus, ts.ExitTime
	return st, nil
}

// Stop signals SIGTERM, waits up to grace for the process to exit, then
// sends SIGKILL; a container without a running process is left as is.
func (r *Runtime) Stop(ctx context.Context, id string, grace time.Duration) error {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	exited, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("stop %s: %w", id, err)
	}
	select {
	case <-exited:
		return nil
	case <-time.After(grace):
	case <-ctx.Done():
		return ctx.Err()
	}
	if err := task.Kill(ctx, syscall.SIGKILL); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("kill %s: %w", id, err)
	}
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Remove deletes the container, its task (killed if still running) and its snapshot.
func (r *Runtime) Remove(ctx context.Context, id string) error {
	ctx = r.ctx(ctx)
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", id, err)
	}
	return r.remove(ctx, c)
}

func (r *Runtime) remove(ctx context.Context, c containerd.Container) error {
	if task, err := c.Task(ctx, nil); err == nil {
		if _, err := task.Delete(ctx, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove %s task: %w", c.ID(), err)
		}
	}
	if err := c.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove %s: %w", c.ID(), err)
	}
	return nil
}

// List returns the IDs of the namespace's containers, for adoption after
// a restart and for cleaning up what no pod owns.
func (r *Runtime) List(ctx context.Context) ([]string, error) {
	cs, err := r.client.Containers(r.ctx(ctx))
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ID()
	}
	return ids, nil
}
