package live

import (
	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/scenarios"
)

// ScenarioImageAnnotation keeps, on a pod template whose images were
// substituted, the image a rollout asked for, so the rollout still makes
// a new revision although the image it runs is the same.
const ScenarioImageAnnotation = "kubetwin.io/scenario-image"

// SubstituteImage makes every container of the scenario's workloads run
// image instead of the one its manifest names, keeping commands and
// arguments: scenarios written for the simulator name images (nginx,
// redis) that a cluster without a registry does not have. Rollouts that
// change the image change an annotation instead.
func SubstituteImage(sc *scenarios.Scenario, image string) {
	for i := range sc.Workloads {
		for _, obj := range sc.Workloads[i].Objects {
			if spec := podSpecOf(obj); spec != nil {
				setImages(spec, image)
			}
		}
	}
	for i := range sc.Timeline {
		a := &sc.Timeline[i]
		if a.Kind != scenarios.ActRollout || a.Image == "" || a.Image == image {
			continue
		}
		anns := map[string]string{ScenarioImageAnnotation: a.Image}
		for k, v := range a.Annotations {
			anns[k] = v
		}
		a.Image, a.Annotations = image, anns
	}
}

// podSpecOf is the pod spec a workload object runs: a pod's own, or its
// controller's template's.
func podSpecOf(obj api.Object) *api.PodSpec {
	if p, ok := obj.(*api.Pod); ok {
		return &p.Spec
	}
	if t := scenarios.PodTemplate(obj); t != nil {
		return &t.Spec
	}
	return nil
}

func setImages(spec *api.PodSpec, image string) {
	for i := range spec.InitContainers {
		spec.InitContainers[i].Image = image
	}
	for i := range spec.Containers {
		spec.Containers[i].Image = image
	}
}
