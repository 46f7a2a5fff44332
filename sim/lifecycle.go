package sim

import (
	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/scenarios"
)

// lifecycle is a pod lifecycle with a workload's overrides applied.
type lifecycle = scenarios.Lifecycle

// defaultLifecycle is the key of the scenario-wide lifecycle.
const defaultLifecycle = ""

// resolveLifecycles merges each workload's lifecycle over the scenario's
// default, once, so admitting a pod is a map lookup.
func resolveLifecycles(sc *scenarios.Scenario) map[string]*lifecycle {
	base := sc.Pods
	out := map[string]*lifecycle{defaultLifecycle: &base}
	for _, w := range sc.Workloads {
		if !w.HasLifecycle {
			continue
		}
		merged := mergeLifecycle(base, w.Lifecycle)
		out[w.Name] = &merged
	}
	return out
}

// mergeLifecycle takes over's fields that are set, base's otherwise.
func mergeLifecycle(base, over scenarios.Lifecycle) scenarios.Lifecycle {
	pick := func(b, o scenarios.Dist) scenarios.Dist {
		if o.Kind != "" {
			return o
		}
		return b
	}
	out := base
	out.ImagePull = pick(base.ImagePull, over.ImagePull)
	out.Start = pick(base.Start, over.Start)
	out.Ready = pick(base.Ready, over.Ready)
	out.RunTime = pick(base.RunTime, over.RunTime)
	out.Terminate = pick(base.Terminate, over.Terminate)
	if over.FailProbability > 0 {
		out.FailProbability = over.FailProbability
	}
	if over.CrashMTBF > 0 {
		out.CrashMTBF = over.CrashMTBF
	}
	return out
}

// lifecycleOf finds a pod's lifecycle through the workload annotation the
// scenario loader stamps on every pod template.
func (f *fleet) lifecycleOf(pod *api.Pod) *lifecycle {
	if lc, ok := f.lifecycles[pod.Annotations[scenarios.WorkloadAnnotation]]; ok {
		return lc
	}
	return f.lifecycles[defaultLifecycle]
}
