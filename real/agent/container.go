package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/real/containers"
)

// Labels a container carries, so an agent restarted can tell whose it is.
const (
	LabelPodUID     = "kubetwin.io/pod-uid"
	LabelPodName    = "kubetwin.io/pod-name"
	LabelPodNS      = "kubetwin.io/pod-namespace"
	LabelContainer  = "kubetwin.io/container"
	LabelAttempt    = "kubetwin.io/attempt"
	containerPrefix = "containerd://"
)

// Back-off between restarts of a crashing container, as the kubelet's:
// the first restart is at once, then 10 s doubling to 5 minutes, forgotten
// after the container has run for 10 minutes.
const (
	backoffInitial = 10 * time.Second
	backoffMax     = 5 * time.Minute
	backoffReset   = 2 * backoffMax
)

// ctr is one container of a pod across its restarts.
type ctr struct {
	w               *worker
	spec            api.Container
	index           int
	isInit, sidecar bool

	attempts   int    // starts so far; restartCount is attempts-1
	id         string // the current attempt's container, "" before the first
	running    bool
	startedAt  time.Time
	exited     bool
	exitCode   int32
	finishedAt time.Time
	reason     string // of the last termination: Completed, Error, StartError
	message    string
	last       *api.ContainerStateTerminated

	waiting, waitMsg string        // why it is not running now
	backoff          time.Duration // the next delay
	delay            time.Duration // the delay now running
	notBefore        time.Time     // no restart before this

	probes *probeSet
}

func newCtr(w *worker, c api.Container, index int, isInit bool) *ctr {
	sidecar := isInit && c.RestartPolicy != nil && *c.RestartPolicy == api.ContainerRestartPolicyAlways
	return &ctr{w: w, spec: c, index: index, isInit: isInit, sidecar: sidecar, waiting: "ContainerCreating"}
}

// containerID names an attempt: unique per node, and short enough for containerd.
func (c *ctr) containerID(attempt int) string {
	kind := "c"
	if c.isInit {
		kind = "i"
	}
	return fmt.Sprintf("%s-%s%d-%d", c.w.uid, kind, c.index, attempt)
}

// logPath is where an attempt's output goes, in the kubelet's layout.
func (c *ctr) logPath(attempt int) string {
	return filepath.Join(c.w.a.cfg.DataDir, "pods", fmt.Sprintf("%s_%s_%s", c.w.namespace, c.w.name, c.w.uid),
		c.spec.Name, fmt.Sprintf("%d.log", attempt))
}

func (c *ctr) succeeded() bool { return c.exited && c.exitCode == 0 }

// isStarted: running and past its startup probe, if any.
func (c *ctr) isStarted() bool {
	return c.running && (c.probes == nil || c.probes.started())
}

// wantsRestart applies the restart policy to an exited container.
func (c *ctr) wantsRestart(p api.RestartPolicy) bool {
	if c.sidecar {
		return true
	}
	switch p {
	case api.RestartPolicyAlways:
		return true
	case api.RestartPolicyOnFailure:
		return c.exitCode != 0
	}
	return false
}

// ensure starts the container if it never ran, or restarts it after an
// exit when its policy says so and its back-off has passed.
func (c *ctr) ensure(ctx context.Context, pod *api.Pod) {
	if c.running || (c.exited && !c.wantsRestart(restartPolicy(pod))) {
		return
	}
	now := c.w.a.cfg.Clock.Now()
	if now.Before(c.notBefore) {
		if c.waiting != "ErrImageNeverPull" && c.waiting != "ImagePullBackOff" {
			c.waiting = "CrashLoopBackOff"
			c.waitMsg = fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
				c.delay, c.spec.Name, c.w.name, c.w.namespace, c.w.uid)
		}
		return
	}
	c.start(ctx, pod, now)
}

