package plugins

import (
	"fmt"
	"math"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// scaledShape validates a RequestedToCapacityRatio shape (utilisation
// strictly increasing in [0, 100], scores in [0, 10]) and scales its scores
// to MaxNodeScore.
func scaledShape(shape []UtilizationShapePoint) ([]UtilizationShapePoint, error) {
	if len(shape) == 0 {
		return nil, fmt.Errorf("%w: requestedToCapacityRatio.shape is empty", ErrInvalidArgs)
	}
	pts := make([]UtilizationShapePoint, len(shape))
	for i, p := range shape {
		if p.Utilization < 0 || p.Utilization > 100 || p.Score < 0 || p.Score > maxCustomScore {
			return nil, fmt.Errorf("%w: shape[%d] = {%d, %d}: utilization must be in [0, 100] and score in [0, %d]",
				ErrInvalidArgs, i, p.Utilization, p.Score, maxCustomScore)
		}
		if i > 0 && p.Utilization <= shape[i-1].Utilization {
			return nil, fmt.Errorf("%w: shape utilizations must increase (shape[%d])", ErrInvalidArgs, i)
		}
		pts[i] = UtilizationShapePoint{Utilization: p.Utilization, Score: p.Score * int32(framework.MaxNodeScore/maxCustomScore)}
	}
	return pts, nil
}

// ratioScore interpolates the shape at each resource's utilisation and
// averages the positive scores by weight.
func ratioScore(requested, allocatable []int64, res []ResourceSpec, pts []UtilizationShapePoint) int64 {
	var sum, weights int64
	for i := range requested {
		if allocatable[i] == 0 {
			continue
		}
		s := interpolate(pts, 100)
		if requested[i] <= allocatable[i] {
			s = interpolate(pts, requested[i]*100/allocatable[i])
		}
		if s > 0 {
			sum += s * res[i].Weight
			weights += res[i].Weight
		}
	}
	if weights == 0 {
		return 0
	}
	return int64(math.Round(float64(sum) / float64(weights)))
}

// interpolate evaluates the broken-line curve through pts at util.
func interpolate(pts []UtilizationShapePoint, util int64) int64 {
	if util < int64(pts[0].Utilization) {
		return int64(pts[0].Score)
	}
	for i := 1; i < len(pts); i++ {
		lo, hi := pts[i-1], pts[i]
		if util <= int64(hi.Utilization) {
			return int64(lo.Score) + int64(hi.Score-lo.Score)*(util-int64(lo.Utilization))/int64(hi.Utilization-lo.Utilization)
		}
	}
	return int64(pts[len(pts)-1].Score)
}
