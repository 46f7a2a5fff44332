package deployment

import (
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
)

// The annotations the Deployment controller keeps on its ReplicaSets, as
// Kubernetes names them.
const (
	// DesiredReplicasAnnotation is the Deployment's spec.replicas when the
	// ReplicaSet was last scaled, so a resize can be detected.
	DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	// MaxReplicasAnnotation is replicas+maxSurge when the ReplicaSet was
	// last scaled, the base of proportional scaling.
	MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas"
	// RevisionHistoryAnnotation lists the earlier revisions a reused
	// ReplicaSet had, so a rollback keeps its history.
	RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"
)

// notCopied are the Deployment annotations that do not belong on its ReplicaSets.
var notCopied = map[string]bool{api.RevisionAnnotation: true, RevisionHistoryAnnotation: true,
	DesiredReplicasAnnotation: true, MaxReplicasAnnotation: true, lastAppliedAnnotation: true}

// revisionOf is the ReplicaSet's revision number, 0 when absent or unparsable.
func revisionOf(rs *api.ReplicaSet) int64 {
	v, err := strconv.ParseInt(rs.Annotations[api.RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// maxRevision is the highest revision among rss.
func maxRevision(rss []*api.ReplicaSet) int64 {
	var m int64
	for _, rs := range rss {
		m = max(m, revisionOf(rs))
	}
	return m
}

// setAnnotation sets m[k]=v on *m, reporting whether anything changed.
func setAnnotation(m *map[string]string, k, v string) bool {
	if cur, ok := (*m)[k]; ok && cur == v {
		return false
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
	return true
}

// setNewRSAnnotations copies d's annotations (such as change-cause) onto
// the new ReplicaSet rs, raises its revision to newRevision (remembering
// the one it had), and, for a ReplicaSet being created, records the
// replica annotations; it reports whether rs changed.
func setNewRSAnnotations(d *api.Deployment, rs *api.ReplicaSet, newRevision int64, exists bool, maxSurge int32) bool {
	changed := false
	for k, v := range d.Annotations {
		if !notCopied[k] && setAnnotation(&rs.Annotations, k, v) {
			changed = true
		}
	}
	if old := revisionOf(rs); old < newRevision {
		if prev := rs.Annotations[api.RevisionAnnotation]; prev != "" {
			hist := rs.Annotations[RevisionHistoryAnnotation]
			setAnnotation(&rs.Annotations, RevisionHistoryAnnotation, strings.TrimPrefix(hist+","+prev, ","))
		}
		setAnnotation(&rs.Annotations, api.RevisionAnnotation, strconv.FormatInt(newRevision, 10))
		changed = true
	}
	if !exists && setReplicasAnnotations(rs, replicas(d), replicas(d)+maxSurge) {
		changed = true
	}
	return changed
}

// setReplicasAnnotations records desired and max replicas on rs,
// reporting whether either changed.
func setReplicasAnnotations(rs *api.ReplicaSet, desired, maxReplicas int32) bool {
	a := setAnnotation(&rs.Annotations, DesiredReplicasAnnotation, strconv.Itoa(int(desired)))
	b := setAnnotation(&rs.Annotations, MaxReplicasAnnotation, strconv.Itoa(int(maxReplicas)))
	return a || b
}

// intAnnotation reads an integer annotation of rs.
func intAnnotation(rs *api.ReplicaSet, key string) (int32, bool) {
	v, err := strconv.ParseInt(rs.Annotations[key], 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(v), true
}

// setDeploymentRevision records revision on d, reporting whether it changed.
func setDeploymentRevision(d *api.Deployment, revision string) bool {
	if revision == "" {
		return false
	}
	return setAnnotation(&d.Annotations, api.RevisionAnnotation, revision)
}
