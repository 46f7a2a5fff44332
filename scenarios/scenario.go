package scenarios

import (
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// Scenario is one loaded, validated scenario file: a cluster, the
// workloads that arrive on it, a timeline of changes and faults, and what
// to measure. Every mode (sim, emulate, real) runs the same Scenario.
// Times are offsets from the start of the run.
type Scenario struct {
	Name        string
	Description string
	// Path is the file the scenario came from ("embedded:NAME" for
	// embedded ones); relative paths inside it were resolved against its
	// directory.
	Path string
	// Params are the parameters after --set overrides, by name, as given
	// (numbers stay numbers); they were already substituted into the fields.
	Params map[string]any
	// Seed is the scenario's default seed; a command line --seed wins.
	Seed uint64
	// Duration bounds the run's virtual time; the run ends earlier once
	// the timeline is done, every arrival has arrived and everything is
	// settled (no pod pending or starting, every workload converged).
	Duration time.Duration
	// SampleEvery is how often a run samples its state (pods by phase,
	// nodes by condition, utilisation per pool, metrics) into its time
	// series; by default a 300th of Duration, in whole seconds.
	SampleEvery time.Duration

	Cluster    Cluster
	Scheduler  Scheduler
	Latency    Latency
	Pods       Lifecycle // the default pod lifecycle on simulated nodes
	Workloads  []Workload
	Timeline   []Action // in time order (stable for equal times)
	Faults     []RandomFault
	Thresholds []Threshold
}

// Cluster is the nodes: pools of identical nodes, and how they heartbeat.
type Cluster struct {
	Pools []Pool
	// LeaseDuration is the node lease's length (Kubernetes: 40 s); nodes
	// renew every quarter of it, as the kubelet does.
	LeaseDuration time.Duration
	// NodeMonitorGracePeriod is how long an unrenewed lease may age before
	// the node is Unknown (Kubernetes: 40 s).
	NodeMonitorGracePeriod time.Duration
	// NodeMonitorPeriod is how often the node lifecycle controller checks
	// every node (Kubernetes: 5 s); a day of a large cluster may check less
	// often to run faster.
	NodeMonitorPeriod time.Duration
}

// Pool is Count nodes named NAME-0 … NAME-(Count-1), spread round-robin
// over Zones (labelled topology.kubernetes.io/zone), each with Capacity
// (allocatable equals capacity), Labels and Taints.
type Pool struct {
	Name     string
	Count    int
	Capacity api.ResourceList
	Labels   map[string]string
	Taints   []api.Taint
	Zones    []string
}

// Scheduler chooses the scheduler's profiles: none means the default profile.
type Scheduler struct {
	// Profile is what was asked for: "default", the name of an embedded
	// profiles file (scenarios/profiles/NAME.yaml), or a path to one.
	Profile  string
	Profiles []framework.Profile
}

// Latency models the control plane's delays in virtual time. Each is a
// distribution; the zero Dist means no delay.
type Latency struct {
	APIWrite       Dist // added to every write's visibility to watchers
	WatchDelivery  Dist // from commit to a watcher's cache
	ControllerWork Dist // one reconcile's own work, beside its writes
	Scheduling     Dist // one scheduling cycle, beside its writes
	// MeasuredScheduling uses the real algorithm's measured time instead of
	// Scheduling (runs then differ in timing from one run to the next).
	MeasuredScheduling bool
}

// Lifecycle says how long a pod's phases take on a simulated node; a zero
// Dist takes no time. Workloads override fields they set.
type Lifecycle struct {
	ImagePull Dist // once per pod, before its containers start
	Start     Dist // from pulled to running
	Ready     Dist // from running to ready
	// RunTime is how long a pod runs before its containers exit on their
	// own; zero means it runs until deleted. Exit code 0 unless Fail.
	RunTime Dist
	// FailProbability is the chance a finishing pod exits non-zero.
	FailProbability float64
	// CrashMTBF, when set, is the mean running time between container
	// crashes (exponential); a crash restarts the container with the
	// kubelet's back-off as the pod's restartPolicy allows.
	CrashMTBF time.Duration
	// Terminate is how long a pod takes to stop once deleted, capped by its
	// terminationGracePeriodSeconds.
	Terminate Dist
}

// Workload is a set of manifests and when they arrive.
type Workload struct {
	Name string
	// Objects are the decoded, defaulted manifests, in file order.
	Objects []api.Object
	// Lifecycle overrides the scenario's Pods lifecycle for this
	// workload's pods (fields left zero inherit); HasLifecycle says a
	// lifecycle block was given.
	Lifecycle    Lifecycle
	HasLifecycle bool
	Arrival      Arrival
}

// ArrivalKind names an arrival process.
type ArrivalKind string

// The arrival processes.
const (
	// ArriveOnce applies the objects once, At.
	ArriveOnce ArrivalKind = "once"
	// ArrivePoisson creates a copy of the objects (generated names) at the
	// instants of a Poisson process of Rate per second, from At until
	// Until or Count copies.
	ArrivePoisson ArrivalKind = "poisson"
	// ArriveBurst creates Count copies at once, At, then again every
	// Every, Times times in all.
	ArriveBurst ArrivalKind = "burst"
	// ArriveTrace creates one pod per trace row, at its arrival time,
	// with its requests and run time.
	ArriveTrace ArrivalKind = "trace"
	// ArriveManual applies the objects only when the timeline says so.
	ArriveManual ArrivalKind = "manual"
)

// Arrival is how and when a workload's objects are created.
type Arrival struct {
	Kind  ArrivalKind
	At    time.Duration
	Rate  float64       // poisson: arrivals per second
	Until time.Duration // poisson: last instant (0: Duration of the run)
	Count int           // poisson: at most this many (0: no limit); burst: copies per burst
	Every time.Duration // burst: period
	Times int           // burst: number of bursts (at least 1)
	Trace []TraceRow    // trace: rows in arrival order
}

// TraceRow is one task of a trace file.
type TraceRow struct {
	Name    string        // from the trace, or row-N
	Arrival time.Duration // offset from the first row's arrival, scaled
	// Requests for the pod's single container (cpu, memory, and any
	// extended resource such as nvidia.com/gpu).
	Requests api.ResourceList
	RunTime  time.Duration // 0: runs until the end
}

// ActionKind names a timeline action.
type ActionKind string

// The timeline actions.
const (
	ActApply   ActionKind = "apply"   // apply a workload's objects (create or replace)
	ActScale   ActionKind = "scale"   // set a workload's replicas
	ActRollout ActionKind = "rollout" // change a workload's pod template, starting a rolling update
	ActDelete  ActionKind = "delete"  // delete a workload's objects
	ActFault   ActionKind = "fault"   // inject a fault
)

// Action is one timeline entry.
type Action struct {
	At       time.Duration
	Kind     ActionKind
	Workload string // apply, scale, rollout, delete: the workload's name
	Replicas int32  // scale
	// Rollout: the new image of every container (empty keeps it) and
	// template annotations to set; either forces a new revision.
	Image       string
	Annotations map[string]string
	Fault       Fault // fault
	// Line is where the action is in the scenario file, for messages.
	Line int
}

// FaultKind names a fault.
type FaultKind string

// The faults.
const (
	FaultNodeCrash  FaultKind = "nodeCrash"  // the node stops: no lease, its pods stop
	FaultZoneOutage FaultKind = "zoneOutage" // every node of a zone crashes
	FaultPartition  FaultKind = "partition"  // the node loses the control plane; its pods keep running
	FaultSlowNode   FaultKind = "slowNode"   // the node's pod lifecycle takes Factor times longer
)

// Fault is one fault and what it hits.
type Fault struct {
	Kind FaultKind
	// Targets: Nodes names nodes; otherwise Count nodes (default 1) drawn
	// from Pool (or all pools) with the run's fault random stream.
	Nodes []string
	Pool  string
	Count int
	Zone  string // zoneOutage
	// Duration until recovery; zero means the fault lasts to the end.
	Duration time.Duration
	Factor   float64 // slowNode: lifecycle multiplier (> 1)
}

// RandomFault injects Fault again and again, the gaps between starts drawn
// from an exponential distribution with mean MTBF, from Start until End (0:
// the end of the run); RecoverAfter draws each one's duration.
type RandomFault struct {
	Fault        Fault
	MTBF         time.Duration
	RecoverAfter Dist
	Start, End   time.Duration
}

// Threshold is a condition on a summary figure that a run must meet, such
// as "scheduling.latency_seconds.p99 < 5".
type Threshold struct {
	Metric string  // a dotted path into summary.json
	Op     string  // one of <, <=, >, >=, ==, !=
	Value  float64 // the bound
	Line   int     // where it is in the scenario file
}
