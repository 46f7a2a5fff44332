package apiserver

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// column describes one Table column; priority 1 columns show only with -o wide.
type column struct {
	name, typ, format, desc string
	priority                int32
}

// printer is the Table form of one kind: its columns and how an object
// fills them.
type printer struct {
	columns []column
	cells   func(obj api.Object, now time.Time) []any
}

// The columns most kinds share.
var (
	nameColumn = column{name: "Name", typ: "string", format: "name",
		desc: "Name must be unique within a namespace."}
	ageColumn = column{name: "Age", typ: "string",
		desc: "The time since the object was created."}
	wideTemplateColumns = []column{
		{name: "Containers", typ: "string", desc: "The template's container names.", priority: 1},
		{name: "Images", typ: "string", desc: "The template's container images.", priority: 1},
		{name: "Selector", typ: "string", desc: "The label query over pods.", priority: 1},
	}
)

// printers holds every kind's Table form by kind name.
var printers = map[string]printer{}

func init() {
	printers["Pod"] = podPrinter
	printers["Deployment"] = deploymentPrinter
	printers["ReplicaSet"] = replicaSetPrinter
	printers["DaemonSet"] = daemonSetPrinter
	printers["Job"] = jobPrinter
	printers["Service"] = servicePrinter
	printers["Endpoints"] = endpointsPrinter
	printers["Node"] = nodePrinter
	printers["Namespace"] = namespacePrinter
	printers["Lease"] = leasePrinter
	printers["Event"] = eventPrinter
	printers["PriorityClass"] = priorityClassPrinter
}

// defaultPrinter is NAME AGE, for kinds without a form of their own.
var defaultPrinter = printer{columns: []column{nameColumn, ageColumn},
	cells: func(obj api.Object, now time.Time) []any {
		m := obj.GetObjectMeta()
		return []any{m.Name, ageSince(m.CreationTimestamp, now)}
	}}

// printerFor returns the Table form of a kind.
func printerFor(kind string) printer {
	if p, ok := printers[kind]; ok {
		return p
	}
	return defaultPrinter
}

// orNone is s, or "<none>" when empty, as kubectl marks missing values.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// formatLabels writes a label map as sorted k=v pairs, or "<none>".
func formatLabels(m map[string]string) string {
	pairs := make([]string, 0, len(m))
	for k, v := range m {
		pairs = append(pairs, k+"="+v)
	}
	sort.Strings(pairs)
	return orNone(strings.Join(pairs, ","))
}

// formatSelector writes a LabelSelector as a selector string, or "<none>".
func formatSelector(ls *api.LabelSelector) string {
	if ls == nil {
		return "<none>"
	}
	sel, err := api.LabelSelectorAsSelector(ls)
	if err != nil {
		return "<error>"
	}
	return orNone(sel.String())
}

// templateCells are the CONTAINERS IMAGES SELECTOR cells of a workload.
func templateCells(t api.PodTemplateSpec, sel *api.LabelSelector) []any {
	var names, images []string
	for _, c := range t.Spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return []any{strings.Join(names, ","), strings.Join(images, ","), formatSelector(sel)}
}

// replicasOr is *p, or def when unset.
func replicasOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// deploymentPrinter prints deployments as `kubectl get deployments` does.
var deploymentPrinter = printer{
	columns: append([]column{nameColumn,
		{name: "Ready", typ: "string", desc: "Ready replicas out of desired."},
		{name: "Up-to-date", typ: "integer", desc: "Replicas running the latest template."},
		{name: "Available", typ: "integer", desc: "Replicas available to serve."},
		ageColumn}, wideTemplateColumns...),
	cells: func(obj api.Object, now time.Time) []any {
		d := obj.(*api.Deployment)
		cells := []any{d.Name, fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, replicasOr(d.Spec.Replicas, 1)),
			d.Status.UpdatedReplicas, d.Status.AvailableReplicas, ageSince(d.CreationTimestamp, now)}
		return append(cells, templateCells(d.Spec.Template, d.Spec.Selector)...)
	},
}

