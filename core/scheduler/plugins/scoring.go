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
	resources []ResourceSpec
	// kinds says where each resource is kept in a framework.Resource,
	// worked out once because score runs for every node of every cycle.
	kinds        []resourceKind
	useRequested bool
	formula      formula
	// shape is the RequestedToCapacityRatio curve, scores scaled to MaxNodeScore.
	shape []UtilizationShapePoint
}

// resourceKind is a resource's field in framework.Resource.
type resourceKind uint8

const (
	kindCPU resourceKind = iota
	kindMemory
	kindEphemeralStorage
	kindPods
	kindScalar
)

func kindOf(name api.ResourceName) resourceKind {
	switch name {
	case api.ResourceCPU:
		return kindCPU
	case api.ResourceMemory:
		return kindMemory
	case api.ResourceEphemeralStorage:
		return kindEphemeralStorage
	case api.ResourcePods:
		return kindPods
	}
	return kindScalar
}

// formula is how a scorer combines the per-resource figures.
type formula uint8

const (
	formulaLeastAllocated formula = iota
	formulaMostAllocated
	formulaRatio
	formulaBalanced
)

// newResourceScorer precomputes where each resource lives.
func newResourceScorer(res []ResourceSpec, useRequested bool, f formula) resourceScorer {
	kinds := make([]resourceKind, len(res))
	for i, r := range res {
		kinds[i] = kindOf(api.ResourceName(r.Name))
	}
	return resourceScorer{resources: res, kinds: kinds, useRequested: useRequested, formula: f}
}

// build validates the strategy and returns its scorer.
func (s *ScoringStrategy) build() (resourceScorer, error) {
	res, err := validResources(s.Resources)
	if err != nil {
		return resourceScorer{}, err
	}
	switch s.Type {
	case "", LeastAllocated:
		return newResourceScorer(res, false, formulaLeastAllocated), nil
	case MostAllocated:
		return newResourceScorer(res, false, formulaMostAllocated), nil
	case RequestedToCapacityRatio:
		if s.RequestedToCapacityRatio == nil {
			return resourceScorer{}, fmt.Errorf("%w: %s needs requestedToCapacityRatio.shape", ErrInvalidArgs, RequestedToCapacityRatio)
		}
		shape, err := scaledShape(s.RequestedToCapacityRatio.Shape)
		if err != nil {
			return resourceScorer{}, err
		}
		rs := newResourceScorer(res, false, formulaRatio)
		rs.shape = shape
		return rs, nil
	default:
		return resourceScorer{}, fmt.Errorf("%w: unknown scoring strategy %q", ErrInvalidArgs, s.Type)
	}
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

// inlineResources is how many resources score handles without allocating.
const inlineResources = 8

// score gathers (requested incl. the pod, allocatable) per resource and
// applies the formula; an extended resource the pod does not ask for is left out.
func (rs *resourceScorer) score(pod *framework.Resource, n *framework.NodeInfo) int64 {
	var reqBuf, allocBuf [inlineResources]int64
	requested, allocatable := reqBuf[:0], allocBuf[:0]
	if len(rs.resources) > inlineResources {
		requested, allocatable = make([]int64, 0, len(rs.resources)), make([]int64, 0, len(rs.resources))
	}
	requested, allocatable = requested[:len(rs.resources)], allocatable[:len(rs.resources)]
	nodeReq := &n.NonZeroRequested
	if rs.useRequested {
		nodeReq = &n.Requested
	}
	for i, kind := range rs.kinds {
		var want, used, alloc int64
		switch kind {
		case kindCPU:
			want, used, alloc = pod.MilliCPU, nodeReq.MilliCPU, n.Allocatable.MilliCPU
		case kindMemory:
			want, used, alloc = pod.Memory, nodeReq.Memory, n.Allocatable.Memory
		case kindEphemeralStorage:
			want, used, alloc = pod.EphemeralStorage, n.Requested.EphemeralStorage, n.Allocatable.EphemeralStorage
		case kindPods:
			want, used, alloc = pod.AllowedPodNumber, n.Requested.AllowedPodNumber, n.Allocatable.AllowedPodNumber
		default:
			name := api.ResourceName(rs.resources[i].Name)
			if want = pod.Scalar[name]; want == 0 {
				continue
			}
			used, alloc = n.Requested.Scalar[name], n.Allocatable.Scalar[name]
		}
		allocatable[i], requested[i] = alloc, used+want
	}
	switch rs.formula {
	case formulaMostAllocated:
		return mostAllocatedScore(requested, allocatable, rs.resources)
	case formulaRatio:
		return ratioScore(requested, allocatable, rs.resources, rs.shape)
	case formulaBalanced:
		return balancedScore(requested, allocatable)
	}
	return leastAllocatedScore(requested, allocatable, rs.resources)
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
func balancedScore(requested, allocatable []int64) int64 {
	fraction := func(i int) float64 { return min(float64(requested[i])/float64(allocatable[i]), 1) }
	var count int
	var total, first, second float64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		f := fraction(i)
		switch count {
		case 0:
			first = f
		case 1:
			second = f
		}
		count++
		total += f
	}
	var std float64
	switch {
	case count == 2:
		std = math.Abs((first - second) / 2)
	case count > 2:
		mean, sq := total/float64(count), 0.0
		for i := range requested {
			if allocatable[i] != 0 {
				sq += (fraction(i) - mean) * (fraction(i) - mean)
			}
		}
		std = math.Sqrt(sq / float64(count))
	}
	return int64((1 - std) * float64(framework.MaxNodeScore))
}
