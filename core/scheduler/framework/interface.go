package framework

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// MaxNodeScore is the highest score a Score plugin may give after normalisation.
const MaxNodeScore int64 = 100

// MinNodeScore is the lowest score a Score plugin may give after normalisation.
const MinNodeScore int64 = 0

// Plugin is what every plugin is: something with a name that a profile can refer to.
type Plugin interface {
	Name() string
}

// QueuedPodInfo is a pod waiting in the scheduling queue with the
// bookkeeping the queue and the diagnosis need.
type QueuedPodInfo struct {
	Pod *api.Pod
	// Timestamp is when the pod last entered the queue (used for backoff).
	Timestamp time.Time
	// InitialAttemptTimestamp is when the pod was first popped, for latency metrics.
	InitialAttemptTimestamp time.Time
	// Attempts counts scheduling attempts so far.
	Attempts int
	// UnschedulablePlugins names the plugins that rejected the pod last time.
	UnschedulablePlugins []string
}

// QueueSortPlugin orders the active queue.
type QueueSortPlugin interface {
	Plugin
	// Less reports whether a should be scheduled before b.
	Less(a, b *QueuedPodInfo) bool
}

// PreFilterPlugin checks or precomputes something about the pod once per cycle.
type PreFilterPlugin interface {
	Plugin
	PreFilter(ctx context.Context, state *CycleState, pod *api.Pod) *Status
}

// FilterPlugin decides whether a pod may run on a node.
type FilterPlugin interface {
	Plugin
	Filter(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status
}

// NodeToStatus maps each rejected node's name to its rejection.
type NodeToStatus map[string]*Status

// PostFilterResult says what a PostFilter plugin achieved, e.g. a nominated node after preemption.
type PostFilterResult struct {
	NominatedNodeName string
	// Victims are the pods the driver must delete so the pod fits the nominated node.
	Victims []*api.Pod
}

// PostFilterPlugin runs when no node fits, e.g. to preempt.
type PostFilterPlugin interface {
	Plugin
	PostFilter(ctx context.Context, state *CycleState, pod *api.Pod, filtered NodeToStatus) (*PostFilterResult, *Status)
}

// PreScorePlugin precomputes scoring data once over the feasible nodes.
type PreScorePlugin interface {
	Plugin
	PreScore(ctx context.Context, state *CycleState, pod *api.Pod, nodes []*NodeInfo) *Status
}

// NodeScore is one node's score from one plugin.
type NodeScore struct {
	Name  string
	Score int64
}

// ScoreExtensions lets a Score plugin rescale its raw scores into [0, MaxNodeScore].
type ScoreExtensions interface {
	NormalizeScore(ctx context.Context, state *CycleState, pod *api.Pod, scores []NodeScore) *Status
}

// ScorePlugin ranks feasible nodes.
type ScorePlugin interface {
	Plugin
	Score(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) (int64, *Status)
	// ScoreExtensions returns the normaliser, or nil when scores are already in range.
	ScoreExtensions() ScoreExtensions
}

// ReservePlugin holds resources for a pod before binding and releases them on failure.
type ReservePlugin interface {
	Plugin
	Reserve(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status
	Unreserve(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string)
}

// PermitPlugin may veto a placement just before binding; waiting is not
// supported in this increment.
type PermitPlugin interface {
	Plugin
	Permit(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status
}

// PreBindPlugin prepares the node for the pod (e.g. volumes) before binding.
type PreBindPlugin interface {
	Plugin
	PreBind(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status
}

// BindPlugin records the placement; Skip passes the pod to the next binder.
type BindPlugin interface {
	Plugin
	Bind(ctx context.Context, state *CycleState, pod *api.Pod, nodeName string) *Status
}

// Binder is what the driver provides to make a placement real (a store
// write in sim, a pods/binding POST in real mode).
type Binder interface {
	Bind(ctx context.Context, pod *api.Pod, nodeName string) error
}

// NodeInfoLister gives plugins read access to the cycle's snapshot.
type NodeInfoLister interface {
	// List returns every node in name order.
	List() []*NodeInfo
	// Get returns one node's info, or an error wrapping ErrNotFound.
	Get(name string) (*NodeInfo, error)
	// HavePodsWithAffinityList returns, in name order, the nodes with a
	// pod that has any pod (anti-)affinity term, so affinity plugins need
	// not walk every node for pods that constrain nothing.
	HavePodsWithAffinityList() []*NodeInfo
	// HavePodsWithRequiredAntiAffinityList returns, in name order, the
	// nodes with a pod that has required anti-affinity.
	HavePodsWithRequiredAntiAffinityList() []*NodeInfo
}

// NodeChange is one node info a snapshot replaced with a newer one.
type NodeChange struct{ Old, New *NodeInfo }

// NodeChangeLister is implemented by listers that remember which node
// infos changed, so a plugin can keep an aggregate over all nodes (such as
// pods per topology domain) up to date from the few nodes a cycle changed
// rather than recomputing it from every node.
type NodeChangeLister interface {
	// Generation identifies the lister's current state.
	Generation() int64
	// ChangesSince returns, oldest first, the infos replaced after
	// generation gen; false when it cannot tell (the node set changed since,
	// or gen is too old), and the caller must recompute from List.
	ChangesSince(gen int64) ([]NodeChange, bool)
}

// Handle is what plugins get from the framework at construction.
type Handle interface {
	// SnapshotSharedLister reads the current cycle's snapshot.
	SnapshotSharedLister() NodeInfoLister
	// Binder is the driver's binder, for bind plugins.
	Binder() Binder
}

// PreFilterExtensions is implemented by PreFilter plugins whose cycle state
// depends on other pods, so what-if evaluations (nominated pods,
// preemption victims) can adjust the state incrementally.
type PreFilterExtensions interface {
	// AddPod updates state as if pi were placed on node.
	AddPod(ctx context.Context, state *CycleState, podToSchedule *api.Pod, pi *PodInfo, node *NodeInfo) *Status
	// RemovePod updates state as if pi were taken off node.
	RemovePod(ctx context.Context, state *CycleState, podToSchedule *api.Pod, pi *PodInfo, node *NodeInfo) *Status
}

// NamespaceLister is an optional Handle extension giving namespace labels
// for namespaceSelector; without it a non-empty namespaceSelector selects
// only the namespaces a term lists.
type NamespaceLister interface {
	// NamespaceLabels returns a namespace's labels; ok is false when it is unknown.
	NamespaceLabels(namespace string) (map[string]string, bool)
}

// PreemptionHandle is the Handle the framework really gives plugins: it also
// lets a PostFilter plugin re-run filters on a node with pods removed.
type PreemptionHandle interface {
	Handle
	// RunFilterPlugins runs the profile's filters (nominated pods counted) on a what-if node.
	RunFilterPlugins(ctx context.Context, state *CycleState, pod *api.Pod, node *NodeInfo) *Status
	// RunPreFilterExtensionRemovePod updates a forked state for a pod taken off node.
	RunPreFilterExtensionRemovePod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status
	// RunPreFilterExtensionAddPod updates a forked state for a pod put on node.
	RunPreFilterExtensionAddPod(ctx context.Context, state *CycleState, pod *api.Pod, pi *PodInfo, node *NodeInfo) *Status
	// Rand is the scheduler's seeded rand, nil when the framework has none.
	Rand() *rand.Rand
	// ForkState returns a state a what-if evaluation may change through the
	// PreFilter extensions: a clone, or state itself when no PreFilter
	// plugin left active for the cycle has extensions.
	ForkState(state *CycleState) *CycleState
}
