package namespace

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// The namespace condition types and reasons, as Kubernetes names them.
const (
	ConditionContentRemaining    = "NamespaceContentRemaining"
	ConditionContentFailure      = "NamespaceDeletionContentFailure"
	ConditionFinalizersRemaining = "NamespaceFinalizersRemaining"
)

// summary is what one deletion pass over a namespace found.
type summary struct {
	left       map[string]int // resource → objects still there
	finalizers map[string]int // finalizer → objects it still holds
	errs       []error
}

func (s *summary) remaining() bool { return len(s.left) > 0 }
func (s *summary) failed() bool    { return len(s.errs) > 0 }

// deleteContent deletes every object of every namespaced kind in the
// namespace and tallies what is still there.
func (c *Controller) deleteContent(ctx context.Context, namespace string) *summary {
	sum := &summary{left: map[string]int{}, finalizers: map[string]int{}}
	for _, k := range c.kinds {
		res, err := c.client.List(ctx, k, store.ListOptions{Namespace: namespace})
		if err != nil {
			sum.errs = append(sum.errs, fmt.Errorf("list %s: %w", k.GroupResource(), err))
			continue
		}
		for _, o := range res.Items {
			c.deleteOne(ctx, k, o, sum)
		}
	}
	return sum
}

// deleteOne deletes one object (a pod no node runs with no grace, since
// nothing would ever finish it) and records it if it remains.
func (c *Controller) deleteOne(ctx context.Context, k *api.Kind, o api.Object, sum *summary) {
	m := o.GetObjectMeta()
	opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: m.UID},
		PropagationPolicy: registry.PropagationBackground}
	p, isPod := o.(*api.Pod)
	unscheduled := isPod && p.Spec.NodeName == ""
	if unscheduled {
		opts.GracePeriodSeconds = new(int64(0))
	}
	gone := false
	if m.DeletionTimestamp == nil || unscheduled {
		var err error
		_, gone, err = c.client.Delete(ctx, k, m.Namespace, m.Name, opts)
		if registry.IsNotFound(err) {
			return
		}
		if err != nil {
			sum.errs = append(sum.errs, fmt.Errorf("delete %s %s: %w", k.GroupResource(), m.Key(), err))
		}
	}
	if gone {
		return
	}
	sum.left[k.GroupResource()]++
	for _, f := range m.Finalizers {
		sum.finalizers[f]++
	}
}

// writeConditions records the pass's outcome in the namespace's status,
// writing only when a condition changes, and returns the namespace as stored.
func (c *Controller) writeConditions(ctx context.Context, ns *api.Namespace, sum *summary) (*api.Namespace, error) {
	next := ns.DeepCopy()
	now := api.NewTime(c.clock.Now())
	changed := false
	for _, cond := range conditionsFor(sum) {
		changed = setCondition(&next.Status, cond, now) || changed
	}
	if !changed {
		return ns, nil
	}
	out, err := c.client.Update(ctx, NamespaceKind, next, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil {
		return nil, fmt.Errorf("write conditions: %w", err)
	}
	return out.(*api.Namespace), nil
}

// conditionsFor turns a pass's summary into the three conditions.
func conditionsFor(sum *summary) []api.NamespaceCondition {
	content := api.NamespaceCondition{Type: ConditionContentRemaining, Status: api.ConditionFalse,
		Reason: "ContentRemoved", Message: "All content successfully removed"}
	if sum.remaining() {
		content.Status, content.Reason = api.ConditionTrue, "SomeResourcesRemain"
		content.Message = "Some resources are remaining: " + tally(sum.left, "resource instances")
	}
	failure := api.NamespaceCondition{Type: ConditionContentFailure, Status: api.ConditionFalse,
		Reason: "ContentDeleted", Message: "All content successfully deleted, may be waiting on finalization"}
	if sum.failed() {
		msgs := make([]string, 0, len(sum.errs))
		for _, e := range sum.errs {
			msgs = append(msgs, e.Error())
		}
		failure.Status, failure.Reason, failure.Message = api.ConditionTrue, "ContentDeletionFailed",
			"Failed to delete all resource types: "+strings.Join(msgs, "; ")
	}
	fin := api.NamespaceCondition{Type: ConditionFinalizersRemaining, Status: api.ConditionFalse,
		Reason: "ContentHasNoFinalizers", Message: "All content-preserving finalizers finished"}
	if len(sum.finalizers) > 0 {
		fin.Status, fin.Reason = api.ConditionTrue, "SomeFinalizersRemain"
		fin.Message = "Some content in the namespace has finalizers remaining: " + tally(sum.finalizers, "resource instances")
	}
	return []api.NamespaceCondition{content, failure, fin}
}

// tally prints counts in key order, as "pods. has 2 resource instances".
func tally(m map[string]int, what string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s has %d %s", k, m[k], what))
	}
	return strings.Join(parts, ", ")
}

// setCondition puts cond into st, keeping the transition time unless the
// status changes, and reports whether anything changed.
func setCondition(st *api.NamespaceStatus, cond api.NamespaceCondition, now api.Time) bool {
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != cond.Type {
			continue
		}
		if old.Status == cond.Status && old.Reason == cond.Reason && old.Message == cond.Message {
			return false
		}
		cond.LastTransitionTime = old.LastTransitionTime
		if old.Status != cond.Status {
			cond.LastTransitionTime = now
		}
		*old = cond
		return true
	}
	cond.LastTransitionTime = now
	st.Conditions = append(st.Conditions, cond)
	return true
}
