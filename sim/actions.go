package sim

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/scenarios"
)

// act performs one timeline action and starts measuring how long the
// cluster takes to converge after it.
func (d *player) act(a scenarios.Action) {
	label := describeAction(a)
	switch a.Kind {
	case scenarios.ActApply:
		d.apply(d.byName[a.Workload], label)
	case scenarios.ActScale:
		d.mutate(a, label, func(obj api.Object) bool { return setReplicas(obj, a.Replicas) })
	case scenarios.ActRollout:
		d.mutate(a, label, func(obj api.Object) bool { return rollTemplate(obj, a.Image, a.Annotations) })
	case scenarios.ActDelete:
		d.delete(d.byName[a.Workload], label)
	case scenarios.ActFault:
		d.fault(a.Fault, label) // times its own convergence
		return
	}
	d.conv.start(a, label)
}

// describeAction names an action for reports: "rollout web at 5m0s".
func describeAction(a scenarios.Action) string {
	target := a.Workload
	if a.Kind == scenarios.ActFault {
		target = string(a.Fault.Kind)
		switch {
		case a.Fault.Zone != "":
			target += " " + a.Fault.Zone
		case len(a.Fault.Nodes) > 0:
			target += " " + strings.Join(a.Fault.Nodes, ",")
		case a.Fault.Pool != "":
			target += fmt.Sprintf(" %d in %s", max(a.Fault.Count, 1), a.Fault.Pool)
		}
	}
	if a.Kind == scenarios.ActScale {
		target += " to " + strconv.Itoa(int(a.Replicas))
	}
	return fmt.Sprintf("%s %s at %v", a.Kind, target, a.At)
}

// mutate reads each of the workload's objects, changes it and writes it back.
func (d *player) mutate(a scenarios.Action, label string, change func(api.Object) bool) {
	ctx := context.Background()
	for _, obj := range d.byName[a.Workload].Objects {
		kind, err := api.KindOf(obj)
		if err != nil {
			continue
		}
		m := obj.GetObjectMeta()
		cur, err := d.api.Get(ctx, kind, m.Namespace, m.Name)
		if err != nil {
			d.fail(fmt.Errorf("%s: %w", label, err))
			continue
		}
		next := cur.DeepCopyObject()
		if !change(next) {
			continue
		}
		if _, err := d.api.Update(ctx, kind, next, registry.UpdateOptions{}); err != nil {
			d.fail(fmt.Errorf("%s: %w", label, err))
		}
	}
}

func setReplicas(obj api.Object, n int32) bool {
	switch o := obj.(type) {
	case *api.Deployment:
		o.Spec.Replicas = &n
	case *api.ReplicaSet:
		o.Spec.Replicas = &n
	case *api.Job:
		o.Spec.Parallelism = &n
	default:
		return false
	}
	return true
}

// rollTemplate changes a pod template so its controller rolls out a new revision.
func rollTemplate(obj api.Object, image string, annotations map[string]string) bool {
	if !scenarios.Rollable(obj) {
		return false
	}
	t := scenarios.PodTemplate(obj)
	if image != "" {
		for i := range t.Spec.Containers {
			t.Spec.Containers[i].Image = image
		}
	}
	if len(annotations) > 0 && t.Annotations == nil {
		t.Annotations = map[string]string{}
	}
	for k, v := range annotations {
		t.Annotations[k] = v
	}
	return true
}

// delete removes a workload's objects; the garbage collector takes their
// dependents, as after kubectl delete.
func (d *player) delete(wl *scenarios.Workload, label string) {
	ctx := context.Background()
	for _, obj := range wl.Objects {
		kind, err := api.KindOf(obj)
		if err != nil {
			continue
		}
		m := obj.GetObjectMeta()
		if _, _, err := d.api.Delete(ctx, kind, m.Namespace, m.Name, registry.DeleteOptions{}); err != nil {
			d.fail(fmt.Errorf("%s: %w", label, err))
		}
	}
}

// createTracePod creates the pod of one trace row: the workload's Pod
// manifest (or a one-container pod) with the row's requests and run time.
func (d *player) createTracePod(wl *scenarios.Workload, row *scenarios.TraceRow) {
	pod := tracePodTemplate(wl)
	pod.Name = dnsName(row.Name)
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[scenarios.WorkloadAnnotation] = wl.Name
	if row.RunTime > 0 {
		pod.Annotations[RunSecondsAnnotation] = strconv.FormatFloat(row.RunTime.Seconds(), 'f', -1, 64)
	}
	pod.Spec.Containers[0].Resources.Requests = row.Requests.DeepCopy()
	if err := d.applyObject(context.Background(), pod); err != nil {
		d.fail(fmt.Errorf("trace row %s of %s: %w", row.Name, wl.Name, err))
	}
}

func tracePodTemplate(wl *scenarios.Workload) *api.Pod {
	for _, obj := range wl.Objects {
		if p, ok := obj.(*api.Pod); ok {
			return p.DeepCopy()
		}
	}
	p := &api.Pod{TypeMeta: api.TypeMeta{APIVersion: api.CoreV1, Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: "default"},
		Spec: api.PodSpec{RestartPolicy: api.RestartPolicyNever,
			Containers: []api.Container{{Name: "task", Image: "kubetwin.local/task:v1"}}}}
	api.Default(p)
	return p
}

// dnsName makes a trace's task name a valid object name.
func dnsName(s string) string {
	s = strings.ToLower(s)
	b := []byte(s)
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-.")
}
