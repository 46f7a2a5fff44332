package controlplane_test

import (
	"context"
	"fmt"
	"runtime"
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
