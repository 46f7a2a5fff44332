package sim

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/scenarios"
)

// RunSecondsAnnotation gives one pod its own run time (trace replay),
// overriding its lifecycle's RunTime.
const RunSecondsAnnotation = "kubetwin.io/run-seconds"

// Back-off of a crashing container, as the kubelet's: 10 s doubling to 5 min.
const (
	crashBackoffBase = 10 * time.Second
	crashBackoffMax  = 5 * time.Minute
)

// podState is where a pod is in its life on a simulated node.
type podState int

const (
	podCreating    podState = iota // pulling the image and starting containers
	podRunning                     // containers running (ready or not)
	podBackoff                     // a container crashed and waits to restart
	podExited                      // Succeeded or Failed: done for good
	podTerminating                 // deleted: stopping within its grace period
)

// simPod is a pod a simulated node runs.
type simPod struct {
	uid, namespace, name string
	node                 *simNode
	lc                   *lifecycle
	runTime              scenarios.Dist
	pod                  *api.Pod // the latest version the node has seen
	gen                  uint64   // bumped to cancel the pod's pending steps
	state                podState
	ready                bool
	restarts             int32
	exitCode             int32
	admitted, started    time.Time
	ip                   string
	dirty                bool // a status write was held back by a partition
	finite               bool // counted in fleet.finite: runs for a set time and has not ended
}

// onPod is the nodes' view of the pod watch: a bound pod is admitted by
// its node, a deleted one stopped, a removed one forgotten.
func (f *fleet) onPod(old, cur api.Object) {
	if cur == nil {
		f.forget(old.(*api.Pod))
		return
	}
	pod := cur.(*api.Pod)
	n := f.byName[pod.Spec.NodeName]
	if n == nil || n.state != nodeUp {
		return // unbound, not ours, or the node cannot see the change now
	}
	f.sync(n, pod)
}

// sync brings the node's handling of one pod in line with the pod object.
func (f *fleet) sync(n *simNode, pod *api.Pod) {
	sp := f.pods[string(pod.UID)]
	if sp == nil {
		switch {
		case pod.DeletionTimestamp != nil:
			f.confirmDeletion(pod.Namespace, pod.Name, string(pod.UID))
		case !terminal(pod):
			f.admit(n, pod)
		}
		return
	}
	sp.pod = pod
	if pod.DeletionTimestamp != nil && sp.state != podTerminating {
		f.terminate(sp)
	}
}

