package sim

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/store"
)

// Violation is a broken safety property, with when it was seen.
type Violation struct {
	AtSeconds float64 `json:"at_seconds"`
	Invariant string  `json:"invariant"`
	Message   string  `json:"message"`
}

// The invariants the simulator checks.
const (
	InvBoundTwice        = "pod-bound-once"
	InvOverAllocatable   = "node-within-allocatable"
	InvObjectLost        = "no-object-lost"
	InvAvailabilityFloor = "rolling-update-availability-floor"
)

// invariants checks safety properties on every commit: a pod is bound at
// most once, no node holds more than its allocatable, a rolling update
// never scales down below its availability floor; and at the end, that
// the store holds exactly the objects its changes say it should.
type invariants struct {
	eng    *Engine
	caches *cache.Set
	// floor checks the rolling update availability floor, which needs the
	// controllers' own caches.
	floor      bool
	violations []Violation
	// stopOnViolation ends the run at the first violation.
	stopOnViolation bool
	boundTo         map[string]string   // pod UID -> node
	usage           map[string]*nodeUse // node -> requests of the pods it holds
	live            map[string]int64    // "kind/ns/name" -> revision, from the commits
}

// nodeUse is what a node's pods request, against its allocatable.
type nodeUse struct {
	alloc api.ResourceList
	used  map[string]int64 // resource -> milli-units
	pods  int64
}

func newInvariants(eng *Engine, caches *cache.Set, floor, stop bool) *invariants {
	return &invariants{eng: eng, caches: caches, floor: floor, stopOnViolation: stop, boundTo: map[string]string{},
		usage: map[string]*nodeUse{}, live: map[string]int64{}}
}

func (v *invariants) violate(inv, format string, args ...any) {
	v.violations = append(v.violations, Violation{AtSeconds: v.eng.Elapsed().Seconds(),
		Invariant: inv, Message: fmt.Sprintf(format, args...)})
	if v.stopOnViolation {
		v.eng.Stop()
	}
}

// observe is the commit observer.
func (v *invariants) observe(ev store.Event, prev api.Object) {
	v.trackLive(ev)
	switch o := ev.Object.(type) {
	case *api.Pod:
		var old *api.Pod
		if prev != nil {
			old = prev.(*api.Pod)
		}
		v.checkPod(ev.Type, old, o)
	case *api.Node:
		if ev.Type != store.Deleted {
			v.nodeUse(o.Name).alloc = o.Status.Allocatable
		}
	case *api.ReplicaSet:
		if prev != nil && ev.Type == store.Modified && v.floor {
			v.checkScaleDown(prev.(*api.ReplicaSet), o)
		}
	}
}

func (v *invariants) trackLive(ev store.Event) {
	m := ev.Object.GetObjectMeta()
	key := ev.Object.GetTypeMeta().Kind + "/" + m.Namespace + "/" + m.Name
	if ev.Type == store.Deleted {
		delete(v.live, key)
		return
	}
	v.live[key] = ev.Revision
}

// checkPod checks a pod's binding and its node's room.
func (v *invariants) checkPod(typ store.EventType, old, cur *api.Pod) {
	uid := string(cur.UID)
	if node := cur.Spec.NodeName; node != "" {
		if was, ok := v.boundTo[uid]; ok && was != node {
			v.violate(InvBoundTwice, "pod %s/%s bound to %s and then to %s", cur.Namespace, cur.Name, was, node)
		}
		v.boundTo[uid] = node
	}
	if typ == store.Deleted {
		delete(v.boundTo, uid)
	}
	if old != nil && holds(old) {
		v.nodeUse(old.Spec.NodeName).add(old, -1)
	}
	if typ != store.Deleted && holds(cur) {
		u := v.nodeUse(cur.Spec.NodeName)
		u.add(cur, 1)
		if over := u.over(); over != "" {
			v.violate(InvOverAllocatable, "node %s is over its allocatable %s after pod %s/%s was bound",
				cur.Spec.NodeName, over, cur.Namespace, cur.Name)
		}
	}
}

// holds reports whether a pod takes room on a node: bound and not finished.
func holds(p *api.Pod) bool { return p.Spec.NodeName != "" && !terminal(p) }

func (v *invariants) nodeUse(name string) *nodeUse {
	u := v.usage[name]
	if u == nil {
		u = &nodeUse{used: map[string]int64{}}
		v.usage[name] = u
	}
	return u
}

// add counts (sign 1) or uncounts (-1) a pod's requests, as the scheduler
// sums them: the larger of the containers' sum and any init container.
func (u *nodeUse) add(p *api.Pod, sign int64) {
	u.pods += sign
	for name, q := range podRequests(p) {
		u.used[name] += sign * q
	}
}