// start runs the next attempt. A start that fails counts as a run that
// ended at once, so it backs off like a crash.
func (c *ctr) start(ctx context.Context, pod *api.Pod, now time.Time) {
	attempt := c.attempts
	if attempt >= 2 { // keep the previous attempt for logs --previous, no more
		c.remove(ctx, c.containerID(attempt-2))
	}
	c.remove(ctx, c.containerID(attempt)) // a leftover of a start that failed halfway
	spec, err := c.runtimeSpec(pod, attempt)
	if err == nil {
		c.w.a.track(spec.ID, c.w.uid)
		err = c.w.a.cfg.Runtime.Start(ctx, spec)
	}
	if errors.Is(err, containers.ErrImageNotFound) {
		c.failPull(pod, now, err)
		return
	}
	c.rememberLast()
	c.attempts++
	c.id, c.exited = spec.ID, false
	if err != nil {
		c.w.a.events.Eventf(pod, api.EventTypeWarning, "Failed", "Error: %v", err)
		c.ended(now, 128, "StartError", err.Error())
		return
	}
	c.running, c.startedAt, c.waiting, c.waitMsg = true, now, "", ""
	// The kubelet's three events for a start; the runtime creates and
	// starts in one call, so they are told together.
	ev := c.w.a.events
	ev.Eventf(pod, api.EventTypeNormal, "Pulled", "Container image %q already present on machine", c.spec.Image)
	ev.Eventf(pod, api.EventTypeNormal, "Created", "Created container %s", c.spec.Name)
	ev.Eventf(pod, api.EventTypeNormal, "Started", "Started container %s", c.spec.Name)
	c.probes = startProbes(ctx, c, pod)
}

// failPull reports an image that is not on the node; there is no
// registry to pull from, so it waits with back-off as ImagePullBackOff.
func (c *ctr) failPull(pod *api.Pod, now time.Time, err error) {
	reason := "ErrImageNeverPull"
	if c.waiting == reason || c.waiting == "ImagePullBackOff" {
		reason = "ImagePullBackOff"
	} else {
		c.w.a.events.Eventf(pod, api.EventTypeWarning, reason,
			"Container image %q is not present on the node: %v", c.spec.Image, err)
	}
	c.waiting, c.waitMsg = reason, fmt.Sprintf("image %q is not present on the node; load it with kubetwin image load", c.spec.Image)
	c.nextBackoff(now, 0)
}

// ended records the end of the current attempt and the back-off before the next.
func (c *ctr) ended(now time.Time, code int32, reason, msg string) {
	c.stopProbes()
	// An attempt that never started ran for no time, whatever startedAt
	// still says of an earlier one.
	var ran time.Duration
	if c.running {
		ran = now.Sub(c.startedAt)
	}
	c.running, c.exited, c.exitCode, c.finishedAt = false, true, code, now
	c.reason, c.message, c.waiting, c.waitMsg = reason, msg, "", ""
	c.nextBackoff(now, ran)
}

// nextBackoff sets when the next start may happen: at once after the
// first failure (or after a long healthy run), then after a delay that
// doubles each time.
func (c *ctr) nextBackoff(now time.Time, ran time.Duration) {
	if ran >= backoffReset {
		c.backoff = 0
	}
	if c.backoff == 0 {
		c.notBefore, c.backoff, c.delay = now, backoffInitial, 0
		return
	}
	c.notBefore, c.delay = now.Add(c.backoff), c.backoff
	c.backoff = min(2*c.backoff, backoffMax)
}

// rememberLast keeps the ending attempt as lastState.
func (c *ctr) rememberLast() {
	if !c.exited {
		return
	}
	c.last = &api.ContainerStateTerminated{ExitCode: c.exitCode, Reason: c.reason, Message: c.message,
		StartedAt: api.NewTime(c.startedAt), FinishedAt: api.NewTime(c.finishedAt), ContainerID: containerPrefix + c.id}
}

// refresh reads whether the current attempt's process still runs.
func (c *ctr) refresh(ctx context.Context) {
	if !c.running {
		return
	}
	st, err := c.w.a.cfg.Runtime.Status(ctx, c.id)
	if err != nil {
		c.ended(c.w.a.cfg.Clock.Now(), 137, "Error", fmt.Sprintf("container lost: %v", err))
		return
	}
	if st.Running {
		return
	}
	reason := "Completed"
	if st.ExitCode != 0 {
		reason = "Error"
	}
	at := st.ExitedAt
	if at.IsZero() {
		at = c.w.a.cfg.Clock.Now()
	}
	c.ended(at, int32(st.ExitCode), reason, "")
}

