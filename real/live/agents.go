package live

import (
	"context"
	"errors"
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/scenarios"
	"github.com/kubetwin/kubetwin/sim"
)

// ErrNoSlowNode says a real node cannot be made slow: its pods' speed is
// the machine's.
var ErrNoSlowNode = errors.New("a real node cannot be slowed down (slowNode is for simulated and hollow nodes)")

// NodeControl stops and starts a real cluster's node agents; real/cluster's
// State has it.
type NodeControl interface {
	// StopNode kills the node's agent; crash kills its pods' containers too.
	StopNode(ctx context.Context, name string, crash bool) error
	// StartNode starts the node's agent again with the flags it had.
	StartNode(ctx context.Context, name string) error
}

// AgentNodes are a real cluster's node agents as a run's nodes: a crash
// kills an agent and its pods' containers, as a power loss does; a
// partition kills only the agent, so the pods run on unseen; recovery
// starts the agent again, which adopts or cleans up what it finds.
type AgentNodes struct {
	ctx context.Context
	ctl NodeControl
}

var _ NodeSet = (*AgentNodes)(nil)

// NewAgentNodes drives ctl's agents; ctx bounds each stop and start.
func NewAgentNodes(ctx context.Context, ctl NodeControl) *AgentNodes {
	return &AgentNodes{ctx: ctx, ctl: ctl}
}

// Start implements NodeSet: the agents already run.
func (a *AgentNodes) Start(context.Context, *sim.Engine, *cache.Set) error { return nil }

// OnChange implements NodeSet: the agents watch for themselves.
func (a *AgentNodes) OnChange(old, cur api.Object) {}

// Running implements NodeSet: a real pod's end is its own business.
func (a *AgentNodes) Running() int { return 0 }

// Stop implements NodeSet: the agents outlive the run.
func (a *AgentNodes) Stop() {}

// WriteErrors implements NodeSet: the agents' own writes are theirs.
func (a *AgentNodes) WriteErrors() (int, error) { return 0, nil }

// Crash implements sim.Nodes.
func (a *AgentNodes) Crash(name string) error { return a.ctl.StopNode(a.ctx, name, true) }

// Partition implements sim.Nodes.
func (a *AgentNodes) Partition(name string) error { return a.ctl.StopNode(a.ctx, name, false) }

// Recover implements sim.Nodes.
func (a *AgentNodes) Recover(name string) error { return a.ctl.StartNode(a.ctx, name) }

// SlowDown implements sim.Nodes; only restoring the speed succeeds.
func (a *AgentNodes) SlowDown(name string, factor float64) error {
	if factor == 1 {
		return nil
	}
	return fmt.Errorf("node %s: %w", name, ErrNoSlowNode)
}

// CheckRealFaults refuses a scenario whose faults real nodes cannot make,
// before any cluster is started.
func CheckRealFaults(sc *scenarios.Scenario) error {
	for _, a := range sc.Timeline {
		if a.Kind == scenarios.ActFault && a.Fault.Kind == scenarios.FaultSlowNode {
			return fmt.Errorf("%s line %d: %w", sc.Path, a.Line, ErrNoSlowNode)
		}
	}
	for _, f := range sc.Faults {
		if f.Fault.Kind == scenarios.FaultSlowNode {
			return fmt.Errorf("%s: random faults: %w", sc.Path, ErrNoSlowNode)
		}
	}
	return nil
}
