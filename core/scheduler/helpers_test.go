package scheduler_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// fakeBinder records binds and fails those named in failures.
type fakeBinder struct {
	mu       sync.Mutex
	bound    map[string]string
	failures map[string]int
}

func newFakeBinder() *fakeBinder {
	return &fakeBinder{bound: map[string]string{}, failures: map[string]int{}}
}

func (b *fakeBinder) Bind(_ context.Context, pod *api.Pod, node string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failures[pod.Name] > 0 {
		b.failures[pod.Name]--
		return errors.New("apiserver unavailable")
	}
	b.bound[pod.Name] = node
	return nil
}

type harness struct {
	s      *scheduler.Scheduler
	clock  *clock.Manual
	binder *fakeBinder
}

func newHarness(t testing.TB, seed int64, profiles ...framework.Profile) *harness {
	t.Helper()
	h := &harness{clock: clock.NewManual(t0), binder: newFakeBinder()}
	s, err := scheduler.New(scheduler.Options{Clock: h.clock, Rand: rand.New(rand.NewPCG(uint64(seed), 0)),
		Binder: h.binder, Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	h.s = s
	return h
}

// drain schedules until no pod is ready, confirming each bind as a driver
// would, and returns the results in order.
func (h *harness) drain(t testing.TB) []scheduler.Result {
	t.Helper()
	var out []scheduler.Result
	for {
		res, ok := h.s.ScheduleOne(context.Background())
		if !ok {
			return out
		}
		if res.Err == nil {
			bound := res.Pod.DeepCopy()
			bound.Spec.NodeName = res.Node
			if err := h.s.UpdatePod(res.Pod, bound); err != nil {
				t.Fatalf("confirm %s: %v", res.Pod.Name, err)
			}
		}
		out = append(out, res)
	}
}

func placements(rs []scheduler.Result) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		if r.Err == nil {
			m[r.Pod.Name] = r.Node
		} else {
			m[r.Pod.Name] = "<" + r.Err.Error() + ">"
		}
	}
	return m
}

// sRand returns a fresh seeded rand for building extra schedulers in tests.
func (h *harness) sRand() *rand.Rand { return rand.New(rand.NewPCG(1, 0)) }
