package nodelifecycle

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// The reasons and messages of conditions the controller marks Unknown, as
// Kubernetes words them.
const (
	ReasonNodeStatusUnknown      = "NodeStatusUnknown"
	MessageNodeStatusUnknown     = "Kubelet stopped posting node status."
	ReasonNodeStatusNeverUpdated = "NodeStatusNeverUpdated"
	MessageNodeStatusNeverPosted = "Kubelet never posted node status."
)

// noExecPolicy says what may happen to an unhealthy node's NoExecute taint.
type noExecPolicy struct {
	strip bool                   // full disruption everywhere: no NoExecute taints at all
	grant func(zone string) bool // may a node in zone get a new one now? nil: never
}

// keepNoExecute keeps (or swaps) existing NoExecute taints but adds none,
// for per-node reconciles, which don't see the zones.
var keepNoExecute = noExecPolicy{}

// syncNode brings one node's conditions and taints up to date and evicts
// the pods its NoExecute taints no longer allow; the duration is when the
// next toleration runs out (0: none pending).
func (c *Controller) syncNode(ctx context.Context, n *api.Node, now time.Time, p noExecPolicy, pods podsByNode) (time.Duration, error) {
	n, err := c.syncConditions(ctx, n, now)
	if err != nil {
		return 0, err
	}
	if n, err = c.syncTaints(ctx, n, now, p); err != nil {
		return 0, err
	}
	if c.becameNotReady(n) {
		if err := c.markPodsNotReady(ctx, n, now, pods); err != nil {
			c.forgetReady(n.Name) // try again on the next pass
			return 0, err
		}
	}
	return c.evictPods(ctx, n, now, pods)
}

// becameNotReady reports whether the node's Ready status has left True
// since the controller last looked, as Kubernetes' controller compares
// the observed and the current condition: pods are marked once, on the
// transition, not on every pass.
func (c *Controller) becameNotReady(n *api.Node) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, before := readyStatus(n), c.lastReady[n.Name]
	c.lastReady[n.Name] = now
	return now != api.ConditionTrue && before != now
}

func (c *Controller) forgetReady(node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.lastReady, node)
}

// leaseExpired reports whether the node's heartbeat is older than the
// grace period; a node without a lease counts from its creation.
func (c *Controller) leaseExpired(n *api.Node, now time.Time) bool {
	last := n.CreationTimestamp.Time
	if o, ok := c.leaseCache.Get(api.NamespaceNodeLease, n.Name); ok {
		l := o.(*api.Lease)
		last = l.CreationTimestamp.Time
		switch {
		case l.Spec.RenewTime != nil:
			last = l.Spec.RenewTime.Time
		case l.Spec.AcquireTime != nil:
			last = l.Spec.AcquireTime.Time
		}
	}
	return now.Sub(last) > c.GracePeriod
}

// effectiveReady is the node's Ready status as the controller will leave
// it this pass: Unknown once the lease has expired.
func (c *Controller) effectiveReady(n *api.Node, now time.Time) api.ConditionStatus {
	if c.leaseExpired(n, now) {
		return api.ConditionUnknown
	}
	return readyStatus(n)
}

// readyStatus is the node's Ready condition status; a node without one is Unknown.
func readyStatus(n *api.Node) api.ConditionStatus {
	for _, cond := range n.Status.Conditions {
		if cond.Type == api.NodeReady {
			return cond.Status
		}
	}
	return api.ConditionUnknown
}