// admit starts a newly bound pod: the image pull and the containers' start.
func (f *fleet) admit(n *simNode, pod *api.Pod) {
	sp := &simPod{uid: string(pod.UID), namespace: pod.Namespace, name: pod.Name, node: n, pod: pod,
		lc: f.lifecycleOf(pod), admitted: f.eng.Now(), ip: n.podIP()}
	sp.runTime = sp.lc.RunTime
	if s, ok := pod.Annotations[RunSecondsAnnotation]; ok {
		if secs, err := strconv.ParseFloat(s, 64); err == nil {
			sp.runTime = scenarios.Constant(time.Duration(secs * float64(time.Second)))
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		sp.restarts = max(sp.restarts, cs.RestartCount)
	}
	if pod.Status.Phase == api.PodRunning {
		sp.restarts++ // a node back from a crash starts the pod's containers again
	}
	f.pods[sp.uid] = sp
	n.pods[sp.uid] = sp
	if !sp.runTime.IsZero() {
		sp.finite = true
		f.finite++
	}
	f.after(sp, f.draw(sp, sp.lc.ImagePull)+f.draw(sp, sp.lc.Start), f.containersStarted)
}

// draw samples a lifecycle duration, stretched on a slow node.
func (f *fleet) draw(sp *simPod, d scenarios.Dist) time.Duration {
	return time.Duration(float64(d.Sample(f.r)) * sp.node.slow)
}

// after runs step for sp after d unless the pod moved on meanwhile (a
// crash of its node, its deletion).
func (f *fleet) after(sp *simPod, d time.Duration, step func(*simPod)) {
	gen := sp.gen
	f.eng.Schedule(d, func() {
		if sp.gen == gen && sp.node.state != nodeDown {
			step(sp)
		}
	})
}

func (f *fleet) containersStarted(sp *simPod) {
	sp.state, sp.started = podRunning, f.eng.Now()
	sp.ready = sp.lc.Ready.IsZero()
	f.writeStatus(sp)
	if !sp.ready {
		f.after(sp, f.draw(sp, sp.lc.Ready), func(sp *simPod) {
			sp.ready = true
			f.writeStatus(sp)
		})
	}
	run := time.Duration(-1)
	if !sp.runTime.IsZero() {
		run = f.draw(sp, sp.runTime)
	}
	if sp.lc.CrashMTBF > 0 {
		crash := time.Duration(f.r.ExpFloat64() * float64(sp.lc.CrashMTBF))
		if run < 0 || crash < run {
			f.after(sp, crash, func(sp *simPod) { f.containersExited(sp, 137) })
			return
		}
	}
	if run >= 0 {
		f.after(sp, run, func(sp *simPod) { f.containersExited(sp, f.exitCode(sp)) })
	}
}

func (f *fleet) exitCode(sp *simPod) int32 {
	if sp.lc.FailProbability > 0 && f.r.Float64() < sp.lc.FailProbability {
		return 1
	}
	return 0
}

// containersExited applies the pod's restartPolicy to its containers' exit.
func (f *fleet) containersExited(sp *simPod, code int32) {
	sp.gen++ // drop the pending readiness step
	sp.ready, sp.exitCode = false, code
	policy := sp.pod.Spec.RestartPolicy
	if policy == api.RestartPolicyNever || (policy == api.RestartPolicyOnFailure && code == 0) {
		sp.state = podExited
		f.ended(sp)
		f.writeStatus(sp)
		return
	}
	sp.state = podBackoff
	sp.restarts++
	f.writeStatus(sp)
	backoff := min(crashBackoffBase<<min(sp.restarts-1, 10), crashBackoffMax)
	f.after(sp, backoff+f.draw(sp, sp.lc.Start), f.containersStarted)
}

// terminate stops a deleted pod within its grace period, then confirms
// the deletion as the kubelet does.
func (f *fleet) terminate(sp *simPod) {
	sp.gen++
	wasRunning := sp.state == podRunning || sp.state == podBackoff
	sp.state = podTerminating
	var stop time.Duration
	if wasRunning {
		stop = f.draw(sp, sp.lc.Terminate)
		if g := sp.pod.Spec.TerminationGracePeriodSeconds; g != nil {
			stop = min(stop, time.Duration(*g)*time.Second)
		}
	}
	f.after(sp, stop, func(sp *simPod) { f.confirmDeletion(sp.namespace, sp.name, sp.uid) })
}

// confirmDeletion removes a stopped pod's object (grace period 0, for
// this UID only, so a new pod of the same name is never touched).
func (f *fleet) confirmDeletion(namespace, name, uid string) {
	zero := int64(0)
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{GracePeriodSeconds: &zero, UID: uid}}
	_, _, err := f.api.Delete(context.Background(), podKind, namespace, name, opts)
	if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
		f.writeErrors++
	}
}

// forget drops a pod whose object is gone.
func (f *fleet) forget(pod *api.Pod) {
	sp := f.pods[string(pod.UID)]
	if sp == nil {
		return
	}
	sp.gen++
	f.ended(sp)
	delete(f.pods, sp.uid)
	delete(sp.node.pods, sp.uid)
}

// ended stops counting a pod with a run time as still running.
func (f *fleet) ended(sp *simPod) {
	if sp.finite {
		sp.finite = false
		f.finite--
	}
}

func terminal(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}
