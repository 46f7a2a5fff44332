package scheduler

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Diagnosis records why a pod fits nowhere: each rejected node's status and
// the plugins that rejected, so the queue and the pod's condition can say why.
type Diagnosis struct {
	NodeToStatus         framework.NodeToStatus
	UnschedulablePlugins []string
	PreFilterMsg         string
	PostFilterMsg        string
	// Nomination is what a PostFilter (preemption) achieved, nil when nothing.
	Nomination *framework.PostFilterResult

	// rejected holds rejections until settle: most cycles find a node and
	// drop the diagnosis, so the map is built only when it is kept.
	rejected []rejection
}

type rejection struct {
	node string
	st   *framework.Status
}

// addRejection records one node's rejection.
func (d *Diagnosis) addRejection(node string, st *framework.Status) {
	d.rejected = append(d.rejected, rejection{node, st})
	d.addPlugin(st.Plugin())
}

// settle moves the recorded rejections into NodeToStatus, once the
// diagnosis is going to be read.
func (d *Diagnosis) settle() {
	if len(d.rejected) == 0 {
		return
	}
	if d.NodeToStatus == nil {
		d.NodeToStatus = make(framework.NodeToStatus, len(d.rejected))
	}
	for _, r := range d.rejected {
		d.NodeToStatus[r.node] = r.st
	}
	clear(d.rejected) // drop the statuses; the array is reused
	d.rejected = d.rejected[:0]
}

// addPlugin records a rejecting plugin once, keeping the list sorted.
func (d *Diagnosis) addPlugin(p string) {
	if p != "" && !slices.Contains(d.UnschedulablePlugins, p) {
		d.UnschedulablePlugins = append(d.UnschedulablePlugins, p)
		slices.Sort(d.UnschedulablePlugins)
	}
}

// FitError is the error for a pod no node can take; its message follows
// kube-scheduler's "0/3 nodes are available: 1 Insufficient cpu, ..." format.
type FitError struct {
	Pod         *api.Pod
	NumAllNodes int
	Diagnosis   Diagnosis
	// msg caches the message: the condition, the event and the queue all
	// ask for it, and it walks every rejected node.
	msg string
}

// NoNodesMessage is kube-scheduler's message for a cluster without nodes.
const NoNodesMessage = "no nodes available to schedule pods"

// Error builds the message: the reason histogram, sorted, after the node count.
func (f *FitError) Error() string {
	if f.NumAllNodes == 0 {
		return NoNodesMessage
	}
	if f.msg == "" {
		f.msg = f.message()
	}
	return f.msg
}

func (f *FitError) message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "0/%d nodes are available:", f.NumAllNodes)
	if f.Diagnosis.PreFilterMsg != "" {
		fmt.Fprintf(&b, " %s.", f.Diagnosis.PreFilterMsg)
	} else if hist := f.Diagnosis.reasonHistogram(); len(hist) > 0 {
		fmt.Fprintf(&b, " %s.", strings.Join(hist, ", "))
	}
	if f.Diagnosis.PostFilterMsg != "" {
		fmt.Fprintf(&b, " %s.", f.Diagnosis.PostFilterMsg)
	}
	return b.String()
}

// reasonHistogram counts each reason over the rejected nodes, recorded or
// settled, as sorted "N reason" strings.
func (d *Diagnosis) reasonHistogram() []string {
	// Plugins share prebuilt statuses, so counting by status first takes
	// a pointer's hash per node rather than a string's per reason.
	byStatus := map[*framework.Status]int{}
	for _, st := range d.NodeToStatus {
		byStatus[st]++
	}
	for _, r := range d.rejected {
		byStatus[r.st]++
	}
	counts := map[string]int{}
	for st, n := range byStatus {
		for _, r := range st.Reasons() {
			counts[r] += n
		}
	}
	out := make([]string, 0, len(counts))
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, fmt.Sprintf("%d %s", counts[r], r))
	}
	slices.Sort(out)
	return out
}

// Result is one scheduling attempt's outcome for the driver to write back:
// Node set on success, Err (a *FitError when nothing fits) otherwise. After
// a preemption NominatedNodeName is set: the driver deletes Victims and
// sets the pod's status.nominatedNodeName.
type Result struct {
	Pod               *api.Pod
	Node              string
	Err               error
	Attempts          int
	Diagnosis         *Diagnosis
	NominatedNodeName string
	Victims           []*api.Pod
}

// Condition is the PodScheduled condition the driver should set for this
// result, in Kubernetes' wording (reason Unschedulable or SchedulerError).
func (r Result) Condition(now time.Time) api.PodCondition {
	c := api.PodCondition{Type: api.PodScheduled, LastTransitionTime: api.NewTime(now)}
	switch {
	case r.Err == nil:
		c.Status = api.ConditionTrue
	case r.Diagnosis != nil:
		c.Status, c.Reason, c.Message = api.ConditionFalse, "Unschedulable", r.Err.Error()
	default:
		c.Status, c.Reason, c.Message = api.ConditionFalse, "SchedulerError", r.Err.Error()
	}
	return c
}
