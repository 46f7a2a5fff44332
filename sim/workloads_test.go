package sim

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

// A copy's selector, template and object carry its own label, so two
// copies of one Deployment never select each other's pods.
func TestMarkCopy(t *testing.T) {
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web-3"},
		Spec: api.DeploymentSpec{Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}}}}}
	markCopy(d, "web-3")
	for what, ls := range map[string]map[string]string{"object": d.Labels, "selector": d.Spec.Selector.MatchLabels,
		"template": d.Spec.Template.Labels} {
		if ls[CopyLabel] != "web-3" {
			t.Errorf("%s labels %v lack %s=web-3", what, ls, CopyLabel)
		}
	}
	if d.Spec.Selector.MatchLabels["app"] != "web" {
		t.Errorf("selector lost its own labels: %v", d.Spec.Selector.MatchLabels)
	}
}
