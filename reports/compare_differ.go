package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// When two figures of a comparison are said to differ. A figure differs
// when B − A is larger than RelativeThreshold of A and than its kind's
// floor, the amount below which a difference is noise; a distribution
// differs when a Kolmogorov–Smirnov test rejects equality at KSLevel.
const (
	RelativeThreshold       = 0.20
	KSLevel                 = 0.01
	LatencyFloorSeconds     = 0.050 // a few API round trips
	ConvergenceFloorSeconds = 1.0   // about one controller resync step
	ShareFloor              = 0.05  // five points of a share of pods
	PodsFloor               = 1.0   // one pod, for counts
	// AgreementThreshold is the share of pods matched across the runs
	// that must land on the same node for placements to agree: the same
	// 20 % tolerance as elsewhere.
	AgreementThreshold = 1 - RelativeThreshold
)

// differs reports whether b is further from a than both the floor and
// RelativeThreshold of a (any amount beyond the floor when a is 0).
// A missing value on either side is not a difference in the figure but
// in whether it exists, which the callers say separately.
func differs(a, b, floor float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return false
	}
	d := math.Abs(b - a)
	return d > floor && d > RelativeThreshold*math.Abs(a)
}

// topic is what a finding is about, which decides what can explain it.
type topic int

const (
	topicSetup       topic = iota // the runs' parameters or clusters
	topicPods                     // how many pods the runs created
	topicScheduling               // creation to scheduled
	topicStartup                  // creation to started, creation to ready
	topicConvergence              // time to converge after an action, both converged
	topicUnconverged              // an action converged in one run only
	topicAbsent                   // an action is in one run's timeline only
	topicPlacement                // where pods landed and how evenly
)

var topicNames = []string{"setup", "pods", "scheduling", "startup", "convergence", "unconverged", "absent", "placement"}

func (t topic) String() string { return topicNames[t] }

// side names one of the two runs.
type side int

const (
	sideNone side = iota // neither: the figures are equal or not ordered
	sideA
	sideB
)

// higherSide is the run with the larger figure.
func higherSide(a, b float64) side {
	switch {
	case b > a:
		return sideB
	case a > b:
		return sideA
	}
	return sideNone
}

// finding is one figure, or one group of related figures, that differs
// beyond the thresholds.
type finding struct {
	topic   topic
	subject string // what differs, as the sections name it: "creation to scheduled"
	figure  string // the headline figure of the subject: "mean"
	a, b    float64
	format  Format
	ksP     float64  // the KS p-value of a distribution, else 0 (not shown)
	isDist  bool     // ksP is set
	higher  side     // the run with the larger headline figure
	details []string // every differing figure, in words
	// carried marks a startup difference that the scheduling wait
	// explains: from scheduled on, the runs agree.
	carried bool
	rule    *causeRule // set by the differ section
}

// add records a finding; the side is the headline figure's.
func (c *comparison) add(f *finding) {
	if f.higher == sideNone {
		f.higher = higherSide(f.a, f.b)
	}
	c.findings = append(c.findings, f)
}

// scene is what a rule may look at: the finding and the runs' modes,
// seeds and clusters.
type scene struct {
	f                  *finding
	modeA, modeB       string
	seedA, seedB       uint64
	samePools, hasPool bool // the runs' node pools have the same names and sizes; nodes.csv in both
}

func isLive(mode string) bool { return mode != "sim" }

// liveHigher: the larger figure is the run with a real API server and
// store, the smaller the simulator's.
func (s scene) liveHigher() bool {
	hi, lo := s.modeB, s.modeA
	if s.f.higher == sideA {
		hi, lo = lo, hi
	}
	return s.f.higher != sideNone && isLive(hi) && !isLive(lo)
}

// simHigher: the larger figure is the simulator's, the smaller a live run's.
func (s scene) simHigher() bool {
	hi, lo := s.modeB, s.modeA
	if s.f.higher == sideA {
		hi, lo = lo, hi
	}
	return s.f.higher != sideNone && !isLive(hi) && isLive(lo)
}

func (s scene) on(topics ...topic) bool {
	for _, t := range topics {
		if s.f.topic == t {
			return true
		}
	}
	return false
}

func (s scene) involves(mode string) bool { return s.modeA == mode || s.modeB == mode }

// causeRule is one likely explanation of a difference, and when it applies.
type causeRule struct {
	id      string
	applies func(s scene) bool
	cause   string
}

