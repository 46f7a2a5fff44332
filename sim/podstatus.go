package sim

import (
	"context"
	"errors"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// writeStatus posts the pod's status as its node sees it; a partitioned
// node holds the write back until it can reach the control plane again.
func (f *fleet) writeStatus(sp *simPod) {
	if sp.node.state == nodePartitioned {
		sp.dirty = true
		return
	}
	sp.dirty = false
	ctx := context.Background()
	o, err := f.api.Get(ctx, podKind, sp.namespace, sp.name)
	if err != nil || string(o.GetObjectMeta().UID) != sp.uid {
		return // deleted meanwhile: the watch will tell the node
	}
	pod := o.(*api.Pod).DeepCopy()
	f.fillStatus(sp, &pod.Status)
	_, err = f.api.Update(ctx, podKind, pod, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		f.writeErrors++
	}
}

// fillStatus sets the fields a kubelet owns; the scheduler's and the
// controllers' conditions (PodScheduled, DisruptionTarget) stay.
func (f *fleet) fillStatus(sp *simPod, st *api.PodStatus) {
	now := api.NewTime(f.eng.Now())
	st.Phase = sp.phase()
	st.HostIP, st.PodIP = hostIP(sp.node.index), sp.ip
	st.HostIPs, st.PodIPs = []api.HostIP{{IP: st.HostIP}}, []api.PodIP{{IP: sp.ip}}
	if st.StartTime == nil {
		t := api.NewTime(sp.admitted)
		st.StartTime = &t
	}
	ready := sp.ready && sp.state == podRunning
	initialized := api.ConditionTrue
	setPodCondition(st, api.PodReadyToStartContainers, boolStatus(sp.state != podExited), now)
	setPodCondition(st, api.PodInitialized, initialized, now)
	setPodCondition(st, api.ContainersReady, boolStatus(ready), now)
	setPodCondition(st, api.PodReady, boolStatus(ready), now)
	st.ContainerStatuses = st.ContainerStatuses[:0]
	for _, c := range sp.pod.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, sp.containerStatus(c))
	}
}

// phase is the pod phase for the node's state of the pod.
func (sp *simPod) phase() api.PodPhase {
	switch {
	case sp.state == podCreating:
		return api.PodPending
	case sp.state != podExited:
		return api.PodRunning
	case sp.exitCode == 0:
		return api.PodSucceeded
	}
	return api.PodFailed
}

// containerStatus is one container's status; a simulated pod's containers
// move together.
func (sp *simPod) containerStatus(c api.Container) api.ContainerStatus {
	started := sp.state == podRunning
	cs := api.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: "sim://" + c.Image,
		ContainerID: "sim://" + sp.uid + "/" + c.Name, Ready: sp.ready && started,
		RestartCount: sp.restarts, Started: &started}
	startedAt := api.NewTime(sp.started)
	switch sp.state {
	case podCreating:
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating"}
	case podRunning:
		cs.State.Running = &api.ContainerStateRunning{StartedAt: startedAt}
	case podBackoff:
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}
		cs.LastState.Terminated = sp.terminated(startedAt)
	default:
		cs.State.Terminated = sp.terminated(startedAt)
	}
	return cs
}

func (sp *simPod) terminated(startedAt api.Time) *api.ContainerStateTerminated {
	reason := "Completed"
	if sp.exitCode != 0 {
		reason = "Error"
	}
	return &api.ContainerStateTerminated{ExitCode: sp.exitCode, Reason: reason, StartedAt: startedAt}
}

// setPodCondition sets a condition, moving its transition time only when
// its status changes.
func setPodCondition(st *api.PodStatus, typ api.PodConditionType, status api.ConditionStatus, now api.Time) {
	for i := range st.Conditions {
		c := &st.Conditions[i]
		if c.Type == typ {
			if c.Status != status {
				c.Status, c.LastTransitionTime = status, now
			}
			return
		}
	}
	st.Conditions = append(st.Conditions, api.PodCondition{Type: typ, Status: status, LastTransitionTime: now})
}

func boolStatus(b bool) api.ConditionStatus {
	if b {
		return api.ConditionTrue
	}
	return api.ConditionFalse
}
