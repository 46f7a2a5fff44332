package scenarios

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/examples"
)

func TestEmbeddedProfilesBuildAScheduler(t *testing.T) {
	for _, name := range EmbeddedProfiles() {
		t.Run(name, func(t *testing.T) {
			sc := parse(t, "scheduler: {profile: "+name+"}\n")
			if sc.Scheduler.Profile != name || len(sc.Scheduler.Profiles) == 0 {
				t.Fatalf("scheduler = %+v", sc.Scheduler)
			}
			newScheduler(t, sc.Scheduler.Profiles)
		})
	}
}

func TestBinpackIsMostAllocated(t *testing.T) {
	sc := parse(t, "scheduler: {profile: binpack}\n")
	p := sc.Scheduler.Profiles[0]
	if len(p.PluginConfig) != 1 || p.PluginConfig[0].Name != "NodeResourcesFit" ||
		!strings.Contains(string(p.PluginConfig[0].Args), "MostAllocated") {
		t.Errorf("binpack profile = %+v", p)
	}
}

func TestInlineProfiles(t *testing.T) {
	sc := parse(t, `scheduler:
  profiles:
  - schedulerName: default-scheduler
    percentageOfNodesToScore: ${n}
  - schedulerName: packer
    pluginConfig:
    - name: NodeResourcesFit
      args: {scoringStrategy: {type: MostAllocated}}
`)
	if sc.Scheduler.Profile != InlineProfile || len(sc.Scheduler.Profiles) != 2 {
		t.Fatalf("scheduler = %+v", sc.Scheduler)
	}
	if got := sc.Scheduler.Profiles[0].PercentageOfNodesToScore; got == nil || *got != 5 {
		t.Errorf("percentageOfNodesToScore = %v, want 5 from the parameter", got)
	}
	newScheduler(t, sc.Scheduler.Profiles)
}

func TestDefaultProfile(t *testing.T) {
	if sc := parse(t, ""); sc.Scheduler.Profile != DefaultProfile || sc.Scheduler.Profiles != nil {
		t.Errorf("scheduler = %+v", sc.Scheduler)
	}
}

// newScheduler builds a scheduler with profiles and the example plugins,
// as the kubetwin binary does.
func newScheduler(t *testing.T, profiles []framework.Profile) {
	t.Helper()
	_, err := scheduler.New(scheduler.Options{Clock: clock.NewManual(time.Unix(0, 0)), Rand: rand.New(rand.NewPCG(1, 2)),
		Binder: nopBinder{}, Profiles: profiles, Registry: examples.Registry()})
	if err != nil {
		t.Fatalf("scheduler.New: %v", err)
	}
}

// nopBinder accepts every bind; building a scheduler needs one.
type nopBinder struct{}

func (nopBinder) Bind(context.Context, *api.Pod, string) error { return nil }