// causeRules are every explanation the report gives, in one place: the
// first rule that applies to a finding names its likely cause. The
// order goes from the causes that make every other figure meaningless
// (different setups, a changed simulator) through mode-specific causes
// to the fallback, which owns up to having no explanation.
var causeRules = []causeRule{
	{"different-setup", func(s scene) bool { return s.on(topicSetup) },
		"the runs were given different parameters or clusters, so every other figure compares different experiments; rerun with the same --set values"},
	{"same-seed", func(s scene) bool { return s.modeA == "sim" && s.modeB == "sim" && s.seedA == s.seedB },
		"the simulator gives the same result for the same scenario and seed, so the code or the scenario file changed between the runs; compare their trace_sha256"},
	{"seeds", func(s scene) bool { return s.modeA == s.modeB && s.seedA != s.seedB },
		"random variation: the seeds differ, and with them arrival times, lifecycle draws and tie-breaking; compare more seeds (kubetwin sim sweep) before reading anything into it"},
	{"replacement-pods", func(s scene) bool { return s.on(topicPods) },
		"evictions, rollouts and scale-downs create and delete pods at moments that depend on timing, and a controller that falls behind creates fewer; see the runs' errors"},
	{"carried-over", func(s scene) bool { return s.on(topicStartup) && s.f.carried },
		"carried over from the scheduling wait: from scheduled on, the runs agree, so the difference is the one in creation to scheduled"},
	{"api-round-trips", func(s scene) bool { return s.on(topicScheduling) && s.liveHigher() },
		"API round trips, etcd writes and watch delivery, which the simulator models as the fixed latency distributions of the scenario's latency block (apiWrite, watchDelivery, scheduling)"},
	{"latency-model-slow", func(s scene) bool { return s.on(topicScheduling) && s.simHigher() },
		"the scenario's latency block (apiWrite, watchDelivery, scheduling) is slower than this machine's API server and etcd, so the simulator overstates the wait"},
	{"shared-machine", func(s scene) bool { return s.on(topicScheduling) && isLive(s.modeA) && isLive(s.modeB) },
		"both runs go through an API server and etcd: the difference is load on the machine, which real nodes' containers share with the control plane"},
	{"real-containers", func(s scene) bool { return s.on(topicStartup) && s.involves("real") && s.modeA != s.modeB },
		"the pod lifecycle: real containers (containerd creates and starts them, probes decide readiness) against the simulated lifecycle model of the scenario's pods block (imagePull, start, ready)"},
	{"hollow-lifecycle", func(s scene) bool { return s.on(topicStartup) && s.involves("emulate") && s.involves("sim") },
		"hollow nodes play the scenario's lifecycle model on the wall clock and report pod status through the API server, whose writes and watch delivery the simulator models as fixed delays"},
	{"wall-clock-controllers", func(s scene) bool { return s.on(topicConvergence) && s.liveHigher() },
		"controllers' work queues, rate limits and requeue delays run on the wall clock, and every reconcile costs API round trips, where the simulator charges the scenario's controllerWork latency"},
	{"controller-model-slow", func(s scene) bool { return s.on(topicConvergence) && s.simHigher() },
		"the scenario's controllerWork and apiWrite latencies are slower than the live control plane's, so the simulator overstates convergence"},
	{"not-converged", func(s scene) bool { return s.on(topicUnconverged) },
		"one run ended, or stayed stuck, before the cluster settled after the action: look at that run's pending pods, errors and end time"},
	{"timeline-cut", func(s scene) bool { return s.on(topicAbsent) },
		"one run ended before the action was due, or could not carry it out (a fault with no node to hit): compare the runs' end times and errors"},
	{"tie-breaking", func(s scene) bool { return s.on(topicPlacement) && s.samePools },
		"scheduling order and tie-breaking change with timing: pods reach the scheduler in another order and nodes of equal score are picked differently, so the same policy lands pods elsewhere"},
	{"different-nodes", func(s scene) bool { return s.on(topicPlacement) && s.hasPool && !s.samePools },
		"the clusters differ: the runs' pools do not have the same nodes, and pods can only land where nodes are"},
	{"unexplained", func(scene) bool { return true },
		"no rule explains this difference; compare the runs' parameters, errors and logs"},
}

// explain picks the first rule that applies to f.
func (c *comparison) explain(f *finding) *causeRule {
	s := scene{f: f, modeA: c.a.Summary.Mode, modeB: c.b.Summary.Mode,
		seedA: c.a.Summary.Seed, seedB: c.b.Summary.Seed}
	if c.a.Nodes != nil && c.b.Nodes != nil {
		s.hasPool = true
		s.samePools = samePools(c.a.Nodes, c.b.Nodes)
	}
	for i := range causeRules {
		if causeRules[i].applies(s) {
			return &causeRules[i]
		}
	}
	panic("reports: the last cause rule must apply to everything")
}

