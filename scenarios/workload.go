package scenarios

import (
	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/api"
)

// WorkloadAnnotation marks every object of a workload, and the pod
// template inside it, with the workload's name, so the simulator can
// tell which workload a pod belongs to (for its lifecycle and metrics).
const WorkloadAnnotation = "kubetwin.io/workload"

// DefaultNamespace is where namespaced objects without a namespace go, as
// kubectl puts them.
const DefaultNamespace = "default"

// workloads decodes the workloads list; names are unique.
func (d *decoder) workloads(n *yaml.Node, path string) []Workload {
	var out []Workload
	seen := map[string]bool{}
	for i, item := range d.sequence(n, path) {
		at := index(path, i)
		w := d.workload(item, at)
		if w.Name != "" && seen[w.Name] {
			d.add(item, child(at, "name"), "workload %q given twice", w.Name)
		}
		seen[w.Name] = true
		out = append(out, w)
	}
	return out
}

// workload decodes one workload: its manifests, lifecycle and arrival.
func (d *decoder) workload(n *yaml.Node, path string) Workload {
	f := d.mapping(n, path, "name", "manifest", "manifestFile", "lifecycle", "arrival")
	w := Workload{Name: f.str("name", "")}
	if f.require("name") {
		d.dnsLabel(f.get("name"), f.at("name"), w.Name)
	}
	if f.has("lifecycle") {
		w.Lifecycle, w.HasLifecycle = d.lifecycle(f.get("lifecycle"), f.at("lifecycle"), Lifecycle{}), true
	}
	w.Arrival = d.arrival(f.get("arrival"), f.at("arrival"))
	w.Objects = d.workloadObjects(f, w)
	if w.Arrival.Kind == ArriveTrace && !traceTemplateOK(w.Objects) {
		d.add(f.line(), path, "a trace workload's manifest, if any, must be exactly one Pod (the template of every row's pod)")
	}
	return w
}

// workloadObjects decodes the manifest or manifestFile of a workload.
func (d *decoder) workloadObjects(f fields, w Workload) []api.Object {
	switch f.only("manifest", "manifestFile") {
	case "manifest":
		return d.inlineManifest(f.get("manifest"), f.at("manifest"), w.Name)
	case "manifestFile":
		return d.manifestFile(f.get("manifestFile"), f.at("manifestFile"), w.Name)
	}
	if w.Arrival.Kind != ArriveTrace {
		d.add(f.line(), f.at("manifest"), "manifest or manifestFile is required")
	}
	return nil
}

// inlineManifest decodes manifest text written in the scenario; problems
// are placed on the scenario's lines.
func (d *decoder) inlineManifest(n *yaml.Node, path, workload string) []api.Object {
	text := d.str(n, path)
	n = deref(n)
	base := n.Line - 1 // the text's first line is the node's own line...
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		base = n.Line // ...or, for a block scalar, the line after it
	}
	return d.manifestObjects([]byte(text), workload, func(line int, msg string) {
		if n.Line == 0 {
			d.add(n, path, "%s", msg)
			return
		}
		d.addLine(base+line, path, "%s", msg)
	})
}

// manifestFile decodes a manifest file the scenario names; declared
// parameters are substituted into it, other ${...} are left alone.
func (d *decoder) manifestFile(n *yaml.Node, path, workload string) []api.Object {
	name := d.str(n, path)
	data, err := d.readFile(name)
	if err != nil {
		d.add(n, path, "%v", err)
		return nil
	}
	text := interpolateKnown(string(data), d.params)
	return d.manifestObjects([]byte(text), workload, func(line int, msg string) {
		d.add(n, path, "%s:%d: %s", name, line, msg)
	})
}

// traceTemplateOK reports whether objs can template a trace's pods.
func traceTemplateOK(objs []api.Object) bool {
	if len(objs) == 0 {
		return true
	}
	_, ok := objs[0].(*api.Pod)
	return len(objs) == 1 && ok
}

// stamp marks obj and its pod template as the workload's.
func stamp(obj api.Object, workload string) {
	annotate(obj.GetObjectMeta(), workload)
	if t := PodTemplate(obj); t != nil {
		annotate(&t.ObjectMeta, workload)
	}
}

// annotate sets the workload annotation on one piece of metadata.
func annotate(m *api.ObjectMeta, workload string) {
	if m.Annotations == nil {
		m.Annotations = map[string]string{}
	}
	m.Annotations[WorkloadAnnotation] = workload
}

// PodTemplate is the pod template of a Deployment, ReplicaSet, DaemonSet
// or Job, nil for other kinds.
func PodTemplate(obj api.Object) *api.PodTemplateSpec {
	switch o := obj.(type) {
	case *api.Deployment:
		return &o.Spec.Template
	case *api.ReplicaSet:
		return &o.Spec.Template
	case *api.DaemonSet:
		return &o.Spec.Template
	case *api.Job:
		return &o.Spec.Template
	}
	return nil
}

// Rollable reports whether the timeline's rollout can act on obj: a
// controller that rolls out a changed template (a ReplicaSet does not
// replace its pods, and a Job's template cannot change).
func Rollable(obj api.Object) bool {
	switch obj.(type) {
	case *api.Deployment, *api.DaemonSet:
		return true
	}
	return false
}

// Scalable reports whether the timeline's scale can act on obj: it has a
// replica count (a Job's is its parallelism).
func Scalable(obj api.Object) bool {
	switch obj.(type) {
	case *api.Deployment, *api.ReplicaSet, *api.Job:
		return true
	}
	return false
}
