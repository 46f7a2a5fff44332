package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// worker owns one pod on this node: its network namespace, its containers
// and their probes. Only the worker's goroutine changes them; mu guards
// what the status server and probers read or write beside it.
type worker struct {
	a                    *Agent
	uid, namespace, name string
	wakeCh               chan struct{}
	mu                   sync.Mutex
	netns                string
	ip                   netip.Addr
	netErr               error
	netRetry             time.Time
	init, main           []*ctr
	startTime            time.Time
	initFailed, finished bool
	detached             bool
	createdAt, runningAt time.Time
	readyAt              time.Time
	// logs is what the status server may read of the containers, as of
	// the last sync (under mu).
	logs map[string]logInfo
}

// logInfo locates a container's log files.
type logInfo struct {
	attempts int
	running  bool
	path     func(attempt int) string
}

// publish copies what the status server reads.
func (w *worker) publish() {
	logs := map[string]logInfo{}
	for _, c := range w.all() {
		logs[c.spec.Name] = logInfo{attempts: c.attempts, running: c.running, path: c.logPath}
	}
	w.mu.Lock()
	w.logs = logs
	w.mu.Unlock()
}

func newWorker(a *Agent, p *api.Pod) *worker {
	w := &worker{a: a, uid: p.UID, namespace: p.Namespace, name: p.Name, wakeCh: make(chan struct{}, 1),
		createdAt: p.CreationTimestamp.Time}
	// A pod an earlier run of the agent started is not timed again: its
	// start was observed then, and now-creation would be no start latency.
	if p.Status.Phase == api.PodRunning {
		w.runningAt = w.createdAt
	}
	if controllers.IsPodReady(p) {
		w.readyAt = w.createdAt
	}
	for i, c := range p.Spec.InitContainers {
		w.init = append(w.init, newCtr(w, c, i, true))
	}
	for i, c := range p.Spec.Containers {
		w.main = append(w.main, newCtr(w, c, i, false))
		if len(w.init) > 0 {
			w.main[i].waiting = "PodInitializing"
		}
	}
	return w
}

// wake asks the worker for a sync; wakes coalesce.
func (w *worker) wake() {
	select {
	case w.wakeCh <- struct{}{}:
	default:
	}
}

// run syncs the pod on every wake until it is gone from this node.
func (w *worker) run(ctx context.Context) {
	defer w.a.forget(w)
	for {
		select {
		case <-ctx.Done():
			w.stopProbes()
			return
		case <-w.wakeCh:
		}
		if done := w.sync(ctx); done {
			return
		}
	}
}

// sync takes the pod one step towards its spec and reports its status;
// true when the pod is gone and the worker ends.
func (w *worker) sync(ctx context.Context) bool {
	obj, ok := w.a.pods.Get(w.namespace, w.name)
	if !ok || obj.(*api.Pod).UID != w.uid {
		w.teardown(ctx, 2*time.Second)
		return true
	}
	pod := obj.(*api.Pod)
	if pod.DeletionTimestamp != nil {
		w.terminate(ctx, pod)
		return true
	}
	w.refresh(ctx)
	if !w.finished {
		w.advance(ctx, pod)
	}
	w.resumeProbes(ctx, pod)
	w.restartUnhealthy(ctx, pod)
	st := w.status(pod)
	if st.Phase == api.PodSucceeded || st.Phase == api.PodFailed {
		w.finish(ctx, pod)
	}
	w.publish()
	w.writeStatus(ctx, pod, st)
	return false
}

// advance starts what should run next: the network, then init
// containers one by one, then every container.
func (w *worker) advance(ctx context.Context, pod *api.Pod) {
	if !w.attach(ctx, pod) {
		return
	}
	if !w.runInit(ctx, pod) {
		return
	}
	for _, c := range w.main {
		c.ensure(ctx, pod)
	}
}

// attach sets up the pod's network namespace once; a failure is retried
// each second and shown in the pod's status.
func (w *worker) attach(ctx context.Context, pod *api.Pod) bool {
	if w.netns != "" {
		return true
	}
	now := w.a.cfg.Clock.Now()
	if now.Before(w.netRetry) {
		return false
	}
	ns, ip, err := w.a.cfg.Network.Attach(ctx, w.uid, pod.Namespace+"_"+pod.Name)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if w.netErr == nil || w.netErr.Error() != err.Error() {
			w.a.events.Eventf(pod, api.EventTypeWarning, "FailedCreatePodSandBox",
				"Failed to create pod sandbox: %v", err)
		}
		w.netErr, w.netRetry = err, now.Add(time.Second)
		return false
	}
	w.netns, w.ip, w.netErr = ns, ip, nil
	w.startTime = now
	if st := pod.Status.StartTime; st != nil && !st.IsZero() {
		w.startTime = st.Time // an adopted pod keeps its start
	}
	return true
}

