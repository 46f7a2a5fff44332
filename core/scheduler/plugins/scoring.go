package plugins

import (
	"errors"
	"fmt"
	"math"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// The NodeResourcesFit scoring strategies.
const (
	LeastAllocated           = "LeastAllocated"
	MostAllocated            = "MostAllocated"
	RequestedToCapacityRatio = "RequestedToCapacityRatio"
)

// maxCustomScore is the top of a RequestedToCapacityRatio shape's score scale.
const maxCustomScore = 10

// ErrInvalidArgs marks plugin args that cannot be used.
var ErrInvalidArgs = errors.New("invalid plugin args")

// ResourceSpec weights one resource in scoring.
type ResourceSpec struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight,omitempty"`
}

// UtilizationShapePoint maps a utilisation percentage to a score in [0, 10].
type UtilizationShapePoint struct {
	Utilization int32 `json:"utilization"`
	Score       int32 `json:"score"`
}

// RequestedToCapacityRatioParam is the shape of the RequestedToCapacityRatio curve.
type RequestedToCapacityRatioParam struct {
	Shape []UtilizationShapePoint `json:"shape"`
}

// ScoringStrategy picks and configures how NodeResourcesFit scores.
type ScoringStrategy struct {
	Type                     string                         `json:"type,omitempty"`
	Resources                []ResourceSpec                 `json:"resources,omitempty"`
	RequestedToCapacityRatio *RequestedToCapacityRatioParam `json:"requestedToCapacityRatio,omitempty"`
}

// resourceScorer turns per-resource (requested, allocatable) pairs into a node score.
type resourceScorer struct {
	resources    []ResourceSpec
	useRequested bool
	fn           func(requested, allocatable []int64, weights []ResourceSpec) int64
}

// build validates the strategy and returns its scorer.
func (s *ScoringStrategy) build() (resourceScorer, error) {
	res, err := validResources(s.Resources)
	if err != nil {
		return resourceScorer{}, err
	}
	rs := resourceScorer{resources: res}
	switch s.Type {
	case "", LeastAllocated:
		rs.fn = leastAllocatedScore
	case MostAllocated:
		rs.fn = mostAllocatedScore
	case RequestedToCapacityRatio:
		if s.RequestedToCapacityRatio == nil {
			return rs, fmt.Errorf("%w: %s needs requestedToCapacityRatio.shape", ErrInvalidArgs, RequestedToCapacityRatio)
		}
		fn, err := shapeScorer(s.RequestedToCapacityRatio.Shape)
		if err != nil {
			return rs, err
		}
		rs.fn = fn
	default:
		return rs, fmt.Errorf("%w: unknown scoring strategy %q", ErrInvalidArgs, s.Type)
	}
	return rs, nil
}

// validResources defaults to cpu and memory at weight 1 and checks weights are in [1, 100].
func validResources(in []ResourceSpec) ([]ResourceSpec, error) {
	if len(in) == 0 {
		return []ResourceSpec{{Name: string(api.ResourceCPU), Weight: 1}, {Name: string(api.ResourceMemory), Weight: 1}}, nil
	}
	out := make([]ResourceSpec, len(in))
	for i, r := range in {
		if r.Weight == 0 {
			r.Weight = 1
		}
		if r.Name == "" || r.Weight < 1 || r.Weight > 100 {
			return nil, fmt.Errorf("%w: resource %q weight %d (want a name and weight in [1, 100])", ErrInvalidArgs, r.Name, r.Weight)
		}
		out[i] = r
	}
	return out, nil
}

// podRequests is what the pod adds: actual requests, or with scoring
// defaults for containers that request no cpu/memory.
func (rs *resourceScorer) podRequests(pod *api.Pod) framework.Resource {
	if rs.useRequested {
		return framework.PodRequests(pod)
	}
	return framework.PodNonZeroRequests(pod)
}

// score gathers (requested incl. the pod, allocatable) per resource and
// applies fn; an extended resource the pod does not ask for is left out.
func (rs *resourceScorer) score(pod framework.Resource, n *framework.NodeInfo) int64 {
	requested := make([]int64, len(rs.resources))
	allocatable := make([]int64, len(rs.resources))
	nodeReq := &n.NonZeroRequested
	if rs.useRequested {
		nodeReq = &n.Requested
	}
	for i, r := range rs.resources {
		name := api.ResourceName(r.Name)
		want := pod.Get(name)
		if isScalar(name) && want == 0 {
			continue
		}
		used := n.Requested.Get(name)
		if name == api.ResourceCPU || name == api.ResourceMemory {
			used = nodeReq.Get(name)
		}
		allocatable[i], requested[i] = n.Allocatable.Get(name), used+want
	}
	return rs.fn(requested, allocatable, rs.resources)
}

func isScalar(name api.ResourceName) bool {
	switch name {
	case api.ResourceCPU, api.ResourceMemory, api.ResourceEphemeralStorage, api.ResourcePods:
		return false
	}
	return true
}

// weightedAverage averages per-resource scores over resources the node has.
func weightedAverage(requested, allocatable []int64, res []ResourceSpec, one func(req, alloc int64) int64) int64 {
	var sum, weights int64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		sum += one(requested[i], allocatable[i]) * res[i].Weight
		weights += res[i].Weight
	}
	if weights == 0 {
		return 0
	}
	return sum / weights
}

// leastAllocatedScore favours free capacity: (allocatable-requested)/allocatable.
func leastAllocatedScore(requested, allocatable []int64, res []ResourceSpec) int64 {
	return weightedAverage(requested, allocatable, res, func(req, alloc int64) int64 {
		if req > alloc {
			return 0
		}
		return (alloc - req) * framework.MaxNodeScore / alloc
	})
}

// mostAllocatedScore favours packing: requested/allocatable, capped at full.
func mostAllocatedScore(requested, allocatable []int64, res []ResourceSpec) int64 {
	return weightedAverage(requested, allocatable, res, func(req, alloc int64) int64 {
		return min(req, alloc) * framework.MaxNodeScore / alloc
	})
}

// balancedScore is (1 - standard deviation of the used fractions) * MaxNodeScore.
func balancedScore(requested, allocatable []int64, _ []ResourceSpec) int64 {
	var fractions []float64
	var total float64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		f := min(float64(requested[i])/float64(allocatable[i]), 1)
		fractions = append(fractions, f)
		total += f
	}
	var std float64
	switch n := float64(len(fractions)); {
	case len(fractions) == 2:
		std = math.Abs((fractions[0] - fractions[1]) / 2)
	case len(fractions) > 2:
		mean, sq := total/n, 0.0
		for _, f := range fractions {
			sq += (f - mean) * (f - mean)
		}
		std = math.Sqrt(sq / n)
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
