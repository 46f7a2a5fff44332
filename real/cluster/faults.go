package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/namespaces"
)

// ErrUnknownNode means the cluster record has no node of that name.
var ErrUnknownNode = errors.New("no such node in the cluster record")

// killWait bounds the wait for a node's killed tasks to exit.
const killWait = 30 * time.Second

// StopNode kills the node's agent at once with SIGKILL, as a fault would,
// and records it stopped. With crash false that is a network partition:
// the node's containers keep running and the restarted agent adopts them.
// With crash true it is a power loss: every task in the node's containerd
// namespace is killed too, but containers, network namespaces and the
// bridge stay, for the restarted agent to restart the pods still bound
// there and remove the ones deleted meanwhile. Stopping a stopped node is
// no error (a partition may turn into a crash). The record is saved, so
// another process that loads it (Down, StartNode) sees the node stopped;
// the last State saved wins, so keep one per cluster.
func (s *State) StopNode(ctx context.Context, name string, crash bool) error {
	n, err := s.node(name)
	if err != nil {
		return fmt.Errorf("stop node %s: %w", name, err)
	}
	if agentAlive(*n, s.Binary) {
		if err := kill(n.PID, s.Binary); err != nil {
			return fmt.Errorf("stop node %s: %w", name, err)
		}
	}
	n.PID = 0
	if err := s.save(); err != nil {
		return fmt.Errorf("stop node %s: %w", name, err)
	}
	if !crash {
		return nil
	}
	if err := killTasks(ctx, s.ContainerdSocket, n.Namespace); err != nil {
		return fmt.Errorf("stop node %s: %w", name, err)
	}
	return nil
}

// StartNode runs a stopped node's agent again with the arguments it first
// ran with, its output appended to its log, and records its PID. It does
// not wait for the Node to be Ready.
func (s *State) StartNode(ctx context.Context, name string) error {
	n, err := s.node(name)
	if err != nil {
		return fmt.Errorf("start node %s: %w", name, err)
	}
	if len(n.Args) == 0 {
		return fmt.Errorf("start node %s: the record has no agent arguments (written by an older kubetwin?)", name)
	}
	if agentAlive(*n, s.Binary) {
		return fmt.Errorf("start node %s: its agent still runs (pid %d)", name, n.PID)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("start node %s: %w", name, err)
	}
	pid, err := spawn(s.Dir, n.Name, s.Binary, n.Args...)
	if err != nil {
		return fmt.Errorf("start node %s: %w", name, err)
	}
	n.PID = pid
	if err := s.save(); err != nil {
		return fmt.Errorf("start node %s: %w", name, err)
	}
	return nil
}

// node finds a node of the record by name.
func (s *State) node(name string) (*Node, error) {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i], nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownNode, name)
}

// agentAlive is alive, and also that the process is this node's agent:
// with agents stopped and started again, a recorded PID the system has
// given to another node's agent must not be taken for this one's.
func agentAlive(n Node, bin string) bool {
	if !alive(n.PID, bin) {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", n.PID))
	return err == nil && bytes.Contains(cmdline, []byte("\x00--node-name\x00"+n.Name+"\x00"))
}

// killTasks sends SIGKILL to every task in a containerd namespace that
// has not exited, and waits for them to exit; containers stay. It uses
// the client directly because containers.Runtime's Stop sends SIGTERM
// first, which a power loss does not.
func killTasks(ctx context.Context, socket, namespace string) error {
	c, err := containerd.New(socket, containerd.WithDefaultNamespace(namespace))
	if err != nil {
		return fmt.Errorf("connect to containerd at %s: %w", socket, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(namespaces.WithNamespace(ctx, namespace), killWait)
	defer cancel()
	cs, err := c.Containers(ctx)
	if err != nil {
		return fmt.Errorf("list containers of %s: %w", namespace, err)
	}
	var exits []<-chan containerd.ExitStatus
	var errs []error
	for _, ctr := range cs {
		exited, err := killTask(ctx, ctr)
		if exited != nil {
			exits = append(exits, exited)
		}
		errs = append(errs, err)
	}
	for _, exited := range exits { // all signalled first, then waited for together
		select {
		case <-exited:
		case <-ctx.Done():
			return fmt.Errorf("wait for the tasks of %s to exit: %w", namespace, ctx.Err())
		}
	}
	return errors.Join(errs...)
}

// killTask signals one container's task, if it has one that has not
// exited, and returns the channel its exit arrives on.
func killTask(ctx context.Context, ctr containerd.Container) (<-chan containerd.ExitStatus, error) {
	task, err := ctr.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("task of %s: %w", ctr.ID(), err)
	}
	st, err := task.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", ctr.ID(), err)
	}
	if st.Status == containerd.Stopped {
		return nil, nil
	}
	exited, err := task.Wait(ctx) // before the kill, so the exit is not missed
	if err != nil {
		return nil, fmt.Errorf("wait for %s: %w", ctr.ID(), err)
	}
	if err := task.Kill(ctx, syscall.SIGKILL); err != nil && !errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("kill %s: %w", ctr.ID(), err)
	}
	return exited, nil
}
