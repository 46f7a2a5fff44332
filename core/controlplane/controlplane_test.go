package controlplane_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controlplane"
	"github.com/kubetwin/kubetwin/core/events"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

func kind(v, k string) *api.Kind {
	out, err := api.LookupKind(v, k)
	if err != nil {
		panic(err)
	}
	return out
}

var (
	podKind    = kind(api.CoreV1, "Pod")
	nodeKind   = kind(api.CoreV1, "Node")
	nsKind     = kind(api.CoreV1, "Namespace")
	deployKind = kind(api.AppsV1, "Deployment")
	eventKind  = kind(api.CoreV1, "Event")
)

func TestDeploymentPodsAreCreatedAndScheduled(t *testing.T) {
	before := runtime.NumGoroutine()
	c := clock.Real()
	st := memory.New(memory.Options{Clock: c})
	defer st.Close()
	reg := registry.New(st, c)
	ctx := context.Background()
	mustCreate(t, reg, nsKind, fixtures.MakeNamespace("default"))
	for i := range 2 {
		mustCreate(t, reg, nodeKind, fixtures.MakeNode().Name(fmt.Sprintf("node-%d", i)).CPU("4").Obj())
	}
	var mu sync.Mutex
	var errs []error
	stopping := false
	cp, err := controlplane.New(controlplane.Config{Registry: reg, Clock: c, Seed: 1,
		Events: events.Options{Buffer: 100},
		OnError: func(component string, err error) {
			mu.Lock()
			defer mu.Unlock()
			// Conflicts are retried, as on Kubernetes; anything else is a bug.
			if !stopping && !registry.IsConflict(err) {
				errs = append(errs, fmt.Errorf("%s: %w", component, err))
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- cp.Run(runCtx) }()

	mustCreate(t, reg, deployKind, fixtures.MakeDeployment("web").Replicas(3).Obj())
	waitFor(t, 20*time.Second, "3 bound pods", func() bool { return boundPods(t, reg) == 3 })
	waitFor(t, 10*time.Second, "Scheduled and SuccessfulCreate-like events", func() bool {
		return countEvents(t, reg, "Scheduled") == 3
	})
	mu.Lock()
	stopping = true
	mu.Unlock()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	mu.Lock()
	if len(errs) > 0 {
		t.Errorf("errors while running: %v", errs)
	}
	mu.Unlock()
	waitFor(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before+2 })
}

// TestPartsRunAlone checks that either part runs without the other: the
// scheduler then runs the caches itself, and the controllers leave their
// pods pending.
func TestPartsRunAlone(t *testing.T) {
	tests := []struct {
		name                       string
		noScheduler, noControllers bool
		wantPods, wantBound        int
	}{
		{name: "scheduler alone", noControllers: true, wantPods: 1, wantBound: 1},
		{name: "controllers alone", noScheduler: true, wantPods: 4, wantBound: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			reg := newRegistry(t)
			mustCreate(t, reg, nodeKind, fixtures.MakeNode().Name("node-0").CPU("4").Obj())
			cp, err := controlplane.New(controlplane.Config{Registry: reg, Clock: clock.Real(),
				NoScheduler: tc.noScheduler, NoControllers: tc.noControllers})
			if err != nil {
				t.Fatal(err)
			}
			if (cp.Scheduler == nil) != tc.noScheduler || (len(cp.Controllers) == 0) != tc.noControllers {
				t.Fatalf("assembled scheduler=%v controllers=%d", cp.Scheduler != nil, len(cp.Controllers))
			}
			stop := run(t, cp)
			mustCreate(t, reg, deployKind, fixtures.MakeDeployment("web").Replicas(3).Obj())
			mustCreate(t, reg, podKind, fixtures.MakePod().Name("solo").CPU("1").Obj())
			waitFor(t, 20*time.Second, fmt.Sprintf("%d pods", tc.wantPods), func() bool {
				return countPods(t, reg) == tc.wantPods && boundPods(t, reg) == tc.wantBound
			})
			stop()
			waitFor(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
		})
	}
}

// TestRunStopsWhileCachesSync checks a control plane cancelled at once
// returns promptly and leaves nothing running.
func TestRunStopsWhileCachesSync(t *testing.T) {
	before := runtime.NumGoroutine()
	cp, err := controlplane.New(controlplane.Config{Registry: newRegistry(t), Clock: clock.Real()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its context ending")
	}
	waitFor(t, 5*time.Second, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

func TestControllersAreChosenByName(t *testing.T) {
	all := controlplane.ControllerNames()
	tests := []struct {
		list    []string
		want    []string
		wantErr bool
	}{
		{list: nil, want: all},
		{list: []string{"*"}, want: all},
		{list: []string{"deployment", "replicaset"}, want: []string{"replicaset", "deployment"}},
		{list: []string{"*", "-garbagecollector", "-podgc"}, want: all[:len(all)-2]},
		{list: []string{"replicaset", "-replicaset"}, want: nil},
		{list: []string{"replicaset", "-replicasets"}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.list, ","), func(t *testing.T) {
			cp, err := controlplane.New(controlplane.Config{Registry: newRegistry(t), Clock: clock.Real(),
				Controllers: tc.list})
			if tc.wantErr {
				if err == nil {
					t.Fatal("an unknown controller name was accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cp.Controllers {
				got = append(got, c.Name)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("controllers = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewRequiresRegistryAndClock(t *testing.T) {
	if _, err := controlplane.New(controlplane.Config{Clock: clock.Real()}); err == nil {
		t.Fatal("New without a registry succeeded")
	}
}

// newRegistry is a registry on a memory store with the default namespace.
func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	st := memory.New(memory.Options{Clock: clock.Real()})
	t.Cleanup(func() { _ = st.Close() })
	reg := registry.New(st, clock.Real())
	mustCreate(t, reg, nsKind, fixtures.MakeNamespace("default"))
	return reg
}

// run runs cp until the returned stop, which waits for Run to return.
func run(t *testing.T, cp *controlplane.ControlPlane) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
}

func countPods(t *testing.T, reg *registry.Registry) int {
	t.Helper()
	res, err := reg.List(context.Background(), podKind, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Items)
}

func mustCreate(t *testing.T, reg *registry.Registry, k *api.Kind, obj api.Object) {
	t.Helper()
	if _, err := reg.Create(context.Background(), k, obj.GetObjectMeta().Namespace, obj, registry.CreateOptions{}); err != nil {
		t.Fatalf("create %s: %v", k.Kind, err)
	}
}

func boundPods(t *testing.T, reg *registry.Registry) int {
	t.Helper()
	res, err := reg.List(context.Background(), podKind, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range res.Items {
		if o.(*api.Pod).Spec.NodeName != "" {
			n++
		}
	}
	return n
}

func countEvents(t *testing.T, reg *registry.Registry, reason string) int {
	t.Helper()
	res, err := reg.List(context.Background(), eventKind, store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range res.Items {
		if o.(*api.Event).Reason == reason {
			n++
		}
	}
	return n
}

func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
