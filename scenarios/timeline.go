package scenarios

import (
	"cmp"
	"math"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/labels"
)

// actionKinds are the keys that name a timeline action.
var actionKinds = []string{string(ActScale), string(ActRollout), string(ActDelete), string(ActApply), string(ActFault)}

// timeline decodes the timeline, sorted stably by time.
func (d *decoder) timeline(n *yaml.Node, path string) []Action {
	var out []Action
	for i, item := range d.sequence(n, path) {
		if a, ok := d.action(item, index(path, i)); ok {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b Action) int { return cmp.Compare(a.At, b.At) })
	return out
}

// action decodes one timeline entry: `at` and one action key.
func (d *decoder) action(n *yaml.Node, path string) (Action, bool) {
	f := d.mapping(n, path, append([]string{"at"}, actionKinds...)...)
	f.require("at")
	a := Action{At: f.duration("at", 0), Line: deref(n).Line}
	d.within(f.get("at"), f.at("at"), a.At)
	kind := f.only(actionKinds...)
	a.Kind = ActionKind(kind)
	v, at := f.get(kind), f.at(kind)
	switch a.Kind {
	case ActScale:
		g := d.mapping(v, at, "workload", "replicas")
		g.require("workload", "replicas")
		a.Workload = d.workloadRef(g, Scalable, "Deployment, ReplicaSet or Job to scale")
		a.Replicas = int32(g.int("replicas", 0, 0, math.MaxInt32))
	case ActRollout:
		d.rollout(v, at, &a)
	case ActDelete, ActApply:
		g := d.mapping(v, at, "workload")
		g.require("workload")
		a.Workload = d.workloadRef(g, nil, "")
	case ActFault:
		g := d.mapping(v, at, append(faultKeys, "duration")...)
		a.Fault = d.fault(g)
		a.Fault.Duration = g.duration("duration", 0)
	default:
		d.add(n, path, "needs one of %s", joinNames(actionKinds))
		return a, false
	}
	return a, true
}

// rollout decodes {workload, image, annotations}.
func (d *decoder) rollout(n *yaml.Node, path string, a *Action) {
	g := d.mapping(n, path, "workload", "image", "annotations")
	g.require("workload")
	a.Workload = d.workloadRef(g, Rollable, "Deployment or DaemonSet to roll out")
	a.Image = g.str("image", "")
	if g.has("image") && a.Image == "" {
		d.add(g.get("image"), g.at("image"), "must not be empty")
	}
	nodes := d.stringMapNodes(g.get("annotations"), g.at("annotations"))
	for _, k := range sortedKeys(nodes) {
		if a.Annotations == nil {
			a.Annotations = map[string]string{}
		}
		a.Annotations[k] = d.str(nodes[k], child(g.at("annotations"), k))
		if msgs := labels.ValidateLabelKey(k); len(msgs) > 0 {
			d.add(nodes[k], child(g.at("annotations"), k), "bad annotation key: %s", joinNames(msgs))
		}
	}
	if a.Image == "" && len(a.Annotations) == 0 {
		d.add(g.line(), path, "needs an image or annotations to change")
	}
}

// workloadRef checks that the workload named in g exists and, when ok is
// given, holds an object it accepts (described by want).
func (d *decoder) workloadRef(g fields, ok func(api.Object) bool, want string) string {
	name := g.str("workload", "")
	if !g.has("workload") {
		return name
	}
	var names []string
	for _, w := range d.sc.Workloads {
		names = append(names, w.Name)
		if w.Name != name {
			continue
		}
		undecoded := len(w.Objects) == 0 && w.Arrival.Kind != ArriveTrace // already reported
		if ok != nil && !undecoded && !slices.ContainsFunc(w.Objects, ok) {
			d.add(g.get("workload"), g.at("workload"), "workload %q has no %s", name, want)
		}
		return name
	}
	d.add(g.get("workload"), g.at("workload"), "unknown workload %q (have: %s)", name, joinNames(names))
	return name
}
