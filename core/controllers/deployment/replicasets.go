package deployment

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// errHashCollision asks for a retry after the collision count was raised
// because another object already holds the new ReplicaSet's name.
var errHashCollision = errors.New("pod-template-hash collision")

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against spec.replicas; both zero would deadlock a rollout, so
// maxUnavailable becomes 1 then, as in Kubernetes. Recreate has neither.
func fenceposts(d *api.Deployment) (surge, unavailable int32) {
	ru := d.Spec.Strategy.RollingUpdate
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType || ru == nil {
		return 0, 0
	}
	s, err1 := api.ScaledValue(ru.MaxSurge, int(replicas(d)), true)
	u, err2 := api.ScaledValue(ru.MaxUnavailable, int(replicas(d)), false)
	if err1 != nil || err2 != nil { // validation rejects these; be safe anyway
		s, u = 0, 1
	}
	if s == 0 && u == 0 {
		u = 1
	}
	return int32(s), int32(min(int32(u), replicas(d)))
}

// byCreation orders ReplicaSets oldest first, by name on ties.
func byCreation(a, b *api.ReplicaSet) int {
	if c := a.CreationTimestamp.Compare(b.CreationTimestamp.Time); c != 0 {
		return c
	}
	return cmp.Compare(a.Name, b.Name)
}

// findNewReplicaSet is the oldest ReplicaSet whose template is d's.
func findNewReplicaSet(d *api.Deployment, rsList []*api.ReplicaSet) *api.ReplicaSet {
	sorted := slices.Clone(rsList)
	slices.SortFunc(sorted, byCreation)
	for _, rs := range sorted {
		if equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
			return rs
		}
	}
	return nil
}

// splitReplicaSets separates the new ReplicaSet from the old ones.
func splitReplicaSets(d *api.Deployment, rsList []*api.ReplicaSet) (*api.ReplicaSet, []*api.ReplicaSet) {
	newRS := findNewReplicaSet(d, rsList)
	var old []*api.ReplicaSet
	for _, rs := range rsList {
		if rs != newRS {
			old = append(old, rs)
		}
	}
	return newRS, old
}

// activeReplicaSets are those with replicas wanted.
func activeReplicaSets(rss []*api.ReplicaSet) []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, rs := range rss {
		if rs != nil && rsReplicas(rs) > 0 {
			out = append(out, rs)
		}
	}
	return out
}

// withNew is old plus newRS when there is one.
func withNew(old []*api.ReplicaSet, newRS *api.ReplicaSet) []*api.ReplicaSet {
	all := slices.Clone(old)
	if newRS != nil {
		all = append(all, newRS)
	}
	return all
}

// specReplicas sums spec.replicas over rss.
func specReplicas(rss []*api.ReplicaSet) int32 {
	var n int32
	for _, rs := range rss {
		n += rsReplicas(rs)
	}
	return n
}

// getReplicaSets finds d's new and old ReplicaSets, syncing the new one's
// annotations and d's revision; with create it creates the new
// ReplicaSet when there is none.
func (c *Controller) getReplicaSets(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet, create bool) (*api.ReplicaSet, []*api.ReplicaSet, error) {
	newRS, old := splitReplicaSets(d, rsList)
	newRevision := maxRevision(old) + 1
	var err error
	switch {
	case newRS != nil:
		newRS, err = c.syncNewReplicaSet(ctx, d, newRS, newRevision)
	case create:
		newRS, err = c.createNewReplicaSet(ctx, d, old, newRevision)
	}
	if err != nil {
		return nil, nil, err
	}
	return newRS, old, nil
}

// syncNewReplicaSet brings an existing new ReplicaSet's annotations and
// minReadySeconds up to date and copies its revision to d.
func (c *Controller) syncNewReplicaSet(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet, newRevision int64) (*api.ReplicaSet, error) {
	next := rs.DeepCopy()
	surge, _ := fenceposts(d)
	changed := setNewRSAnnotations(d, next, newRevision, true, surge)
	if next.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		next.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		changed = true
	}
	if changed {
		out, err := c.client.Update(ctx, controllers.ReplicaSetKind, next, registry.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("update new replicaset %s: %w", rs.Name, err)
		}
		rs = out.(*api.ReplicaSet)
	}
	setDeploymentRevision(d, rs.Annotations[api.RevisionAnnotation])
	if hasProgressDeadline(d) && condition(&d.Status, api.DeploymentProgressing) == nil {
		c.setCondition(&d.Status, api.DeploymentProgressing, api.ConditionTrue, FoundNewRSReason,
			fmt.Sprintf("Found new replica set %q", rs.Name))
	}
	return rs, nil
}

// newReplicaSet stamps d's new ReplicaSet out of its template, labelled
// with hash in its name, labels, selector and template.
func newReplicaSet(d *api.Deployment, hash string) *api.ReplicaSet {
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = maps.Clone(tmpl.Labels)
	setAnnotation(&tmpl.Labels, api.DefaultDeploymentUniqueLabelKey, hash)
	sel := d.Spec.Selector.DeepCopy()
	setAnnotation(&sel.MatchLabels, api.DefaultDeploymentUniqueLabelKey, hash)
	var zero int32
	return &api.ReplicaSet{
		TypeMeta: api.TypeMeta{Kind: controllers.ReplicaSetKind.Kind, APIVersion: controllers.ReplicaSetKind.APIVersion()},
		ObjectMeta: api.ObjectMeta{Name: d.Name + "-" + hash, Namespace: d.Namespace,
			Labels: maps.Clone(tmpl.Labels), OwnerReferences: []api.OwnerReference{ownerRef(d)}},
		Spec: api.ReplicaSetSpec{Replicas: &zero, MinReadySeconds: d.Spec.MinReadySeconds,
			Selector: sel, Template: *tmpl},
	}
}

