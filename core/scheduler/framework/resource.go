package framework

import (
	"maps"

	"github.com/kubetwin/kubetwin/core/api"
)

// Default requests used only for scoring pods that request nothing, as
// Kubernetes does, so empty pods still spread instead of piling on one node.
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of every resource as integers (milli-CPU, bytes,
// pod count, extended resources by name) so fit checks are integer arithmetic.
type Resource struct {
	MilliCPU         int64
	Memory           int64
	EphemeralStorage int64
	AllowedPodNumber int64
	Scalar           map[api.ResourceName]int64
}

// NewResource converts an API resource list (allocatable or requests) into integers.
func NewResource(rl api.ResourceList) Resource {
	var r Resource
	r.AddList(rl)
	return r
}

// AddList adds every quantity of rl to r. Sums do not depend on the order
// of the map walk, so it walks rl unsorted: this runs for every pod.
func (r *Resource) AddList(rl api.ResourceList) {
	for name, q := range rl {
		switch name {
		case api.ResourceCPU:
			r.MilliCPU += q.MilliValue()
		case api.ResourceMemory:
			r.Memory += q.Value()
		case api.ResourceEphemeralStorage:
			r.EphemeralStorage += q.Value()
		case api.ResourcePods:
			r.AllowedPodNumber += q.Value()
		default:
			r.AddScalar(name, q.Value())
		}
	}
}

// AddScalar adds v of an extended resource.
func (r *Resource) AddScalar(name api.ResourceName, v int64) {
	if r.Scalar == nil {
		r.Scalar = map[api.ResourceName]int64{}
	}
	r.Scalar[name] += v
}

// Add adds o to r (pod counts included).
func (r *Resource) Add(o Resource) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
	r.EphemeralStorage += o.EphemeralStorage
	r.AllowedPodNumber += o.AllowedPodNumber
	for k, v := range o.Scalar {
		r.AddScalar(k, v)
	}
}

// Sub subtracts o from r, dropping extended resources that reach zero.
func (r *Resource) Sub(o Resource) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
	r.EphemeralStorage -= o.EphemeralStorage
	r.AllowedPodNumber -= o.AllowedPodNumber
	for k, v := range o.Scalar {
		r.AddScalar(k, -v)
		if r.Scalar[k] == 0 {
			delete(r.Scalar, k)
		}
	}
}

// SetMax raises each amount of r to at least o's.
func (r *Resource) SetMax(o Resource) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
	r.EphemeralStorage = max(r.EphemeralStorage, o.EphemeralStorage)
	r.AllowedPodNumber = max(r.AllowedPodNumber, o.AllowedPodNumber)
	for k, v := range o.Scalar {
		if v > r.Scalar[k] {
			r.AddScalar(k, v-r.Scalar[k])
		}
	}
}

// Clone deep-copies r so snapshots never share maps with the cache.
func (r Resource) Clone() Resource {
	r.Scalar = maps.Clone(r.Scalar)
	return r
}

// Get returns the amount of a named resource, in the units above.
func (r Resource) Get(name api.ResourceName) int64 {
	switch name {
	case api.ResourceCPU:
		return r.MilliCPU
	case api.ResourceMemory:
		return r.Memory
	case api.ResourceEphemeralStorage:
		return r.EphemeralStorage
	case api.ResourcePods:
		return r.AllowedPodNumber
	}
	return r.Scalar[name]
}

// IsZero reports whether r requests nothing at all.
func (r Resource) IsZero() bool {
	return r.MilliCPU == 0 && r.Memory == 0 && r.EphemeralStorage == 0 && len(r.Scalar) == 0
}

// PodRequests computes what a pod needs on a node the way Kubernetes does:
// the larger of the regular containers' sum (plus sidecars) and the largest
// init container step, plus the pod overhead.
func PodRequests(pod *api.Pod) Resource {
	return podRequests(pod, false)
}

// PodNonZeroRequests is PodRequests with containers that request no cpu or
// memory counted at DefaultMilliCPURequest / DefaultMemoryRequest, for scoring.
func PodNonZeroRequests(pod *api.Pod) Resource {
	return podRequests(pod, true)
}

func podRequests(pod *api.Pod, nonZero bool) Resource {
	var regular, sidecars, initPeak Resource
	for i := range pod.Spec.Containers {
		regular.Add(containerRequests(&pod.Spec.Containers[i], nonZero))
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		req := containerRequests(c, nonZero)
		step := sidecars.Clone()
		step.Add(req)
		initPeak.SetMax(step)
		if c.RestartPolicy != nil && *c.RestartPolicy == api.ContainerRestartPolicyAlways {
			sidecars.Add(req)
		}
	}
	regular.Add(sidecars)
	regular.SetMax(initPeak)
	regular.AddList(pod.Spec.Overhead)
	return regular
}

func containerRequests(c *api.Container, nonZero bool) Resource {
	r := NewResource(c.Resources.Requests)
	if nonZero {
		if _, ok := c.Resources.Requests[api.ResourceCPU]; !ok {
			r.MilliCPU = DefaultMilliCPURequest
		}
		if _, ok := c.Resources.Requests[api.ResourceMemory]; !ok {
			r.Memory = DefaultMemoryRequest
		}
	}
	return r
}