// over names the first resource (in name order) that exceeds allocatable.
func (u *nodeUse) over() string {
	if u.alloc == nil {
		return ""
	}
	if q, ok := u.alloc[api.ResourcePods]; ok && u.pods > q.Value() {
		return fmt.Sprintf("pods (%d > %d)", u.pods, q.Value())
	}
	for _, name := range sortedKeys(u.used) {
		q, ok := u.alloc[api.ResourceName(name)]
		if used := u.used[name]; used > 0 && (!ok || used > q.MilliValue()) {
			return fmt.Sprintf("%s (%dm requested)", name, used)
		}
	}
	return ""
}

// podRequests sums a pod's effective requests in milli-units.
func podRequests(p *api.Pod) map[string]int64 {
	out := map[string]int64{}
	for _, c := range p.Spec.Containers {
		for name, q := range c.Resources.Requests {
			out[string(name)] += q.MilliValue()
		}
	}
	for _, c := range p.Spec.InitContainers {
		for name, q := range c.Resources.Requests {
			out[string(name)] = max(out[string(name)], q.MilliValue())
		}
	}
	return out
}

// checkScaleDown checks the deployment controller's promise, in its own
// terms: availability is the sum of the ReplicaSets' availableReplicas as
// the controller sees them in its cache, and scaling an old ReplicaSet
// down (taking its unavailable replicas first) never takes it below
// replicas - maxUnavailable, or below what it was if it already was.
func (v *invariants) checkScaleDown(old, cur *api.ReplicaSet) {
	before, after := replicas(old.Spec.Replicas), replicas(cur.Spec.Replicas)
	ref := cache.ControllerOf(cur)
	if after >= before || ref == nil || ref.Kind != "Deployment" {
		return
	}
	o, ok := v.caches.For(deploymentKind).Get(cur.Namespace, ref.Name)
	if !ok {
		return
	}
	d := o.(*api.Deployment)
	if d.DeletionTimestamp != nil || d.Spec.Strategy.Type == "Recreate" || replicas(d.Spec.Replicas) < before {
		return // a deletion, a recreate or a scale-down of the Deployment itself
	}
	var availBefore, availRS int32
	for _, o := range v.caches.For(replicaSetKind).ByOwner(string(d.UID)) {
		rs := o.(*api.ReplicaSet)
		availBefore += rs.Status.AvailableReplicas
		if rs.UID == cur.UID {
			availRS = rs.Status.AvailableReplicas
		}
	}
	unavailable := max(before-availRS, 0)
	availAfter := availBefore - max(before-after-unavailable, 0)
	floor := replicas(d.Spec.Replicas) - maxUnavailable(d)
	if availAfter < min(floor, availBefore) {
		v.violate(InvAvailabilityFloor, "deployment %s/%s: scaling %s from %d to %d leaves %d available, below the floor %d",
			d.Namespace, d.Name, cur.Name, before, after, availAfter, floor)
	}
}

// maxUnavailable resolves the strategy's maxUnavailable (rounded down, as
// the controller does) against the desired replicas.
func maxUnavailable(d *api.Deployment) int32 {
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxUnavailable == nil {
		return replicas(d.Spec.Replicas) / 4
	}
	n, err := api.ScaledValue(ru.MaxUnavailable, int(replicas(d.Spec.Replicas)), false)
	if err != nil {
		return 0
	}
	return int32(n)
}

// checkStore compares the store's contents with what the commits said it
// holds: any object missing, extra or at another revision is lost.
func (v *invariants) checkStore(ctx context.Context, st store.Store) error {
	seen := map[string]bool{}
	for _, kind := range api.Kinds() {
		res, err := st.List(ctx, kind, store.ListOptions{})
		if err != nil {
			return fmt.Errorf("invariants: list %s: %w", kind.Kind, err)
		}
		for _, obj := range res.Items {
			m := obj.GetObjectMeta()
			key := kind.Kind + "/" + m.Namespace + "/" + m.Name
			seen[key] = true
			if rev, ok := v.live[key]; !ok || fmt.Sprint(rev) != m.ResourceVersion {
				v.violate(InvObjectLost, "%s is in the store at revision %s but its commits say %d", key, m.ResourceVersion, rev)
			}
		}
	}
	for _, key := range sortedKeys(v.live) {
		if !seen[key] {
			v.violate(InvObjectLost, "%s was committed (revision %d) but is not in the store", key, v.live[key])
		}
	}
	return nil
}
