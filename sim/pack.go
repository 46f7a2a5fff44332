package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/scenarios"
)

// attemptWithin bounds the virtual time a pod may wait for its one
// scheduling attempt: with no modelled latency it comes at once, so a pod
// still waiting is one no profile schedules.
const attemptWithin = time.Minute

// PackConfig is an arrival-only placement experiment, as packing studies
// run them: pods arrive one at a time, each gets one scheduling attempt,
// nothing departs, and a pod that fits nowhere is deleted, not retried.
type PackConfig struct {
	// Nodes make up the cluster; they are created as they are.
	Nodes []*api.Node
	// Pods arrive in this order, in the default namespace when they name none.
	Pods []*api.Pod
	// Profiles and Plugins configure the scheduler.
	Profiles []framework.Profile
	Plugins  framework.Registry
	// Seed seeds the scheduler's rand and every other stream.
	Seed uint64
	// Observe, when set, hears of each pod's outcome right after its
	// attempt: the pod as stored after binding (read-only), or nil when it
	// did not fit.
	Observe func(i int, bound *api.Pod) error
}

// PackResult counts a packing run's outcomes.
type PackResult struct {
	Placed, Failed int
	// Events is how many engine events the run took.
	Events uint64
}

// Pack runs an arrival-only experiment through the real scheduler on the
// simulator's control plane: the memory store and registry, the caches
// and the scheduler's driver, without controllers, nodes' agents or
// modelled latency. It needs no wall clock and is reproduced by its seed.
func Pack(ctx context.Context, cfg PackConfig) (*PackResult, error) {
	p, err := newPacker(ctx, cfg)
	if err != nil {
		return nil, err
	}
	res := &PackResult{}
	for i, pod := range cfg.Pods {
		if i%1000 == 0 && ctx.Err() != nil {
			return nil, fmt.Errorf("sim: pack: %w", ctx.Err())
		}
		bound, err := p.arrive(ctx, pod)
		if err != nil {
			return nil, fmt.Errorf("sim: pack: pod %d (%s): %w", i, pod.Name, err)
		}
		if bound != nil {
			res.Placed++
		} else {
			res.Failed++
		}
		if cfg.Observe != nil {
			if err := cfg.Observe(i, bound); err != nil {
				return nil, fmt.Errorf("sim: pack: pod %d (%s): %w", i, pod.Name, err)
			}
		}
	}
	res.Events = p.eng.Events()
	return res, nil
}

type packer struct {
	eng *Engine
	w   *world
}

func newPacker(ctx context.Context, cfg PackConfig) (*packer, error) {
	eng := NewEngine(Epoch, cfg.Seed)
	sc := &scenarios.Scenario{Name: "pack", Scheduler: scenarios.Scheduler{Profiles: cfg.Profiles}}
	w, err := newWorld(eng, sc, Options{Seed: cfg.Seed, Plugins: cfg.Plugins}, worldParts{noControllers: true})
	if err != nil {
		return nil, err
	}
	if err := w.start(ctx); err != nil {
		return nil, err
	}
	if err := seedNamespaces(ctx, w.reg); err != nil {
		return nil, err
	}
	for _, n := range cfg.Nodes {
		if _, err := w.reg.Create(ctx, nodeKind, "", n, registry.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("sim: pack: node %s: %w", n.Name, err)
		}
	}
	p := &packer{eng: eng, w: w}
	p.settle()
	return p, nil
}

// arrive creates the pod, runs the engine until the scheduler has tried
// it once, and returns it as bound, or deletes it and returns nil.
func (p *packer) arrive(ctx context.Context, pod *api.Pod) (*api.Pod, error) {
	ns := pod.Namespace
	if ns == "" {
		ns = "default"
	}
	before := p.w.sched.attempts
	if _, err := p.w.reg.Create(ctx, podKind, ns, pod, registry.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create: %w", err)
	}
	deadline := p.eng.Elapsed() + attemptWithin
	for p.w.sched.attempts == before {
		if !p.eng.Step() || p.eng.Elapsed() > deadline {
			return nil, fmt.Errorf("not tried by the scheduler within %s: does a profile have its schedulerName?", attemptWithin)
		}
	}
	obj, err := p.w.reg.Get(ctx, podKind, ns, pod.Name)
	if err != nil {
		return nil, fmt.Errorf("read back: %w", err)
	}
	if bound := obj.(*api.Pod); bound.Spec.NodeName != "" {
		return bound, nil
	}
	if _, _, err := p.w.reg.Delete(ctx, podKind, ns, pod.Name, registry.DeleteOptions{}); err != nil {
		return nil, fmt.Errorf("delete after failing: %w", err)
	}
	p.settle()
	return nil, nil
}

// settle runs what is due now: deliveries to the caches, so the next pod
// meets a scheduler that has seen everything so far.
func (p *packer) settle() { p.eng.RunUntil(p.eng.Elapsed()) }