// differSection says, in words, which figures differ beyond the
// thresholds, which run is higher and the likely cause of each.
func (c *comparison) differSection() *Section {
	t := &Table{Name: "differences", Title: "Figures beyond the thresholds", Columns: []Column{
		{"topic", "Topic"}, {"subject", "What"}, {"figure", "Figure"}, c.columnA(), c.columnB(),
		{"difference", "B − A"}, {"ratio", "B / A"}, {"ks_p", "KS p"}, {"rule", "Rule"}, {"cause", "Likely cause"}}}
	sec := &Section{Title: "Where they differ and why", Tables: []*Table{t}}
	sec.note("A figure is listed when B − A exceeds both %s of A and a floor below which it is noise "+
		"(%s for latencies, %s for convergence, %s points for shares of pods, %s pod for counts), "+
		"when the pod latencies' Kolmogorov–Smirnov test gives p < %s, or when fewer than %s of the pods "+
		"matched across the runs land on the same node.",
		pct(RelativeThreshold), ms(LatencyFloorSeconds), strconv.FormatFloat(ConvergenceFloorSeconds, 'f', -1, 64)+" s",
		strconv.FormatFloat(100*ShareFloor, 'f', -1, 64), strconv.FormatFloat(PodsFloor, 'f', -1, 64),
		strconv.FormatFloat(KSLevel, 'f', -1, 64), pct(AgreementThreshold))
	if len(c.findings) == 0 {
		sec.note("Nothing differs beyond the thresholds: %s reproduces %s's latencies, convergence times and placements.", c.lb, c.la)
		return sec
	}
	for _, f := range c.findings {
		f.rule = c.explain(f)
		sec.note("%s", c.prose(f))
		t.Rows = append(t.Rows, c.findingRow(f))
	}
	return sec
}

// prose is a finding in one paragraph: what, which run is higher by
// how much, and why it likely is.
func (c *comparison) prose(f *finding) string {
	var b strings.Builder
	b.WriteString(capitalise(f.subject))
	switch f.higher {
	case sideA:
		fmt.Fprintf(&b, " is higher in A, %s", c.la)
	case sideB:
		fmt.Fprintf(&b, " is higher in B, %s", c.lb)
	default:
		b.WriteString(" differs")
	}
	if len(f.details) > 0 {
		b.WriteString(": " + strings.Join(f.details, "; "))
	}
	fmt.Fprintf(&b, ". Likely cause (rule %s): %s.", f.rule.id, f.rule.cause)
	return b.String()
}

func (c *comparison) findingRow(f *finding) []Value {
	ks := Missing("")
	if f.isDist {
		ks = Num(f.ksP, FormatNumber)
	}
	diffFormat := f.format
	if diffFormat == FormatCount {
		diffFormat = FormatNumber
	}
	return []Value{Text(f.topic.String()), Text(f.subject), Text(f.figure), Num(f.a, f.format), Num(f.b, f.format),
		Num(f.b-f.a, diffFormat), ratioValue(f.a, f.b), ks, Text(f.rule.id), Text(f.rule.cause)}
}

// ratioValue is b / a, missing when a is 0 or either is.
func ratioValue(a, b float64) Value {
	if a == 0 {
		return Missing("-")
	}
	return Num(b/a, FormatNumber)
}

// versus is one figure of both runs in words: "mean A 0.300 s, B 0.900 s (B/A 3)".
func versus(name string, a, b float64, f Format) string {
	s := fmt.Sprintf("%s A %s, B %s", name, inWords(a, f), inWords(b, f))
	if a != 0 && !math.IsNaN(a) && !math.IsNaN(b) {
		s += fmt.Sprintf(" (B/A %s)", significant(b/a, 3))
	}
	return s
}

// inWords is a figure with its unit, as prose shows it.
func inWords(x float64, f Format) string {
	switch {
	case math.IsNaN(x):
		return "none"
	case f == FormatSeconds:
		return secondsText(x)
	}
	return displayNumber(x, f)
}

func secondsText(x float64) string { return displayNumber(x, FormatSeconds) + " s" }
func ms(x float64) string          { return strconv.FormatFloat(1000*x, 'f', -1, 64) + " ms" }
func pct(x float64) string         { return strconv.FormatFloat(100*x, 'f', -1, 64) + " %" }

// pValue is a p-value in words, with an exponent for tiny ones.
func pValue(p float64) string {
	if p < 1e-15 {
		return "< 1e-15" // below the series' precision
	}
	if p < 0.001 {
		return strconv.FormatFloat(p, 'e', 1, 64)
	}
	return significant(p, 2)
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