// stop ends a running attempt within grace; reason, when set, is the
// event the kubelet records (Killing).
func (c *ctr) stop(ctx context.Context, grace time.Duration, reason string) {
	c.stopProbes()
	if !c.running {
		return
	}
	if reason != "" {
		if p, ok := c.w.a.pods.Get(c.w.namespace, c.w.name); ok {
			c.w.a.events.Eventf(p, api.EventTypeNormal, reason, "Stopping container %s", c.spec.Name)
		}
	}
	if err := c.w.a.cfg.Runtime.Stop(ctx, c.id, grace); err != nil {
		c.w.a.cfg.Logf("pod %s: stop %s: %v", c.w, c.spec.Name, err)
	}
}

// removeAll deletes every attempt's container.
func (c *ctr) removeAll(ctx context.Context) {
	for a := max(0, c.attempts-2); a <= c.attempts; a++ {
		c.remove(ctx, c.containerID(a))
	}
	c.running = false
}

func (c *ctr) remove(ctx context.Context, id string) {
	if err := c.w.a.cfg.Runtime.Remove(ctx, id); err != nil {
		c.w.a.cfg.Logf("pod %s: remove %s: %v", c.w, id, err)
	}
}

func (c *ctr) stopProbes() {
	if c.probes != nil {
		c.probes.stop()
	}
}

// runtimeSpec is the container as containerd runs it.
func (c *ctr) runtimeSpec(pod *api.Pod, attempt int) (containers.Spec, error) {
	env, err := c.env(pod)
	if err != nil {
		return containers.Spec{}, err
	}
	mounts, err := c.mounts(pod)
	if err != nil {
		return containers.Spec{}, err
	}
	s := containers.Spec{ID: c.containerID(attempt), Image: c.spec.Image, Command: c.spec.Command,
		Args: c.spec.Args, Env: env, WorkingDir: c.spec.WorkingDir, Hostname: pod.Name, NetNS: c.w.netns,
		LogPath: c.logPath(attempt), Mounts: mounts,
		Labels: map[string]string{LabelPodUID: c.w.uid, LabelPodName: pod.Name, LabelPodNS: pod.Namespace,
			LabelContainer: c.spec.Name, LabelAttempt: fmt.Sprint(attempt)}}
	if q, ok := c.spec.Resources.Limits[api.ResourceCPU]; ok {
		s.CPUMilli = q.MilliValue()
	}
	if q, ok := c.spec.Resources.Limits[api.ResourceMemory]; ok {
		s.MemoryBytes = q.Value()
	}
	return s, nil
}

// mounts binds the pod's emptyDir and hostPath volumes.
func (c *ctr) mounts(pod *api.Pod) ([]containers.Mount, error) {
	var out []containers.Mount
	for _, vm := range c.spec.VolumeMounts {
		src, err := c.w.volumePath(pod, vm.Name)
		if err != nil {
			return nil, err
		}
		if vm.SubPath != "" {
			src = filepath.Join(src, vm.SubPath)
			if err := os.MkdirAll(src, 0o777); err != nil {
				return nil, fmt.Errorf("volume %s subPath: %w", vm.Name, err)
			}
		}
		out = append(out, containers.Mount{Source: src, Destination: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	return out, nil
}

// volumePath is where a pod volume lives on the node; emptyDirs are made
// under the pod's directory.
func (w *worker) volumePath(pod *api.Pod, name string) (string, error) {
	for _, v := range pod.Spec.Volumes {
		if v.Name != name {
			continue
		}
		switch {
		case v.HostPath != nil:
			return v.HostPath.Path, nil
		case v.EmptyDir != nil:
			dir := filepath.Join(w.a.cfg.DataDir, "pods", fmt.Sprintf("%s_%s_%s", w.namespace, w.name, w.uid), "volumes", name)
			if err := os.MkdirAll(dir, 0o777); err != nil {
				return "", fmt.Errorf("volume %s: %w", name, err)
			}
			return dir, nil
		}
		return "", fmt.Errorf("volume %s: only emptyDir and hostPath are supported", name)
	}
	return "", fmt.Errorf("volume %s: not in the pod's volumes", name)
}
