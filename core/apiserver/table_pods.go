package apiserver

import (
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// podPrinter prints pods as `kubectl get pods` does.
var podPrinter = printer{
	columns: []column{
		nameColumn,
		{name: "Ready", typ: "string", desc: "The number of ready containers out of all containers."},
		{name: "Status", typ: "string", desc: "The aggregate state of the pod and its containers."},
		{name: "Restarts", typ: "string", desc: "Container restarts, with the time of the last one."},
		ageColumn,
		{name: "IP", typ: "string", desc: "The pod's IP address.", priority: 1},
		{name: "Node", typ: "string", desc: "The node the pod is bound to.", priority: 1},
		{name: "Nominated Node", typ: "string", desc: "The node preemption made room on.", priority: 1},
		{name: "Readiness Gates", typ: "string", desc: "Extra readiness conditions met out of those required.", priority: 1},
	},
	cells: func(obj api.Object, now time.Time) []any {
		p := obj.(*api.Pod)
		ready, total := readyContainers(p)
		return []any{p.Name, fmt.Sprintf("%d/%d", ready, total), PodStatusReason(p), podRestarts(p, now),
			ageSince(p.CreationTimestamp, now), orNone(p.Status.PodIP), orNone(p.Spec.NodeName),
			orNone(p.Status.NominatedNodeName), "<none>"}
	},
}

// readyContainers counts a pod's ready containers and its containers.
func readyContainers(p *api.Pod) (ready, total int) {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready && cs.State.Running != nil {
			ready++
		}
	}
	return ready, len(p.Spec.Containers)
}

// podRestarts is the RESTARTS cell: the total restart count and, when a
// container has restarted, how long ago its last run ended.
func podRestarts(p *api.Pod, now time.Time) string {
	var n int32
	var last time.Time
	for _, cs := range append(append([]api.ContainerStatus(nil), p.Status.InitContainerStatuses...),
		p.Status.ContainerStatuses...) {
		n += cs.RestartCount
		if t := cs.LastState.Terminated; t != nil && t.FinishedAt.After(last) {
			last = t.FinishedAt.Time
		}
	}
	if n == 0 || last.IsZero() {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%s ago)", n, humanAge(now.Sub(last)))
}

// PodStatusReason is the STATUS kubectl shows for a pod, so people see
// the same word here as on Kubernetes: the phase, overridden by the
// pod's reason, an init container's progress ("Init:1/2"), a waiting or
// terminated container's reason, or "Terminating".
func PodStatusReason(p *api.Pod) string {
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	initReason, initializing := initStatus(p)
	if initializing {
		reason = initReason
	} else {
		reason = containersStatus(p, reason)
	}
	if p.DeletionTimestamp != nil {
		if p.Status.Reason == "NodeLost" {
			return string(api.PodUnknown)
		}
		return "Terminating"
	}
	return reason
}

// initStatus reports the first unfinished init container's state as
// "Init:..." and whether the pod is still initialising.
func initStatus(p *api.Pod) (string, bool) {
	for i, cs := range p.Status.InitContainerStatuses {
		switch t, w := cs.State.Terminated, cs.State.Waiting; {
		case t != nil && t.ExitCode == 0:
			continue
		case t != nil && t.Reason != "":
			return "Init:" + t.Reason, true
		case t != nil && t.Signal != 0:
			return fmt.Sprintf("Init:Signal:%d", t.Signal), true
		case t != nil:
			return fmt.Sprintf("Init:ExitCode:%d", t.ExitCode), true
		case w != nil && w.Reason != "" && w.Reason != "PodInitializing":
			return "Init:" + w.Reason, true
		default:
			return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers)), true
		}
	}
	return "", false
}

// containersStatus refines reason from the containers, the last one with
// something to say winning, as kubectl reads them.
func containersStatus(p *api.Pod, reason string) string {
	running := false
	for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
		cs := p.Status.ContainerStatuses[i]
		switch t, w := cs.State.Terminated, cs.State.Waiting; {
		case w != nil && w.Reason != "":
			reason = w.Reason
		case t != nil && t.Reason != "":
			reason = t.Reason
		case t != nil && t.Signal != 0:
			reason = fmt.Sprintf("Signal:%d", t.Signal)
		case t != nil:
			reason = fmt.Sprintf("ExitCode:%d", t.ExitCode)
		case cs.Ready && cs.State.Running != nil:
			running = true
		}
	}
	if reason == "Completed" && running {
		if podReady(p) {
			return string(api.PodRunning)
		}
		return "NotReady"
	}
	return reason
}

// podReady reports whether the pod's Ready condition is True.
func podReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
