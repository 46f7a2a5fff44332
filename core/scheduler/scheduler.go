// Package scheduler is kubetwin's one scheduler: it pops pods from the
// queue, runs a profile's plugins over a snapshot of the cache, and hands
// the driver (the simulator's event loop or the real control plane's
// goroutines) a Result to write back. It knows no store or API server.
package scheduler

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler/cache"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/metrics"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/core/scheduler/queue"
)

// ErrUnknownProfile is returned for a pod naming a scheduler this one does not run.
var ErrUnknownProfile = errors.New("no scheduler profile for pod")

// Options are what the driver injects: time, randomness, the binder, and
// the configuration.
type Options struct {
	// Clock drives backoff; required.
	Clock clock.Clock
	// Rand breaks score ties; required, seeded by the driver for reproducible runs.
	Rand *rand.Rand
	// Binder makes placements real; required for DefaultBinder.
	Binder framework.Binder
	// Profiles are applied over the default plugins; none means the default profile.
	Profiles []framework.Profile
	// Registry adds out-of-tree plugins to the in-tree ones.
	Registry framework.Registry
	// Metrics, when set, receives kube-scheduler's metrics; nil records none.
	// The plugin-timing sample is drawn from a rand seeded from Rand, so a
	// run is reproducible with metrics on, but its tie-breaks differ from
	// the same seed with metrics off.
	Metrics prometheus.Registerer
}

// Scheduler holds the queue, the cache and one Framework per profile.
type Scheduler struct {
	// Cache is the node/pod accounting; drivers normally go through the event methods.
	Cache *cache.Cache
	// Queue holds pending pods.
	Queue *queue.Queue

	profiles           map[string]*framework.Framework
	nominator          *framework.Nominator
	snapshot           *cache.Snapshot
	rng                *rand.Rand
	clock              clock.Clock
	nextStartNodeIndex int
	// feasibleBuf and scoreBuf are reused from cycle to cycle, which the
	// sequential scheduling loop allows; they save two slices of hundreds
	// of entries per pod.
	feasibleBuf []*framework.NodeInfo
	scoreBuf    []framework.NodeScore
	// rejectedBuf holds a cycle's rejections until its diagnosis settles;
	// in a full cluster every node rejects every pod.
	rejectedBuf []rejection
	metrics     *metrics.Metrics
	// metricsRand picks the cycles whose plugins are timed; it is seeded
	// from Rand, so tie-breaks do not depend on the sampling.
	metricsRand *rand.Rand
}

// New builds a scheduler; all profiles must agree on the queue sort, as one queue serves them all.
func New(opts Options) (*Scheduler, error) {
	if opts.Clock == nil || opts.Rand == nil {
		return nil, errors.New("new scheduler: Clock and Rand are required")
	}
	inTree := plugins.NewInTreeRegistry()
	if err := inTree.Merge(opts.Registry); err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s := &Scheduler{Cache: cache.New(), profiles: map[string]*framework.Framework{},
		snapshot: cache.NewSnapshot(), rng: opts.Rand, clock: opts.Clock, nominator: framework.NewNominator()}
	registry := s.setupMetrics(opts, inTree)
	profiles := opts.Profiles
	if len(profiles) == 0 {
		profiles = []framework.Profile{{}}
	}
	var less func(a, b *framework.QueuedPodInfo) bool
	for i := range profiles {
		fwk, err := s.addProfile(profiles[i], inTree, registry, opts)
		if err != nil {
			return nil, fmt.Errorf("new scheduler: %w", err)
		}
		if less == nil {
			less = fwk.QueueSortLess()
		}
	}
	s.Queue = queue.New(opts.Clock, less)
	if s.metrics != nil {
		if err := s.metrics.Register(opts.Metrics); err != nil {
			return nil, fmt.Errorf("new scheduler: %w", err)
		}
	}
	return s, nil
}

