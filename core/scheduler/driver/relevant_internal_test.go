package driver

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
)

// A bound pod's status changes are skipped; what scheduling weighs is not.
func TestBoundRelevant(t *testing.T) {
	start := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	base := fixtures.MakePod().Name("p").Node("n").Label("app", "web").Phase(api.PodRunning).Obj()
	base.Status.StartTime = &start
	later := api.NewTime(start.Add(time.Minute))
	cases := []struct {
		name   string
		change func(p *api.Pod)
		want   bool
	}{
		{"ready and an IP", func(p *api.Pod) {
			p.Status.PodIP = "10.0.0.1"
			p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}
		}, false},
		{"labels", func(p *api.Pod) { p.Labels = map[string]string{"app": "db"} }, true},
		{"spec (generation)", func(p *api.Pod) { p.Generation++ }, true},
		{"deletion", func(p *api.Pod) { p.DeletionTimestamp = &later }, true},
		{"finished", func(p *api.Pod) { p.Status.Phase = api.PodSucceeded }, true},
		{"start time", func(p *api.Pod) { p.Status.StartTime = &later }, true},
	}
	for _, c := range cases {
		cur := base.DeepCopy()
		c.change(cur)
		if got := boundRelevant(base, cur); got != c.want {
			t.Errorf("%s: boundRelevant = %v, want %v", c.name, got, c.want)
		}
	}
}
