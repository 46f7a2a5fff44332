package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// RevisionHashLabel marks each daemon pod with the hash of the template it
// was made from, so a rolling update can tell old pods from new ones.
const RevisionHashLabel = "controller-revision-hash"

// The taints every DaemonSet pod tolerates, as Kubernetes adds them, so
// daemons keep running on nodes that are unhealthy, under pressure or
// cordoned.
var daemonTolerations = []api.Toleration{
	{Key: api.TaintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute},
	{Key: api.TaintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute},
	{Key: "node.kubernetes.io/disk-pressure", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/memory-pressure", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/pid-pressure", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
	{Key: "node.kubernetes.io/unschedulable", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
}

// TemplateHash is the revision hash of a pod template: FNV-32a of its JSON
// form (whose map keys are sorted), so equal templates hash equally.
func TemplateHash(t *api.PodTemplateSpec) string {
	b, err := json.Marshal(t)
	if err != nil {
		panic(fmt.Sprintf("daemonset: marshal template: %v", err)) // plain data always marshals
	}
	h := fnv.New32a()
	_, _ = h.Write(b)
	return strconv.FormatUint(uint64(h.Sum32()), 36)
}

// daemonPod stamps a pod, bound to no node, out of ds's template with the
// DaemonSet tolerations, the revision hash label and ds as controller.
func daemonPod(ds *api.DaemonSet) *api.Pod {
	t := ds.Spec.Template.DeepCopy()
	labels := maps.Clone(t.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[RevisionHashLabel] = TemplateHash(&ds.Spec.Template)
	p := &api.Pod{
		TypeMeta: api.TypeMeta{Kind: controllers.PodKind.Kind, APIVersion: controllers.PodKind.APIVersion()},
		ObjectMeta: api.ObjectMeta{GenerateName: ds.Name + "-", Namespace: ds.Namespace, Labels: labels,
			Annotations: maps.Clone(t.Annotations), Finalizers: t.Finalizers,
			OwnerReferences: []api.OwnerReference{ownerRef(ds)}},
		Spec: t.Spec,
	}
	for _, tol := range daemonTolerations {
		p.Spec.Tolerations = addOrUpdateToleration(p.Spec.Tolerations, tol)
	}
	return p
}

// addOrUpdateToleration replaces the toleration of the same key, operator
// and effect with tol, or appends it.
func addOrUpdateToleration(ts []api.Toleration, tol api.Toleration) []api.Toleration {
	for i := range ts {
		if ts[i].Key == tol.Key && ts[i].Effect == tol.Effect && ts[i].Operator == tol.Operator {
			ts[i] = tol
			return ts
		}
	}
	return append(ts, tol)
}

// podForNode is ds's pod for node: its required node affinity is replaced
// by one term matching the node's name, so the scheduler places it there
// (preferred terms are kept).
func podForNode(ds *api.DaemonSet, node string) *api.Pod {
	p := daemonPod(ds)
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &api.Affinity{}
	}
	if p.Spec.Affinity.NodeAffinity == nil {
		p.Spec.Affinity.NodeAffinity = &api.NodeAffinity{}
	}
	p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &api.NodeSelector{
		NodeSelectorTerms: []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{
			{Key: nodeNameField, Operator: api.NodeSelectorOpIn, Values: []string{node}}}}}}
	return p
}

// createPods creates one pod per node and stops at the first failure; the
// creates not made are taken off the expectations.
func (c *Controller) createPods(ctx context.Context, key controllers.Key, ds *api.DaemonSet, nodes []string) error {
	c.exp.ExpectCreations(key, len(nodes))
	for i, n := range nodes {
		out, err := c.client.Create(ctx, controllers.PodKind, ds.Namespace, podForNode(ds, n), registry.CreateOptions{})
		if err != nil {
			for range len(nodes) - i {
				c.exp.CreationObserved(key)
			}
			c.Events.Eventf(ds, api.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
			return fmt.Errorf("create pod for node %s: %w", n, err)
		}
		c.Events.Eventf(ds, api.EventTypeNormal, "SuccessfulCreate", "Created pod: %s", out.GetObjectMeta().Name)
	}
	return nil
}

// deletePods deletes victims (each guarded by its UID), expecting to see
// each deletion; a failed delete is taken off the expectations.
func (c *Controller) deletePods(ctx context.Context, key controllers.Key, ds *api.DaemonSet, victims []*api.Pod) error {
	uids := make([]string, len(victims))
	for i, p := range victims {
		uids[i] = p.UID
	}
	c.exp.ExpectDeletions(key, uids)
	var errs []error
	for _, p := range victims {
		opts := registry.DeleteOptions{DeleteOptions: store.DeleteOptions{UID: p.UID}}
		_, _, err := c.client.Delete(ctx, controllers.PodKind, p.Namespace, p.Name, opts)
		if err == nil {
			c.Events.Eventf(ds, api.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %s", p.Name)
			continue
		}
		c.exp.DeletionObserved(key, p.UID)
		if !registry.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete pod %s: %w", p.Name, err))
		}
	}
	return errors.Join(errs...)
}

// ownerRef is the controller reference ds puts on its pods.
func ownerRef(ds *api.DaemonSet) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: DaemonSetKind.APIVersion(), Kind: DaemonSetKind.Kind,
		Name: ds.Name, UID: ds.UID, Controller: &t, BlockOwnerDeletion: &t}
}