// createNewReplicaSet creates d's ReplicaSet for its current template at
// the size the strategy allows now; a name taken by a ReplicaSet of
// another template raises d's collision count and asks for a retry.
func (c *Controller) createNewReplicaSet(ctx context.Context, d *api.Deployment, old []*api.ReplicaSet, newRevision int64) (*api.ReplicaSet, error) {
	rs := newReplicaSet(d, ComputeHash(&d.Spec.Template, d.Status.CollisionCount))
	size := newRSReplicas(d, withNew(old, rs), rs)
	rs.Spec.Replicas = &size
	surge, _ := fenceposts(d)
	setNewRSAnnotations(d, rs, newRevision, false, surge)
	out, err := c.client.Create(ctx, controllers.ReplicaSetKind, d.Namespace, rs, registry.CreateOptions{})
	if isAlreadyExists(err) {
		return c.resolveNameClash(ctx, d, rs.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("create replicaset %s: %w", rs.Name, err)
	}
	created := out.(*api.ReplicaSet)
	if size > 0 {
		c.Events.Eventf(d, api.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, size)
	}
	setDeploymentRevision(d, created.Annotations[api.RevisionAnnotation])
	if hasProgressDeadline(d) {
		c.setCondition(&d.Status, api.DeploymentProgressing, api.ConditionTrue, NewRSCreatedReason,
			fmt.Sprintf("Created new replica set %q", created.Name))
	}
	return created, nil
}

// resolveNameClash handles a create that found name taken: a ReplicaSet of
// d with d's template (a lagging cache) is the new one; anything else is a
// hash collision.
func (c *Controller) resolveNameClash(ctx context.Context, d *api.Deployment, name string) (*api.ReplicaSet, error) {
	o, err := c.client.Get(ctx, controllers.ReplicaSetKind, d.Namespace, name)
	if err != nil {
		return nil, fmt.Errorf("get existing replicaset %s: %w", name, err)
	}
	rs := o.(*api.ReplicaSet)
	if ref := cache.ControllerOf(rs); ref != nil && ref.UID == d.UID && equalIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		return rs, nil
	}
	next := int32(0)
	if d.Status.CollisionCount != nil {
		next = *d.Status.CollisionCount + 1
	}
	d.Status.CollisionCount = &next
	return nil, fmt.Errorf("replicaset %s: %w (collision count now %d)", name, errHashCollision, next)
}

// isAlreadyExists reports whether err is an AlreadyExists API error.
func isAlreadyExists(err error) bool {
	var se *registry.StatusError
	return errors.As(err, &se) && se.Status.Reason == api.StatusReasonAlreadyExists
}

// scaleReplicaSet sets rs to size and records d's desired and max replicas
// on it; it reports whether the size changed and returns rs as stored.
func (c *Controller) scaleReplicaSet(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet, size int32) (bool, *api.ReplicaSet, error) {
	next := rs.DeepCopy()
	surge, _ := fenceposts(d)
	annotated := setReplicasAnnotations(next, replicas(d), replicas(d)+surge)
	resized := rsReplicas(rs) != size
	if !resized && !annotated {
		return false, rs, nil
	}
	next.Spec.Replicas = &size
	out, err := c.client.Update(ctx, controllers.ReplicaSetKind, next, registry.UpdateOptions{})
	if err != nil {
		return false, nil, fmt.Errorf("scale replicaset %s to %d: %w", rs.Name, size, err)
	}
	if resized {
		direction := "up"
		if size < rsReplicas(rs) {
			direction = "down"
		}
		c.Events.Eventf(d, api.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d",
			direction, rs.Name, rsReplicas(rs), size)
	}
	return resized, out.(*api.ReplicaSet), nil
}

// cleanupOldReplicaSets deletes the oldest (by revision) old ReplicaSets
// that run nothing, beyond revisionHistoryLimit.
func (c *Controller) cleanupOldReplicaSets(ctx context.Context, d *api.Deployment, old []*api.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var idle []*api.ReplicaSet
	for _, rs := range old {
		if rsReplicas(rs) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil {
			idle = append(idle, rs)
		}
	}
	excess := len(idle) - int(*d.Spec.RevisionHistoryLimit)
	if excess <= 0 {
		return nil
	}
	slices.SortFunc(idle, func(a, b *api.ReplicaSet) int {
		return cmp.Or(cmp.Compare(revisionOf(a), revisionOf(b)), byCreation(a, b))
	})
	for _, rs := range idle[:excess] {
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: rs.UID}}
		_, _, err := c.client.Delete(ctx, controllers.ReplicaSetKind, rs.Namespace, rs.Name, opts)
		if err != nil && !registry.IsNotFound(err) {
			return fmt.Errorf("delete old replicaset %s (revision %s): %w", rs.Name, strconv.FormatInt(revisionOf(rs), 10), err)
		}
	}
	return nil
}
