package scenarios

import (
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// gpuNodeMaxPods is a GPU node's pod capacity. Kubernetes' default of 110
// would be a limit the trace's machines never had; no node of the openb
// experiments comes near this one.
const gpuNodeMaxPods = 1000

// GPUTaskImage is the image GPU task pods name; the simulator runs none.
const GPUTaskImage = "kubetwin.local/gpu-task:v1"

// NodeObject is the node as the GPU-sharing plugin expects it: its CPU and
// memory, its GPUs as plugins.ResourceGPUMilli and their model as the
// plugins.LabelGPUModel label. It is Ready.
func (n GPUNode) NodeObject() *api.Node {
	res := api.ResourceList{
		api.ResourceCPU:    resource.NewMilliQuantity(n.CPUMilli, resource.DecimalSI),
		api.ResourceMemory: resource.NewQuantity(n.MemoryMiB<<20, resource.BinarySI),
		api.ResourcePods:   resource.NewQuantity(gpuNodeMaxPods, resource.DecimalSI),
	}
	labels := map[string]string{"kubernetes.io/hostname": n.Name, "kubernetes.io/os": "linux"}
	if n.GPUs > 0 {
		res[plugins.ResourceGPUMilli] = resource.NewQuantity(n.GPUMilli(), resource.DecimalSI)
		labels[plugins.LabelGPUModel] = n.Model
	}
	return &api.Node{
		TypeMeta:   api.TypeMeta{APIVersion: api.CoreV1, Kind: "Node"},
		ObjectMeta: api.ObjectMeta{Name: n.Name, Labels: labels},
		Status: api.NodeStatus{Capacity: res, Allocatable: res.DeepCopy(), Phase: "Running",
			Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}},
	}
}

// PodObject is the task as a bare pod for the named scheduler profile:
// its CPU, memory and GPU (plugins.ResourceGPUMilli, in all) as requests,
// and its allowed GPU models in the plugins.AnnotationGPUModel annotation.
func (t GPUTask) PodObject(schedulerName string) *api.Pod {
	req := api.ResourceList{
		api.ResourceCPU:    resource.NewMilliQuantity(t.CPUMilli, resource.DecimalSI),
		api.ResourceMemory: resource.NewQuantity(t.MemoryMiB<<20, resource.BinarySI),
	}
	var lim api.ResourceList
	var ann map[string]string
	if t.NumGPU > 0 {
		// An extended resource cannot be overcommitted: its limit is its request.
		req[plugins.ResourceGPUMilli] = resource.NewQuantity(t.TotalGPUMilli(), resource.DecimalSI)
		lim = api.ResourceList{plugins.ResourceGPUMilli: req[plugins.ResourceGPUMilli]}
		if len(t.GPUSpec) > 0 {
			ann = map[string]string{plugins.AnnotationGPUModel: strings.Join(t.GPUSpec, "|")}
		}
	}
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: api.CoreV1, Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: t.Name, Annotations: ann},
		Spec: api.PodSpec{SchedulerName: schedulerName, Containers: []api.Container{{Name: "task", Image: GPUTaskImage,
			Resources: api.ResourceRequirements{Requests: req, Limits: lim}}}},
	}
}

// ModelTask is the task in the GPU-sharing model's terms.
func (t GPUTask) ModelTask() gpushare.Task {
	return gpushare.Task{CPUMilli: t.CPUMilli, MemoryMiB: t.MemoryMiB, NumGPU: t.NumGPU, GPUMilli: t.GPUMilli,
		GPUSpec: strings.Join(t.GPUSpec, "|")}
}

// TypicalDistribution is the typical workload as FGD's model takes it.
func TypicalDistribution(classes []TaskClass) (*gpushare.Distribution, error) {
	return plugins.GPUTypicalDistribution(PluginTypical(classes))
}

// PluginTypical is the typical workload as GPUShare's args take it.
func PluginTypical(classes []TaskClass) []plugins.GPUTaskClass {
	out := make([]plugins.GPUTaskClass, len(classes))
	for i, c := range classes {
		out[i] = plugins.GPUTaskClass{CPUMilli: c.CPUMilli, NumGPU: c.NumGPU, GPUMilli: c.GPUMilli,
			GPUSpec: c.GPUSpec, Popularity: c.Popularity}
	}
	return out
}
