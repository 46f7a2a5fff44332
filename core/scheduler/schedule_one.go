package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/metrics"
	"github.com/kubetwin/kubetwin/core/scheduler/queue"
)

// Assignment is a placement decided by the scheduling cycle, reserved and
// assumed, waiting for its binding cycle.
type Assignment struct {
	qp       *framework.QueuedPodInfo
	fwk      *framework.Framework
	state    *framework.CycleState
	assumed  *api.Pod
	cycle    int64
	start    time.Time
	NodeName string
}

// ScheduleOne pops the next ready pod (at the clock's current time) and runs
// both cycles synchronously, for the simulator; false when no pod is ready.
func (s *Scheduler) ScheduleOne(ctx context.Context) (Result, bool) {
	qp, ok := s.Queue.PopNow()
	if !ok {
		return Result{}, false
	}
	a, res := s.SchedulingCycle(ctx, qp)
	if a == nil {
		return res, true
	}
	return s.BindingCycle(ctx, a), true
}

// Run pops pods until ctx ends, binding each in its own goroutine as the
// real driver does; report is called (concurrently) with every result.
func (s *Scheduler) Run(ctx context.Context, report func(Result)) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		qp, err := s.Queue.Pop(ctx)
		if err != nil {
			return
		}
		a, res := s.SchedulingCycle(ctx, qp)
		if a == nil {
			report(res)
			continue
		}
		wg.Go(func() { report(s.BindingCycle(ctx, a)) })
	}
}

// SchedulingCycle picks, reserves and assumes a node for a popped pod; on
// failure it requeues the pod and returns a nil Assignment with the Result.
func (s *Scheduler) SchedulingCycle(ctx context.Context, qp *framework.QueuedPodInfo) (*Assignment, Result) {
	if s.metrics == nil {
		return s.schedulingCycle(ctx, qp, time.Time{})
	}
	start := s.clock.Now()
	a, res := s.schedulingCycle(ctx, qp, start)
	if a == nil {
		s.observeAttempt(res, start)
	}
	s.metrics.SetPending(s.Queue.Len())
	return a, res
}

// schedulingCycle is SchedulingCycle without the metrics.
func (s *Scheduler) schedulingCycle(ctx context.Context, qp *framework.QueuedPodInfo, start time.Time) (*Assignment, Result) {
	pod := qp.Pod
	fwk, err := s.frameworkFor(pod)
	if err != nil {
		s.Queue.Done(pod)
		return nil, Result{Pod: pod, Err: err, Attempts: qp.Attempts}
	}
	cycle := s.Queue.SchedulingCycle()
	s.Cache.UpdateSnapshot(s.snapshot)
	state := framework.NewCycleState()
	if s.metrics != nil {
		s.metrics.MarkCycle(state, metrics.Sample(s.metricsRand.IntN))
	}
	node, diag, err := s.schedulePod(ctx, fwk, state, pod)
	if err != nil {
		return nil, s.fail(qp, cycle, err, diag)
	}
	// A shallow copy suffices: only spec.nodeName differs, and pods from
	// the caches are shared and never modified in place.
	assumed := new(api.Pod)
	*assumed = *pod
	assumed.Spec.NodeName = node
	if st := fwk.RunReservePluginsReserve(ctx, state, assumed, node); !st.IsSuccess() {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, node)
		return nil, s.failStatus(qp, cycle, "reserve", st)
	}
	if st := fwk.RunPermitPlugins(ctx, state, assumed, node); !st.IsSuccess() {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, node)
		return nil, s.failStatus(qp, cycle, "permit", st)
	}
	if err := s.Cache.AssumePod(assumed); err != nil {
		fwk.RunReservePluginsUnreserve(ctx, state, assumed, node)
		return nil, s.fail(qp, cycle, fmt.Errorf("assume: %w", err), nil)
	}
	s.nominator.Delete(pod)
	return &Assignment{qp: qp, fwk: fwk, state: state, assumed: assumed, cycle: cycle, start: start, NodeName: node}, Result{}
}

