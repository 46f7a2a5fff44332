package bench

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

// Priority classes the preemption case creates, so pods get priorities the
// way the registry's admission gives them.
const (
	lowPriorityClass  = "bench-low"
	highPriorityClass = "bench-high"
)

// Case is one throughput case: a node template, a pod template for the
// pods scheduled before measuring and one for the measured pods, with the
// sizes scheduler_perf uses by default.
type Case struct {
	// Name is what --case selects.
	Name string
	// Nodes, InitPods and MeasuredPods are the default sizes.
	Nodes, InitPods, MeasuredPods int
	// Node builds node i.
	Node func(i int) *api.Node
	// InitPod builds the i-th pod placed before measuring.
	InitPod func(i int) *api.Pod
	// MeasuredPod builds the i-th measured pod.
	MeasuredPod func(i int) *api.Pod
	// InitUnschedulable says no init pod can ever be bound: they wait in
	// the scheduler's queue, retried on cluster events, while the measured
	// pods are scheduled (scheduler_perf's Unschedulable case).
	InitUnschedulable bool
	// ChurnEvery, when positive, adds a node and deletes an init pod after
	// every ChurnEvery measured pods bound, so events interleave with scheduling.
	ChurnEvery int
}

// Cases lists every case in a stable order, for --case and for tests.
func Cases() []Case {
	return []Case{
		{Name: "SchedulingBasic", Nodes: 5000, InitPods: 1000, MeasuredPods: 10000,
			Node: basicNode, InitPod: basicPod("init"), MeasuredPod: basicPod("measured")},
		{Name: "NodeAffinity", Nodes: 5000, InitPods: 1000, MeasuredPods: 10000,
			Node: basicNode, InitPod: affinityPod("init"), MeasuredPod: affinityPod("measured")},
		{Name: "PodAntiAffinity", Nodes: 5000, InitPods: 1000, MeasuredPods: 1000,
			Node: basicNode, InitPod: antiAffinityPod("init"), MeasuredPod: antiAffinityPod("measured")},
		{Name: "TopologySpreading", Nodes: 5000, InitPods: 1000, MeasuredPods: 5000,
			Node: basicNode, InitPod: spreadPod("init"), MeasuredPod: spreadPod("measured")},
		{Name: "PreemptionBasic", Nodes: 500, InitPods: 2000, MeasuredPods: 500,
			Node: basicNode, InitPod: preemptionPod("init", lowPriorityClass),
			MeasuredPod: preemptionPod("measured", highPriorityClass)},
		{Name: "Unschedulable", Nodes: 5000, InitPods: 200, MeasuredPods: 5000,
			Node: basicNode, InitPod: hugePod, MeasuredPod: basicPod("measured"), InitUnschedulable: true},
		{Name: "GPUPods", Nodes: 5000, InitPods: 1000, MeasuredPods: 5000,
			Node: gpuNode, InitPod: gpuPod("init"), MeasuredPod: gpuPod("measured")},
		{Name: "MixedChurn", Nodes: 5000, InitPods: 1000, MeasuredPods: 10000, ChurnEvery: 100,
			Node: basicNode, InitPod: basicPod("init"), MeasuredPod: basicPod("measured")},
	}
}

// Lookup finds a case by name, case-insensitively, listing the names on failure.
func Lookup(name string) (Case, error) {
	cases := Cases()
	i := slices.IndexFunc(cases, func(c Case) bool { return strings.EqualFold(c.Name, name) })
	if i < 0 {
		names := make([]string, len(cases))
		for j, c := range cases {
			names[j] = c.Name
		}
		return Case{}, fmt.Errorf("unknown bench case %q (have %s)", name, strings.Join(names, ", "))
	}
	return cases[i], nil
}

// basicNode is scheduler_perf's default node: 4 CPUs, 32 GiB, 110 pods,
// spread over three zones, every other node labelled for NodeAffinity.
func basicNode(i int) *api.Node {
	n := fixtures.MakeNode().Name(fmt.Sprintf("node-%05d", i)).CPU("4").Memory("32Gi").
		Zone(fmt.Sprintf("zone-%d", i%3))
	if i%2 == 0 {
		n.Label("bench/group", "a")
	}
	return n.Obj()
}

// gpuNode is basicNode with 8 GPUs on every other node, for policies that
// place extended resources (such as the example GPUBinPacking plugin).
func gpuNode(i int) *api.Node {
	n := basicNode(i)
	if i%2 == 1 {
		n.Status.Capacity[gpuResource] = resource.MustParse("8")
		n.Status.Allocatable[gpuResource] = resource.MustParse("8")
	}
	return n
}

const gpuResource api.ResourceName = "nvidia.com/gpu"

// gpuPod asks for one GPU besides a little cpu and memory.
func gpuPod(phase string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("100m").Memory("500Mi").
			Request(gpuResource, "1").Limit(gpuResource, "1").Obj()
	}
}

// basicPod is a small plain pod.
func basicPod(phase string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("100m").Memory("500Mi").Obj()
	}
}

// affinityPod requires the labelled half of the nodes.
func affinityPod(phase string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("100m").Memory("500Mi").
			RequiredNodeAffinity("bench/group", "a").Obj()
	}
}

// antiAffinityPod refuses to share a node with another pod of its phase.
func antiAffinityPod(phase string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("100m").Memory("500Mi").
			Label("color", phase).PodAntiAffinity("kubernetes.io/hostname", "color", phase).Obj()
	}
}

// spreadPod spreads its phase evenly over zones.
func spreadPod(phase string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("100m").Memory("500Mi").
			Label("color", phase).SpreadConstraint(1, "topology.kubernetes.io/zone", api.DoNotSchedule, "color", phase).Obj()
	}
}

// preemptionPod takes 900m of a 4-CPU node, so four init pods fill a node
// and each measured pod must evict one.
func preemptionPod(phase, class string) func(int) *api.Pod {
	return func(i int) *api.Pod {
		return fixtures.MakePod().Name(fmt.Sprintf("%s-%05d", phase, i)).CPU("900m").Memory("500Mi").
			PriorityClass(class).Obj()
	}
}

// hugePod asks for more CPU than any node has.
func hugePod(i int) *api.Pod {
	return fixtures.MakePod().Name(fmt.Sprintf("init-%05d", i)).CPU("64").Obj()
}
