package metrics

import (
	"context"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Reserve forwards and times Reserve.
func (t *timedPlugin) Reserve(ctx context.Context, state *framework.CycleState, pod *api.Pod, node string) *framework.Status {
	start, on := t.begin()
	st := t.inner.(framework.ReservePlugin).Reserve(ctx, state, pod, node)
	if on {
		t.observe(pointReserve, start, st)
	}
	return st
}

// Unreserve forwards Unreserve, untimed as it has no status.
func (t *timedPlugin) Unreserve(ctx context.Context, state *framework.CycleState, pod *api.Pod, node string) {
	t.inner.(framework.ReservePlugin).Unreserve(ctx, state, pod, node)
}

// Permit forwards and times Permit.
func (t *timedPlugin) Permit(ctx context.Context, state *framework.CycleState, pod *api.Pod, node string) *framework.Status {
	start, on := t.begin()
	st := t.inner.(framework.PermitPlugin).Permit(ctx, state, pod, node)
	if on {
		t.observe(pointPermit, start, st)
	}
	return st
}

// PreBind forwards and times PreBind.
func (t *timedPlugin) PreBind(ctx context.Context, state *framework.CycleState, pod *api.Pod, node string) *framework.Status {
	start, on := t.beginBinding(state)
	st := t.inner.(framework.PreBindPlugin).PreBind(ctx, state, pod, node)
	if on {
		t.observe(pointPreBind, start, st)
	}
	return st
}

// Bind forwards and times Bind.
func (t *timedPlugin) Bind(ctx context.Context, state *framework.CycleState, pod *api.Pod, node string) *framework.Status {
	start, on := t.beginBinding(state)
	st := t.inner.(framework.BindPlugin).Bind(ctx, state, pod, node)
	if on {
		t.observe(pointBind, start, st)
	}
	return st
}

// AddPod forwards the PreFilter extension when the inner plugin has it;
// without it, success is what the framework assumes anyway.
func (t *timedPlugin) AddPod(ctx context.Context, state *framework.CycleState, pod *api.Pod,
	pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	if ext, ok := t.inner.(framework.PreFilterExtensions); ok {
		return ext.AddPod(ctx, state, pod, pi, n)
	}
	return nil
}

// RemovePod forwards the PreFilter extension when the inner plugin has it.
func (t *timedPlugin) RemovePod(ctx context.Context, state *framework.CycleState, pod *api.Pod,
	pi *framework.PodInfo, n *framework.NodeInfo) *framework.Status {
	if ext, ok := t.inner.(framework.PreFilterExtensions); ok {
		return ext.RemovePod(ctx, state, pod, pi, n)
	}
	return nil
}
