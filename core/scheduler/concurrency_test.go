package scheduler_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

// slowBinder binds after a pause, from the scheduler's binding goroutines,
// and checks at every bind that no node holds more than it can and no pod
// is bound twice.
type slowBinder struct {
	t        *testing.T
	pause    time.Duration
	capacity int64 // milli-CPU per node
	mu       sync.Mutex
	used     map[string]int64
	bound    map[string]string
}

func (b *slowBinder) Bind(_ context.Context, pod *api.Pod, node string) error {
	time.Sleep(b.pause) // overlap with later scheduling cycles
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.bound[pod.Name]; ok {
		b.t.Errorf("pod %s bound twice: %s then %s", pod.Name, prev, node)
	}
	b.bound[pod.Name] = node
	b.used[node] += cpuRequest(pod)
	if b.used[node] > b.capacity {
		b.t.Errorf("node %s overcommitted: %dm of %dm", node, b.used[node], b.capacity)
	}
	return nil
}

func (b *slowBinder) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.bound)
}

// TestAssumedPodsNeverOvercommit runs the real-time loop, whose binds run
// in goroutines while later pods are scheduled against the assumed ones:
// 4 nodes of 4 CPUs take exactly 16 of 40 one-CPU pods, never more.
func TestAssumedPodsNeverOvercommit(t *testing.T) {
	b := &slowBinder{t: t, pause: 2 * time.Millisecond, capacity: 4000, used: map[string]int64{}, bound: map[string]string{}}
	s, err := scheduler.New(scheduler.Options{Clock: clock.Real(), Rand: rand.New(rand.NewPCG(1, 2)), Binder: b})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		s.AddNode(fixtures.MakeNode().Name(fmt.Sprintf("n%d", i)).CPU("4").Memory("16Gi").Obj())
	}
	for i := range 40 {
		if err := s.AddPod(fixtures.MakePod().Name(fmt.Sprintf("p%02d", i)).UID(fmt.Sprint(i)).CPU("1").Obj()); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	failed := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx, func(r scheduler.Result) {
			if r.Err != nil {
				mu.Lock()
				failed[r.Pod.Name] = true
				mu.Unlock()
			}
		})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for waiting := true; waiting; {
		mu.Lock()
		waiting = b.count()+len(failed) < 40
		mu.Unlock()
		if waiting && time.Now().After(deadline) {
			t.Fatalf("after 10s: %d bound, %d failed of 40", b.count(), len(failed))
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if got := b.count(); got != 16 {
		t.Fatalf("%d pods bound, want exactly the 16 that fit", got)
	}
}

func cpuRequest(p *api.Pod) int64 {
	q := p.Spec.Containers[0].Resources.Requests[api.ResourceCPU]
	return q.MilliValue()
}