// runInit runs the init containers in order (sidecars are started and
// left running); true once all have done their part.
func (w *worker) runInit(ctx context.Context, pod *api.Pod) bool {
	for _, c := range w.init {
		if c.sidecar {
			c.ensure(ctx, pod)
			if !c.isStarted() {
				return false
			}
			continue
		}
		switch {
		case c.succeeded():
			continue
		case c.running:
			return false
		case c.attempts > 0 && restartPolicy(pod) == api.RestartPolicyNever:
			w.initFailed = true
			return false
		default:
			c.ensure(ctx, pod)
			return false
		}
	}
	return true
}

// resumeProbes starts the probes of containers adopted from an earlier
// run, once the network has given the pod its address back.
func (w *worker) resumeProbes(ctx context.Context, pod *api.Pod) {
	if w.netns == "" {
		return
	}
	for _, c := range w.all() {
		if c.running && c.probes == nil {
			c.probes = startProbes(ctx, c, pod)
		}
	}
}

// restartUnhealthy stops the containers whose liveness or startup probe
// failed; the restart policy then decides what follows.
func (w *worker) restartUnhealthy(ctx context.Context, pod *api.Pod) {
	for _, c := range w.all() {
		if !c.running || c.probes == nil || c.probes.killReason() == "" {
			continue
		}
		w.a.events.Eventf(pod, api.EventTypeNormal, "Killing", "Container %s %s, will be restarted",
			c.spec.Name, c.probes.killReason())
		c.stop(ctx, time.Duration(gracePeriod(pod))*time.Second, "")
		c.refresh(ctx)
	}
}

// refresh reads each started container's process state.
func (w *worker) refresh(ctx context.Context) {
	for _, c := range w.all() {
		c.refresh(ctx)
	}
}

func (w *worker) all() []*ctr {
	return append(append([]*ctr(nil), w.init...), w.main...)
}

// finish stops what still runs in a pod that reached a final phase
// (sidecars) within its grace period and releases its address;
// containers stay for their logs.
func (w *worker) finish(ctx context.Context, pod *api.Pod) {
	if w.finished {
		return
	}
	w.finished = true
	for _, c := range w.all() {
		c.stop(ctx, time.Duration(gracePeriod(pod))*time.Second, "")
	}
	w.detach()
}

func (w *worker) detach() {
	if w.detached || w.netns == "" {
		return
	}
	if err := w.a.cfg.Network.Detach(w.uid); err != nil {
		w.a.cfg.Logf("pod %s: detach network: %v", w, err)
		return
	}
	w.detached = true
}

// terminate is graceful deletion: stop the containers within the grace
// period, report them terminated, clean up and delete the pod for good.
func (w *worker) terminate(ctx context.Context, pod *api.Pod) {
	grace := time.Duration(gracePeriod(pod)) * time.Second
	w.stopAll(ctx, grace, "Killing")
	w.refresh(ctx)
	w.writeStatus(ctx, pod, w.status(pod))
	w.teardown(ctx, 0)
	zero := int64(0)
	opts := registry.DeleteOptions{}
	opts.GracePeriodSeconds, opts.UID = &zero, pod.UID
	if _, _, err := w.a.cfg.Client.Delete(ctx, podKind, pod.Namespace, pod.Name, opts); err != nil &&
		!errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		w.a.cfg.Logf("pod %s/%s: final delete: %v", pod.Namespace, pod.Name, err)
	}
}

// stopAll stops the containers (in parallel, as the kubelet does) within grace.
func (w *worker) stopAll(ctx context.Context, grace time.Duration, reason string) {
	var wg sync.WaitGroup
	for _, c := range w.all() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.stop(ctx, grace, reason)
		}()
	}
	wg.Wait()
}

// teardown stops and removes every container and the network namespace.
func (w *worker) teardown(ctx context.Context, grace time.Duration) {
	w.stopAll(ctx, grace, "")
	for _, c := range w.all() {
		c.removeAll(ctx)
	}
	w.detach()
	if w.netns == "" {
		// Never attached in this process, but a previous one may have.
		if err := w.a.cfg.Network.Detach(w.uid); err != nil {
			w.a.cfg.Logf("pod %s: detach network: %v", w, err)
		}
	}
}

func (w *worker) stopProbes() {
	for _, c := range w.all() {
		c.stopProbes()
	}
}

// gracePeriod is the pod's deletion grace period, else its spec's, else 30 s.
func gracePeriod(p *api.Pod) int64 {
	switch {
	case p.DeletionGracePeriodSeconds != nil:
		return *p.DeletionGracePeriodSeconds
	case p.Spec.TerminationGracePeriodSeconds != nil:
		return *p.Spec.TerminationGracePeriodSeconds
	}
	return 30
}

func restartPolicy(p *api.Pod) api.RestartPolicy {
	if p.Spec.RestartPolicy == "" {
		return api.RestartPolicyAlways
	}
	return p.Spec.RestartPolicy
}

func (w *worker) String() string { return fmt.Sprintf("%s/%s", w.namespace, w.name) }
