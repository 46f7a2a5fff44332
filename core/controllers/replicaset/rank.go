package replicaset

import (
	"cmp"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
)

// podsToDelete picks the n pods to delete first, in the order Kubernetes
// ranks them: those that cost the least to lose go first.
func podsToDelete(pods []*api.Pod, n int) []*api.Pod {
	ranked := slices.Clone(pods)
	slices.SortStableFunc(ranked, compareForDeletion)
	return ranked[:min(n, len(ranked))]
}

// compareForDeletion orders a before b (negative) when a should be deleted
// first: unscheduled before scheduled; Pending before Unknown before
// Running; not ready before ready; of two ready pods the one ready more
// recently; more container restarts; newer; and finally by name, so the
// order never depends on input order.
func compareForDeletion(a, b *api.Pod) int {
	if c := cmp.Compare(boolRank(a.Spec.NodeName != ""), boolRank(b.Spec.NodeName != "")); c != 0 {
		return c
	}
	if c := cmp.Compare(phaseRank(a.Status.Phase), phaseRank(b.Status.Phase)); c != 0 {
		return c
	}
	ra, rb := controllers.IsPodReady(a), controllers.IsPodReady(b)
	if c := cmp.Compare(boolRank(ra), boolRank(rb)); c != 0 {
		return c
	}
	if ra && rb {
		if c := readyTime(b).Compare(readyTime(a)); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(maxRestarts(b), maxRestarts(a)); c != 0 {
		return c
	}
	if c := b.CreationTimestamp.Compare(a.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// phaseRank orders phases by how little is lost deleting a pod in them.
func phaseRank(p api.PodPhase) int {
	switch p {
	case api.PodPending:
		return 0
	case api.PodUnknown:
		return 1
	case api.PodRunning:
		return 2
	}
	return 0 // an unset phase is as young as Pending
}

// readyTime is when the pod last became ready.
func readyTime(p *api.Pod) time.Time {
	if c := controllers.PodReadyCondition(p); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// maxRestarts is the highest restart count among the pod's containers.
func maxRestarts(p *api.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n = max(n, s.RestartCount)
	}
	return n
}
