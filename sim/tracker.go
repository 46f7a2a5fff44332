package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// PodRecord is one pod's life in virtual seconds from the start of the
// run; a moment that never came is negative.
type PodRecord struct {
	Namespace, Name, UID, Node, Workload         string
	Created, Scheduled, Started, Ready, Finished float64
	// Terminating is when the pod was marked for deletion (a graceful
	// delete the node has yet to confirm).
	Terminating float64
	Phase       string // the last phase seen
	settled     bool   // ready or finished: no longer waited for
}

// tracker watches every commit: it keeps the pods' records and writes the
// ordered trace of changes, whose hash identifies the run.
type tracker struct {
	eng      *Engine
	pods     []*PodRecord // creation order
	byUID    map[string]*PodRecord
	hash     hash.Hash
	out      io.Writer // the trace file; nil keeps only the hash
	line     []byte
	writeErr error
	// unsettled counts pods neither ready nor finished yet.
	unsettled int
}

func newTracker(eng *Engine, out io.Writer) *tracker {
	t := &tracker{eng: eng, byUID: map[string]*PodRecord{}, hash: sha256.New(), out: out}
	// The header is hashed whether or not the trace is written, so the
	// hash is the trace file's, and a run gives it with or without one.
	t.emit([]byte("virtual_ns,revision,type,kind,namespace,name,node,phase\n"))
	return t
}

// observe is the store's commit observer.
func (t *tracker) observe(ev store.Event, prev api.Object) {
	now := t.eng.Elapsed()
	node, phase := "", ""
	if pod, ok := ev.Object.(*api.Pod); ok {
		node, phase = pod.Spec.NodeName, string(pod.Status.Phase)
		t.observePod(ev.Type, pod, now)
	}
	m := ev.Object.GetObjectMeta()
	b := t.line[:0]
	b = strconv.AppendInt(b, int64(now), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, ev.Revision, 10)
	b = append(b, ',')
	b = append(b, ev.Type...)
	b = append(b, ',')
	b = append(b, ev.Object.GetTypeMeta().Kind...)
	for _, s := range [...]string{m.Namespace, m.Name, node, phase} {
		b = append(b, ',')
		b = append(b, s...)
	}
	b = append(b, '\n')
	t.line = b
	t.emit(b)
}

func (t *tracker) emit(b []byte) {
	t.hash.Write(b)
	if t.out != nil && t.writeErr == nil {
		_, t.writeErr = t.out.Write(b)
	}
}

// observePod notes the first moment of each step of a pod's life.
func (t *tracker) observePod(typ store.EventType, pod *api.Pod, now time.Duration) {
	secs := now.Seconds()
	r := t.byUID[string(pod.UID)]
	if r == nil {
		r = &PodRecord{Namespace: pod.Namespace, Name: pod.Name, UID: string(pod.UID),
			Workload: pod.Annotations[scenarios.WorkloadAnnotation],
			Created:  secs, Scheduled: -1, Started: -1, Ready: -1, Finished: -1, Terminating: -1}
		t.byUID[r.UID] = r
		t.pods = append(t.pods, r)
		t.unsettled++
	}
	if pod.Spec.NodeName != "" && r.Scheduled < 0 {
		r.Node, r.Scheduled = pod.Spec.NodeName, secs
	}
	if pod.Status.Phase == api.PodRunning && r.Started < 0 {
		r.Started = secs
	}
	if pod.DeletionTimestamp != nil && r.Terminating < 0 {
		r.Terminating = secs
	}
	if r.Ready < 0 && podReady(pod) {
		r.Ready = secs
	}
	r.Phase = string(pod.Status.Phase)
	if r.Finished < 0 && (typ == store.Deleted || terminal(pod)) {
		r.Finished = secs
	}
	if !r.settled && (r.Ready >= 0 || r.Finished >= 0) {
		r.settled = true
		t.unsettled--
	}
}

// sum is the SHA-256 of the trace so far, in hex.
func (t *tracker) sum() string {
	return hex.EncodeToString(t.hash.Sum(nil))
}

func podReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