// syncConditions marks the node's kubelet-owned conditions Unknown when its
// lease has expired, returning the node as stored.
func (c *Controller) syncConditions(ctx context.Context, n *api.Node, now time.Time) (*api.Node, error) {
	if !c.leaseExpired(n, now) {
		return n, nil
	}
	next := n.DeepCopy()
	if !markUnknown(next, now) {
		return n, nil
	}
	out, err := c.client.Update(ctx, NodeKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil {
		return nil, fmt.Errorf("mark conditions unknown: %w", err)
	}
	if readyStatus(n) != api.ConditionUnknown {
		c.Events.Eventf(n, api.EventTypeNormal, "NodeNotReady", "Node %s status is now: NodeNotReady", n.Name)
	}
	return out.(*api.Node), nil
}

// markUnknown sets every condition the kubelet posts (all but
// NetworkUnavailable) to Unknown, adding Ready if the kubelet never posted
// it, and reports whether anything changed.
func markUnknown(n *api.Node, now time.Time) bool {
	changed, sawReady := false, false
	for i := range n.Status.Conditions {
		cond := &n.Status.Conditions[i]
		sawReady = sawReady || cond.Type == api.NodeReady
		if cond.Type == api.NodeNetworkUnavailable || cond.Status == api.ConditionUnknown {
			continue
		}
		cond.Status, cond.Reason, cond.Message = api.ConditionUnknown, ReasonNodeStatusUnknown, MessageNodeStatusUnknown
		cond.LastTransitionTime = api.NewTime(now)
		changed = true
	}
	if !sawReady {
		n.Status.Conditions = append(n.Status.Conditions, api.NodeCondition{Type: api.NodeReady,
			Status: api.ConditionUnknown, Reason: ReasonNodeStatusNeverUpdated,
			Message: MessageNodeStatusNeverPosted, LastTransitionTime: api.NewTime(now)})
		changed = true
	}
	return changed
}

// syncTaints writes the taints the node's Ready status calls for.
func (c *Controller) syncTaints(ctx context.Context, n *api.Node, now time.Time, p noExecPolicy) (*api.Node, error) {
	want := wantTaints(n, now, p)
	if slices.EqualFunc(want, n.Spec.Taints, sameTaint) {
		return n, nil
	}
	next := n.DeepCopy()
	next.Spec.Taints = want
	out, err := c.client.Update(ctx, NodeKind, next, registry.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("update taints: %w", err)
	}
	return out.(*api.Node), nil
}

// wantTaints keeps the taints the controller doesn't manage and adds the
// not-ready or unreachable ones the Ready status calls for: NoSchedule
// always, NoExecute as the policy allows.
func wantTaints(n *api.Node, now time.Time, p noExecPolicy) []api.Taint {
	var out []api.Taint
	var exec *api.Taint
	for _, t := range n.Spec.Taints {
		switch {
		case !managed(t):
			out = append(out, t)
		case t.Effect == api.TaintEffectNoExecute && exec == nil:
			exec = &t
		}
	}
	key := taintKeyFor(readyStatus(n))
	if key == "" {
		return out
	}
	sched := api.Taint{Key: key, Effect: api.TaintEffectNoSchedule}
	if i := slices.IndexFunc(n.Spec.Taints, func(t api.Taint) bool { return sameKeyEffect(t, sched) }); i >= 0 {
		sched = n.Spec.Taints[i]
	}
	out = append(out, sched)
	if t := noExecTaint(exec, key, zoneOf(n), now, p); t != nil {
		out = append(out, *t)
	}
	return out
}

// noExecTaint is the NoExecute taint an unhealthy node should carry: its
// current one if it has the right key, a swapped one (not rate limited, as
// in Kubernetes) if the other, a new one if the zone grants it.
func noExecTaint(had *api.Taint, key, zone string, now time.Time, p noExecPolicy) *api.Taint {
	if p.strip {
		return nil
	}
	fresh := &api.Taint{Key: key, Effect: api.TaintEffectNoExecute, TimeAdded: new(api.NewTime(now))}
	switch {
	case had != nil && had.Key == key:
		return had
	case had != nil:
		return fresh
	case p.grant != nil && p.grant(zone):
		return fresh
	}
	return nil
}

// taintKeyFor names the taint a Ready status calls for ("" for True).
func taintKeyFor(s api.ConditionStatus) string {
	switch s {
	case api.ConditionTrue:
		return ""
	case api.ConditionFalse:
		return api.TaintNodeNotReady
	}
	return api.TaintNodeUnreachable
}

// managed reports whether the controller owns a taint.
func managed(t api.Taint) bool {
	return (t.Key == api.TaintNodeNotReady || t.Key == api.TaintNodeUnreachable) &&
		(t.Effect == api.TaintEffectNoSchedule || t.Effect == api.TaintEffectNoExecute)
}

func sameKeyEffect(a, b api.Taint) bool { return a.Key == b.Key && a.Effect == b.Effect }

// sameTaint compares taints field by field, timeAdded by value.
func sameTaint(a, b api.Taint) bool {
	if !sameKeyEffect(a, b) || a.Value != b.Value || (a.TimeAdded == nil) != (b.TimeAdded == nil) {
		return false
	}
	return a.TimeAdded == nil || a.TimeAdded.Equal(b.TimeAdded.Time)
}
