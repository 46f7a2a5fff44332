package agent

import (
	"context"
	"errors"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// statusRetries bounds the re-reads after a concurrent change to the pod.
const statusRetries = 3

// status is the pod's status as this node sees it; conditions that others
// own (PodScheduled, DisruptionTarget) are kept from the pod.
func (w *worker) status(pod *api.Pod) api.PodStatus {
	st := api.PodStatus{Phase: w.phase(pod), HostIP: w.a.cfg.Address, QOSClass: pod.Status.QOSClass,
		HostIPs: []api.HostIP{{IP: w.a.cfg.Address}}, NominatedNodeName: pod.Status.NominatedNodeName}
	if w.ip.IsValid() && !w.detached {
		st.PodIP, st.PodIPs = w.ip.String(), []api.PodIP{{IP: w.ip.String()}}
	}
	if !w.startTime.IsZero() {
		t := api.NewTime(w.startTime)
		st.StartTime = &t
	}
	for _, c := range w.init {
		st.InitContainerStatuses = append(st.InitContainerStatuses, c.status())
	}
	for _, c := range w.main {
		st.ContainerStatuses = append(st.ContainerStatuses, c.status())
	}
	st.Conditions = w.conditions(pod, st)
	if w.netErr != nil && w.netns == "" {
		st.Reason, st.Message = "FailedCreatePodSandBox", "network: "+w.netErr.Error()
	}
	return st
}

// phase follows Kubernetes: Pending until every container has started,
// Succeeded or Failed once none runs or will run again, else Running.
func (w *worker) phase(pod *api.Pod) api.PodPhase {
	if w.initFailed {
		return api.PodFailed
	}
	policy := restartPolicy(pod)
	started, running, failed := 0, 0, 0
	for _, c := range w.main {
		if c.attempts > 0 {
			started++
		}
		switch {
		case c.running, c.exited && c.wantsRestart(policy):
			running++
		case c.exited && c.exitCode != 0:
			failed++
		}
	}
	switch {
	case started < len(w.main):
		return api.PodPending
	case running > 0:
		return api.PodRunning
	case failed > 0:
		return api.PodFailed
	}
	return api.PodSucceeded
}

// status is one container's entry in the pod's status.
func (c *ctr) status() api.ContainerStatus {
	cs := api.ContainerStatus{Name: c.spec.Name, Image: c.spec.Image, RestartCount: int32(max(0, c.attempts-1))}
	if c.id != "" {
		cs.ContainerID = containerPrefix + c.id
	}
	started := c.isStarted()
	cs.Started = &started
	switch {
	case c.running:
		cs.State.Running = &api.ContainerStateRunning{StartedAt: api.NewTime(c.startedAt)}
		cs.Ready = started && (c.probes == nil || c.probes.isReady())
		cs.LastState.Terminated = c.last
	case c.exited && c.waiting == "":
		cs.State.Terminated = c.terminated()
		cs.LastState.Terminated = c.last
	case c.exited: // waiting to be restarted
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: c.waiting, Message: c.waitMsg}
		cs.LastState.Terminated = c.terminated()
	default:
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: c.waiting, Message: c.waitMsg}
		cs.LastState.Terminated = c.last
	}
	return cs
}

func (c *ctr) terminated() *api.ContainerStateTerminated {
	return &api.ContainerStateTerminated{ExitCode: c.exitCode, Reason: c.reason, Message: c.message,
		StartedAt: api.NewTime(c.startedAt), FinishedAt: api.NewTime(c.finishedAt), ContainerID: containerPrefix + c.id}
}

// conditions are the kubelet's: sandbox ready, initialized, containers
// ready and ready, with their transition times kept while they hold.
func (w *worker) conditions(pod *api.Pod, st api.PodStatus) []api.PodCondition {
	initDone, ready := true, len(st.ContainerStatuses) > 0
	for _, cs := range st.InitContainerStatuses {
		initDone = initDone && (cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0 || cs.Started != nil && *cs.Started && cs.Ready)
	}
	for _, cs := range st.ContainerStatuses {
		ready = ready && cs.Ready
	}
	if st.Phase == api.PodSucceeded {
		ready = false
	}
	var out []api.PodCondition
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodScheduled || c.Type == api.DisruptionTarget {
			out = append(out, c)
		}
	}
	out = append(out,
		w.condition(pod, api.PodReadyToStartContainers, w.netns != "" && !w.detached, ""),
		w.condition(pod, api.PodInitialized, initDone, "ContainersNotInitialized"),
		w.condition(pod, api.ContainersReady, ready, "ContainersNotReady"),
		w.condition(pod, api.PodReady, ready, "ContainersNotReady"))
	return out
}

func (w *worker) condition(pod *api.Pod, t api.PodConditionType, ok bool, reason string) api.PodCondition {
	c := api.PodCondition{Type: t, Status: api.ConditionFalse, Reason: reason}
	if ok {
		c.Status, c.Reason = api.ConditionTrue, ""
	}
	c.LastTransitionTime = api.NewTime(w.a.cfg.Clock.Now())
	for _, old := range pod.Status.Conditions {
		if old.Type == t && old.Status == c.Status {
			c.LastTransitionTime = old.LastTransitionTime
		}
	}
	return c
}

// writeStatus sends the status when it differs from what the API holds.
func (w *worker) writeStatus(ctx context.Context, pod *api.Pod, st api.PodStatus) {
	w.observe(pod, st)
	for try := 0; try < statusRetries; try++ {
		if reflect.DeepEqual(pod.Status, st) {
			return
		}
		p := pod.DeepCopyObject().(*api.Pod)
		p.Status = st
		_, err := w.a.cfg.Client.Update(ctx, podKind, p, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
		if err == nil || errors.Is(err, store.ErrNotFound) || ctx.Err() != nil {
			return
		}
		if !errors.Is(err, store.ErrConflict) {
			w.a.cfg.Logf("pod %s: write status: %v", w, err)
			return
		}
		obj, err := w.a.cfg.Client.Get(ctx, podKind, pod.Namespace, pod.Name)
		if err != nil || obj.(*api.Pod).UID != w.uid {
			return
		}
		pod = obj.(*api.Pod)
		st.Conditions = w.conditions(pod, st)
	}
}

// observe records the pod's startup latencies once: creation to Running
// and to Ready.
func (w *worker) observe(pod *api.Pod, st api.PodStatus) {
	now := w.a.cfg.Clock.Now()
	if st.Phase == api.PodRunning && w.runningAt.IsZero() {
		w.runningAt = now
		w.a.m.startup.WithLabelValues("running").Observe(now.Sub(w.createdAt).Seconds())
	}
	for _, c := range st.Conditions {
		if c.Type == api.PodReady && c.Status == api.ConditionTrue && w.readyAt.IsZero() {
			w.readyAt = now
			w.a.m.startup.WithLabelValues("ready").Observe(now.Sub(w.createdAt).Seconds())
		}
	}
}