// addProfile builds one profile's framework from registry, first checking
// it against the unwrapped inTree registry when metrics wrap the plugins
// (the timing wrappers claim every extension point).
func (s *Scheduler) addProfile(p framework.Profile, inTree, registry framework.Registry, opts Options) (*framework.Framework, error) {
	resolved := p.Resolve(plugins.DefaultPlugins())
	if s.metrics != nil {
		if _, err := framework.NewFramework(resolved, inTree, s.snapshot, opts.Binder); err != nil {
			return nil, err
		}
	}
	fwk, err := framework.NewFramework(resolved, registry, s.snapshot, opts.Binder)
	if err != nil {
		return nil, err
	}
	if _, dup := s.profiles[fwk.ProfileName()]; dup {
		return nil, fmt.Errorf("duplicate profile %q", fwk.ProfileName())
	}
	fwk.SetNominator(s.nominator)
	fwk.SetRand(opts.Rand)
	s.profiles[fwk.ProfileName()] = fwk
	return fwk, nil
}

// setupMetrics creates the metrics when asked and returns the plugin
// registry to build from: wrapped for timing when metrics are on.
func (s *Scheduler) setupMetrics(opts Options, registry framework.Registry) framework.Registry {
	if opts.Metrics == nil {
		return registry
	}
	s.metrics = metrics.New()
	s.metricsRand = rand.New(rand.NewPCG(opts.Rand.Uint64(), opts.Rand.Uint64()))
	return metrics.WrapRegistry(registry, s.metrics, opts.Clock)
}

// frameworkFor returns the profile a pod asks for.
func (s *Scheduler) frameworkFor(pod *api.Pod) (*framework.Framework, error) {
	name := pod.Spec.SchedulerName
	if name == "" {
		name = framework.DefaultSchedulerName
	}
	fwk, ok := s.profiles[name]
	if !ok {
		return nil, fmt.Errorf("pod %s/%s schedulerName %q: %w", pod.Namespace, pod.Name, name, ErrUnknownProfile)
	}
	return fwk, nil
}

// AddNode tells the scheduler a node appeared; waiting pods get another chance.
func (s *Scheduler) AddNode(node *api.Node) {
	s.Cache.AddNode(node)
	s.Queue.MoveAllToActiveOrBackoff(queue.EventNodeAdd)
}

// UpdateNode tells the scheduler a node changed; waiting pods get another chance.
func (s *Scheduler) UpdateNode(old, node *api.Node) {
	s.Cache.UpdateNode(old, node)
	s.Queue.MoveAllToActiveOrBackoff(queue.EventNodeUpdate)
}

// RemoveNode tells the scheduler a node is gone.
func (s *Scheduler) RemoveNode(node *api.Node) error {
	return s.Cache.RemoveNode(node)
}

// AddPod routes a new pod: bound pods to the cache (confirming an assumed
// one), pending pods of our profiles to the queue (remembering a
// status.nominatedNodeName); terminated pods are ignored.
func (s *Scheduler) AddPod(pod *api.Pod) error {
	if terminated(pod) {
		return nil
	}
	if pod.Spec.NodeName != "" {
		s.Queue.Delete(pod)
		s.nominator.Delete(pod)
		return s.Cache.AddPod(pod)
	}
	if _, err := s.frameworkFor(pod); err != nil {
		return nil // another scheduler's pod
	}
	if n := pod.Status.NominatedNodeName; n != "" {
		s.nominator.Add(pod, n)
	}
	s.Queue.Add(pod)
	return nil
}

// UpdatePod routes a pod change, including the bind that confirms an assumed pod.
func (s *Scheduler) UpdatePod(old, pod *api.Pod) error {
	switch {
	case old.Spec.NodeName == "" && pod.Spec.NodeName != "":
		return s.AddPod(pod)
	case pod.Spec.NodeName == "":
		return s.AddPod(pod)
	case terminated(pod):
		return s.DeletePod(old)
	}
	return s.Cache.UpdatePod(old, pod)
}

// DeletePod forgets a pod; freeing a node's capacity gives waiting pods another chance.
func (s *Scheduler) DeletePod(pod *api.Pod) error {
	if pod.Spec.NodeName == "" {
		s.Queue.Delete(pod)
		s.nominator.Delete(pod)
		return nil
	}
	if err := s.Cache.RemovePod(pod); err != nil {
		return err
	}
	s.Queue.MoveAllToActiveOrBackoff(queue.EventPodDelete)
	return nil
}

func terminated(pod *api.Pod) bool {
	return pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed
}
