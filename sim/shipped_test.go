package sim_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/scenarios"
)

// Every shipped scenario runs at a small size and meets its thresholds.
func TestShippedScenariosRun(t *testing.T) {
	small := map[string][]string{
		"quickstart":           {"nodes=10"},
		"scheduler-basic-5000": {"nodes=50", "pods=500"},
		"rolling-update-1000":  {"nodes=20", "replicas=100"},
		"zone-outage":          {"nodes=30", "frontend=30", "backend=15"},
		"batch-poisson":        {"nodes=20", "rate=0.5", "until=5m"},
		"day-churn":            {"nodes=30", "services=10", "frontend=20", "jobRate=0.005"},
		"pod-startup":          {},
		"gpu-sharing":          {},
	}
	for _, name := range scenarios.Embedded() {
		sets, ok := small[name]
		if !ok {
			t.Errorf("%s has no small size here: add one", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Open(name, sets)
			if err != nil {
				t.Fatal(err)
			}
			s := run(t, sc, sc.Seed).Summary
			for _, th := range s.Thresholds {
				if !th.OK {
					t.Errorf("threshold %s missed: %s", th.Threshold, th.Reason)
				}
			}
			if s.Pods.Created == 0 || s.Nodes.Total == 0 {
				t.Errorf("nothing ran: pods %+v nodes %+v", s.Pods, s.Nodes)
			}
		})
	}
}
