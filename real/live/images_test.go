package live

import (
	"testing"

	"github.com/kubetwin/kubetwin/scenarios"
)

// TestSubstituteImage runs every container on the given image and turns
// an image rollout into an annotation change, so it still rolls out.
func TestSubstituteImage(t *testing.T) {
	sc, err := scenarios.Open("quickstart", []string{"nodes=3"})
	if err != nil {
		t.Fatal(err)
	}
	SubstituteImage(sc, "kubetwin.local/workload:v1")
	for _, wl := range sc.Workloads {
		for _, obj := range wl.Objects {
			for _, c := range podSpecOf(obj).Containers {
				if c.Image != "kubetwin.local/workload:v1" {
					t.Errorf("%s: container %s runs %s", wl.Name, c.Name, c.Image)
				}
			}
		}
	}
	var rolled bool
	for _, a := range sc.Timeline {
		if a.Kind == scenarios.ActRollout {
			rolled = true
			if a.Image != "kubetwin.local/workload:v1" || a.Annotations[ScenarioImageAnnotation] != "nginx:1.28" {
				t.Errorf("rollout: image %s, annotations %v", a.Image, a.Annotations)
			}
		}
	}
	if !rolled {
		t.Fatal("quickstart has no rollout to check")
	}
}
