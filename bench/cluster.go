package bench

import (
	"context"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/scheduler"
)

var (
	nodeKind = api.MustLookupKind(api.CoreV1, "Node")
	podKind  = api.MustLookupKind(api.CoreV1, "Pod")
	nsKind   = api.MustLookupKind(api.CoreV1, "Namespace")
	pcKind   = api.MustLookupKind(api.SchedulingV1, "PriorityClass")
)

// seed creates the namespace and the priority classes every case may use.
func seed(ctx context.Context, r *registry.Registry) error {
	objs := []struct {
		kind *api.Kind
		obj  api.Object
	}{
		{nsKind, fixtures.MakeNamespace("default")},
		{pcKind, fixtures.MakePriorityClass(lowPriorityClass, 1)},
		{pcKind, fixtures.MakePriorityClass(highPriorityClass, 1000)},
	}
	for _, o := range objs {
		if _, err := r.Create(ctx, o.kind, "", o.obj, registry.CreateOptions{}); err != nil {
			return fmt.Errorf("seed %s: %w", o.kind.Kind, err)
		}
	}
	return nil
}

// addNode creates a node in the registry and tells the scheduler.
func addNode(ctx context.Context, r *registry.Registry, s *scheduler.Scheduler, n *api.Node) error {
	obj, err := r.Create(ctx, nodeKind, "", n, registry.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create node %s: %w", n.Name, err)
	}
	s.AddNode(obj.(*api.Node))
	return nil
}

// addPod creates a pod in the registry and queues it in the scheduler.
func addPod(ctx context.Context, r *registry.Registry, s *scheduler.Scheduler, p *api.Pod) error {
	obj, err := r.Create(ctx, podKind, p.Namespace, p, registry.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %s: %w", p.Name, err)
	}
	if err := s.AddPod(obj.(*api.Pod)); err != nil {
		return fmt.Errorf("queue pod %s: %w", p.Name, err)
	}
	return nil
}

// deletePod deletes a pod from the registry and the scheduler, as a
// preemption victim's or a churned pod's deletion reaches the scheduler.
func deletePod(ctx context.Context, r *registry.Registry, s *scheduler.Scheduler, p *api.Pod) error {
	obj, _, err := r.Delete(ctx, podKind, p.Namespace, p.Name, registry.DeleteOptions{})
	if registry.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete pod %s: %w", p.Name, err)
	}
	if err := s.DeletePod(obj.(*api.Pod)); err != nil {
		return fmt.Errorf("forget pod %s: %w", p.Name, err)
	}
	return nil
}

// confirmBind reads the bound pod back and confirms the scheduler's
// assumed copy, as the bound pod's watch event does.
func confirmBind(ctx context.Context, r *registry.Registry, s *scheduler.Scheduler, pending *api.Pod) error {
	obj, err := r.Get(ctx, podKind, pending.Namespace, pending.Name)
	if err != nil {
		return fmt.Errorf("read bound pod %s: %w", pending.Name, err)
	}
	if err := s.UpdatePod(pending, obj.(*api.Pod)); err != nil {
		return fmt.Errorf("confirm pod %s: %w", pending.Name, err)
	}
	return nil
}