// BindingCycle runs PreBind and Bind for an assignment; on failure it
// undoes the reservation and assumption and requeues the pod.
func (s *Scheduler) BindingCycle(ctx context.Context, a *Assignment) Result {
	res := s.bindingCycle(ctx, a)
	if s.metrics != nil {
		s.observeAttempt(res, a.start)
		if res.Err == nil {
			s.metrics.ObservePodScheduled(s.clock.Since(a.qp.InitialAttemptTimestamp))
		}
	}
	return res
}

// observeAttempt counts one attempt that started at start, labelled by its outcome.
func (s *Scheduler) observeAttempt(res Result, start time.Time) {
	result := metrics.ResultScheduled
	switch {
	case res.Err != nil && res.Diagnosis != nil:
		result = metrics.ResultUnschedulable
	case res.Err != nil:
		result = metrics.ResultError
	}
	profile := ""
	if res.Pod != nil {
		profile = res.Pod.Spec.SchedulerName
		if profile == "" {
			profile = framework.DefaultSchedulerName
		}
	}
	s.metrics.ObserveAttempt(result, profile, s.clock.Since(start))
}

// bindingCycle is BindingCycle without the metrics.
func (s *Scheduler) bindingCycle(ctx context.Context, a *Assignment) Result {
	st := a.fwk.RunPreBindPlugins(ctx, a.state, a.assumed, a.NodeName)
	point := "prebind"
	if st.IsSuccess() {
		st, point = a.fwk.RunBindPlugins(ctx, a.state, a.assumed, a.NodeName), "bind"
	}
	if !st.IsSuccess() {
		a.fwk.RunReservePluginsUnreserve(ctx, a.state, a.assumed, a.NodeName)
		if err := s.Cache.ForgetPod(a.assumed); err != nil {
			st = framework.AsStatus(fmt.Errorf("%s: %w (and forget: %w)", point, st.AsError(), err))
		}
		s.Queue.MoveAllToActiveOrBackoff(queue.EventPodDelete)
		return s.failStatus(a.qp, a.cycle, point, st)
	}
	s.Queue.Done(a.qp.Pod)
	if err := s.Cache.FinishBinding(a.assumed); err != nil {
		return Result{Pod: a.qp.Pod, Node: a.NodeName, Attempts: a.qp.Attempts, Err: fmt.Errorf("finish binding: %w", err)}
	}
	return Result{Pod: a.qp.Pod, Node: a.NodeName, Attempts: a.qp.Attempts}
}

// failStatus requeues after a rejection or error at a later extension point.
func (s *Scheduler) failStatus(qp *framework.QueuedPodInfo, cycle int64, point string, st *framework.Status) Result {
	err := fmt.Errorf("%s %s: %w", point, st.Plugin(), st.AsError())
	if st.IsRejected() {
		diag := &Diagnosis{}
		diag.addPlugin(st.Plugin())
		return s.fail(qp, cycle, err, diag)
	}
	return s.fail(qp, cycle, err, nil)
}

// fail requeues the pod (to the unschedulable pool when plugins rejected
// it, to backoff on errors) and builds the Result.
func (s *Scheduler) fail(qp *framework.QueuedPodInfo, cycle int64, err error, diag *Diagnosis) Result {
	qp.UnschedulablePlugins = nil
	var fitErr *FitError
	if errors.As(err, &fitErr) {
		diag = &fitErr.Diagnosis
	}
	if diag != nil {
		qp.UnschedulablePlugins = append([]string(nil), diag.UnschedulablePlugins...)
	}
	res := Result{Pod: qp.Pod, Err: err, Attempts: qp.Attempts, Diagnosis: diag}
	if diag != nil && diag.Nomination != nil {
		res.NominatedNodeName, res.Victims = diag.Nomination.NominatedNodeName, diag.Nomination.Victims
		s.nominator.Add(qp.Pod, res.NominatedNodeName)
	}
	s.Queue.AddUnschedulable(qp, cycle)
	return res
}