// replicaSetPrinter prints replica sets as `kubectl get rs` does.
var replicaSetPrinter = printer{
	columns: append([]column{nameColumn,
		{name: "Desired", typ: "integer", desc: "Replicas wanted."},
		{name: "Current", typ: "integer", desc: "Replicas that exist."},
		{name: "Ready", typ: "integer", desc: "Replicas that are ready."},
		ageColumn}, wideTemplateColumns...),
	cells: func(obj api.Object, now time.Time) []any {
		r := obj.(*api.ReplicaSet)
		cells := []any{r.Name, replicasOr(r.Spec.Replicas, 1), r.Status.Replicas, r.Status.ReadyReplicas,
			ageSince(r.CreationTimestamp, now)}
		return append(cells, templateCells(r.Spec.Template, r.Spec.Selector)...)
	},
}

// daemonSetPrinter prints daemon sets as `kubectl get ds` does.
var daemonSetPrinter = printer{
	columns: append([]column{nameColumn,
		{name: "Desired", typ: "integer", desc: "Nodes that should run the pod."},
		{name: "Current", typ: "integer", desc: "Nodes running the pod."},
		{name: "Ready", typ: "integer", desc: "Nodes whose pod is ready."},
		{name: "Up-to-date", typ: "integer", desc: "Nodes running the latest template."},
		{name: "Available", typ: "integer", desc: "Nodes whose pod is available."},
		{name: "Node Selector", typ: "string", desc: "The template's node selector."},
		ageColumn}, wideTemplateColumns...),
	cells: func(obj api.Object, now time.Time) []any {
		d := obj.(*api.DaemonSet)
		s := d.Status
		cells := []any{d.Name, s.DesiredNumberScheduled, s.CurrentNumberScheduled, s.NumberReady,
			s.UpdatedNumberScheduled, s.NumberAvailable, formatLabels(d.Spec.Template.Spec.NodeSelector),
			ageSince(d.CreationTimestamp, now)}
		return append(cells, templateCells(d.Spec.Template, d.Spec.Selector)...)
	},
}

// jobPrinter prints jobs as `kubectl get jobs` does.
var jobPrinter = printer{
	columns: append([]column{nameColumn,
		{name: "Status", typ: "string", desc: "The job's state."},
		{name: "Completions", typ: "string", desc: "Succeeded pods out of those wanted."},
		{name: "Duration", typ: "string", desc: "How long the job ran."},
		ageColumn}, wideTemplateColumns...),
	cells: func(obj api.Object, now time.Time) []any {
		j := obj.(*api.Job)
		cells := []any{j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), ageSince(j.CreationTimestamp, now)}
		return append(cells, templateCells(j.Spec.Template, j.Spec.Selector)...)
	},
}

// jobStatus is Complete, Failed, Suspended, Terminating or Running.
func jobStatus(j *api.Job) string {
	for _, want := range []api.JobConditionType{api.JobComplete, api.JobFailed, api.JobSuspended} {
		for _, c := range j.Status.Conditions {
			if c.Type == want && c.Status == api.ConditionTrue {
				return string(want)
			}
		}
	}
	if j.DeletionTimestamp != nil {
		return "Terminating"
	}
	return "Running"
}

// jobCompletions is "succeeded/wanted", or "succeeded/1 of N" for a work queue.
func jobCompletions(j *api.Job) string {
	if j.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	}
	if p := replicasOr(j.Spec.Parallelism, 1); p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration is the time from start to completion (or now), "" before start.
func jobDuration(j *api.Job, now time.Time) string {
	if j.Status.StartTime == nil {
		return ""
	}
	end := now
	if j.Status.CompletionTime != nil {
		end = j.Status.CompletionTime.Time
	}
	return humanAge(end.Sub(j.Status.StartTime.Time))
}

// priorityClassPrinter prints priority classes as `kubectl get pc` does.
var priorityClassPrinter = printer{
	columns: []column{nameColumn,
		{name: "Value", typ: "integer", desc: "The priority pods of this class get."},
		{name: "Global-Default", typ: "boolean", desc: "Whether pods without a class get this one."},
		ageColumn,
		{name: "PreemptionPolicy", typ: "string", desc: "Whether pods of this class may preempt others."}},
	cells: func(obj api.Object, now time.Time) []any {
		pc := obj.(*api.PriorityClass)
		policy := ""
		if pc.PreemptionPolicy != nil {
			policy = string(*pc.PreemptionPolicy)
		}
		return []any{pc.Name, pc.Value, pc.GlobalDefault, ageSince(pc.CreationTimestamp, now), policy}
	},
}

// sortedCopy returns a sorted copy of ss.
func sortedCopy(ss []string) []string {
	c := slices.Clone(ss)
	sort.Strings(c)
	return c
}
