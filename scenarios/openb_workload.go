package scenarios

// How the FGD paper's artefact builds its workload
// =================================================
//
// Read in hkust-adsl/kubernetes-scheduler-simulator (commit 8f3d641), the
// public artefact of Weng, Yang et al., "Beware of Fragmentation" (ATC '23).
//
// From CSV to pods (data/pod_csv_to_yaml.py, data/prepare_input.sh). Every
// row of an openb_pod_list_*.csv becomes one pod named after the name
// column: CPU-only tasks are kept. A task with num_gpu > 0 gets the
// annotations gpu-count = num_gpu and gpu-milli = gpu_milli (clamped to
// 0..1000) and, when gpu_spec has models, gpu-card-model = the models
// joined by '|'. A CPU-only task gets no GPU annotations, so its GPU milli
// is 0 whatever the cell says. Creation and deletion times are not carried
// over (those lines are commented out), so in the experiment tasks only
// arrive, one by one, and nothing departs. Every experiment uses
// data/node_yaml/openb_node_list_gpu_node.yaml: the 1,213 GPU nodes,
// gpu-milli capacity = 1000 per GPU (6,212,000 in all).
//
// The run (experiments/run_scripts/generate_run_scripts.py,
// scripts/generate_config_and_run.py): each of the 1,020 experiments is
// `-tune 1.3 -tuneseed S --shuffle-pod=true` for S in 42..51, with the
// typical-pods settings isInvolvedCpuPods=true, podPopularityThreshold=95,
// podIncreaseStep=1, gpuResWeight=0.
//
// The workload (pkg/simulator/core.go Simulate, pkg/simulator/simulator.go):
//  1. SetWorkloadPods keeps the trace's pods sorted by name; this list is
//     what copies are drawn from and what the typical pods are built from.
//  2. rand.Seed(S) seeds Go's global math/rand (Go 1 source, not Python),
//     and one rand.Int() is drawn for a debug log line whose arguments
//     are evaluated even when debug logging is off.
//  3. SortClusterPods sorts the pods by name, then rand.Shuffle.
//  4. TunePodsByNodeTotalResource: target = tune × cluster GPU milli, a
//     pod's GPU milli being gpu-milli × gpu-count (PodResource.
//     TotalMilliGpu; whole GPUs carry gpu_milli 1000 in the trace).
//     - Below target (tuneUpPods): repeatedly idx = rand.Intn(n) over the
//       name-sorted trace (with replacement); the copy is named
//       "<name>-tuned-<i>", i = 0, 1, ... counting appended copies, and is
//       appended AFTER the shuffled trace (the copies are not shuffled in).
//       The loop stops at the first drawn copy for which
//       total + gpu-milli > target, and that copy is dropped. Note the
//       check adds the copy's per-GPU milli, not its total: a multi-GPU
//       copy drawn within 1000 of the target is still appended, so the
//       total can end up to 7,000 milli above the target. A CPU-only copy
//       stops the loop only once the total is already above the target.
//     - Above target (tuneDownPods, e.g. openb_pod_list_multigpu50):
//       repeatedly idx = rand.Intn(len) over the shuffled list and that
//       pod is removed (order kept), until total <= target.
//  5. Nothing else reorders the pods (pkg/simulator/simulator.go
//     syncClusterResourceList sorts events by time stably, and all times
//     are unset). Afterwards the same stream also permutes node names
//     (rand.Perm, "%04d-" prefixes) and serves the scheduler's random
//     choices, alongside informer goroutines that may draw from it too;
//     that is the scheduler's business, not this file's, and unchecked.
//
// Checked against the artefact itself: its simon binary, built from the
// vendored sources with Go 1.26 and fed pod YAML converted from these CSV
// files, logs "[Tune] Num of Pods after Tuning: 10866" for
// openb_pod_list_default, tune 1.3, seed 42, and creates its pods in
// exactly the order ArtefactWorkload returns (3,010 pods compared before
// the run was stopped). A scratch copy that only printed the pod list
// after tuning gave ArtefactWorkload's full sequence for seeds 42..51 of
// default (10,766 to 10,866 tasks) and seeds 42 and 47 of gpuspec33,
// cpu050 and multigpu50 (tuned down to 6,361 and 6,501 tasks). Its
// GetTypicalPods log lists the same classes, counts and order as
// TypicalTasks(tasks, 0.95) for those four traces (35, 127, 35, 43 classes).
//
// The target workload for FGD (pkg/utils/frag.go GetTypicalPods, called
// by SetTypicalPods on the name-sorted trace before tuning): pods are
// grouped by PodResource = (milli CPU, per-GPU milli, GPU count, GPU
// model constraint string); memory is not part of it, and the milli CPU
// is the scheduler's non-zero request (a 0 request counts as 100). Each
// pod counts 1. Classes are sorted by count, descending, ties by
// PodResource descending (CPU, then GPU milli, GPU count, model); classes
// are taken one at a time until their cumulative count reaches
// 95 × total / 100 (the class that crosses it is kept), and their shares
// are renormalised to sum to 1.
//
// Our streams. ExperimentWorkload draws from math/rand/v2's PCG seeded
// from the seed: the same procedure, a different random sequence, so
// averages over seeds should match the paper's, single runs not.
// ArtefactWorkload draws from Go 1's math/rand source (rand.NewSource),
// whose sequence Go keeps stable, with exactly the artefact's calls, so
// it reproduces the artefact's workload for a seed pod for pod.

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	randv1 "math/rand"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// pcgStream is the second PCG word, fixed so that one seed gives one
// stream ("openb" in ASCII).
const pcgStream = 0x6f70656e62

// ErrNoGPUDemand is returned when a workload must be inflated but none of
// its tasks asks for a GPU, so no number of copies could reach the target.
var ErrNoGPUDemand = errors.New("no task requests GPU milli")

// workloadRand is the randomness the workload build draws on.
type workloadRand interface {
	Shuffle(n int, swap func(i, j int))
	IntN(n int) int
}

// goOneRand adapts Go 1's math/rand to workloadRand.
type goOneRand struct{ r *randv1.Rand }

// Shuffle is math/rand's Shuffle.
func (g goOneRand) Shuffle(n int, swap func(i, j int)) { g.r.Shuffle(n, swap) }

// IntN is math/rand's Intn.
func (g goOneRand) IntN(n int) int { return g.r.Intn(n) }

// ExperimentWorkload is the arrival sequence of one FGD experiment: the
// trace's tasks sorted by name and shuffled, then inflated with drawn
// copies (or thinned) until their GPU milli meets tune × the nodes' GPU
// milli, exactly as the artefact does (see the top of this file), drawing
// from a PCG seeded with seed. tune <= 0 only shuffles.
func ExperimentWorkload(tasks []GPUTask, nodes []GPUNode, tune float64, seed uint64) ([]GPUTask, error) {
	return buildWorkload(tasks, nodes, tune, rand.New(rand.NewPCG(seed, pcgStream)))
}

// ArtefactWorkload is ExperimentWorkload drawing from Go 1's math/rand
// source as the artefact does after rand.Seed(seed), so its result is the
// artefact's workload for that seed, task for task.
func ArtefactWorkload(tasks []GPUTask, nodes []GPUNode, tune float64, seed int64) ([]GPUTask, error) {
	work, _, err := ArtefactExperiment(tasks, nodes, tune, seed)
	return work, err
}

// artefactInformers is how many informers the artefact's scheduler
// starts before it names the nodes.
const artefactInformers = 10

// ArtefactExperiment is ArtefactWorkload with the nodes as the artefact
// names them for that seed (pkg/simulator/simulator.go
// syncClusterResourceList): sorted by name, then each prefixed with its
// place in a permutation drawn next from the same stream, e.g.
// "0601-openb-node-0000" for seed 42. The artefact's scheduler gives
// equal top scores to the smallest node name, so it is this prefix, a
// seeded random order, and not the node's own name, that breaks ties.
func ArtefactExperiment(tasks []GPUTask, nodes []GPUNode, tune float64, seed int64) ([]GPUTask, []GPUNode, error) {
	r := randv1.New(randv1.NewSource(seed))
	r.Int() // the artefact's debug line draws one number first
	work, err := buildWorkload(tasks, nodes, tune, goOneRand{r})
	if err != nil {
		return nil, nil, err
	}
	// Between the tuning and the renaming, the scheduler starts and each
	// of its informers' reflectors draws its watch timeout from the same
	// stream (client-go tools/cache/reflector.go): ten numbers. The
	// artefact's logs for seeds 42 and 43 name their nodes by the
	// permutation drawn after exactly these ten.
	for range artefactInformers {
		r.Float64()
	}
	named := slices.Clone(nodes)
	slices.SortStableFunc(named, func(a, b GPUNode) int { return strings.Compare(a.Name, b.Name) })
	for i, p := range r.Perm(len(named)) {
		named[i].Name = fmt.Sprintf("%04d-%s", p, named[i].Name)
	}
	return work, named, nil
}

// buildWorkload shuffles and tunes tasks with r.
func buildWorkload(tasks []GPUTask, nodes []GPUNode, tune float64, r workloadRand) ([]GPUTask, error) {
	if math.IsNaN(tune) || math.IsInf(tune, 0) {
		return nil, fmt.Errorf("openb workload: tune %v, want a finite ratio", tune)
	}
	byName := sortedByName(tasks)
	out := slices.Clone(byName)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if tune <= 0 {
		return out, nil
	}
	target := tune * float64(clusterGPUMilli(nodes))
	total := workloadGPUMilli(out)
	switch {
	case float64(total) > target:
		return tuneDown(out, total, target, r), nil
	case float64(total) < target:
		if total == 0 {
			return nil, fmt.Errorf("openb workload: inflate %d tasks to %.0f GPU milli: %w", len(tasks), target, ErrNoGPUDemand)
		}
		return tuneUp(out, byName, total, target, r), nil
	}
	return out, nil
}

// tuneUp appends copies drawn from pool until the next drawn copy's
// per-GPU milli would take total above target (the artefact's check,
// which lets a multi-GPU copy overshoot); that copy is dropped.
func tuneUp(out, pool []GPUTask, total int64, target float64, r workloadRand) []GPUTask {
	for i := 0; ; i++ {
		c := pool[r.IntN(len(pool))]
		if float64(total+c.GPUMilli) > target {
			return out
		}
		c.Name = c.Name + "-tuned-" + strconv.Itoa(i)
		c.GPUSpec = slices.Clone(c.GPUSpec)
		out = append(out, c)
		total += c.TotalGPUMilli()
	}
}

// tuneDown removes randomly drawn tasks, keeping the others' order,
// until total is at most target.
func tuneDown(out []GPUTask, total int64, target float64, r workloadRand) []GPUTask {
	for float64(total) > target && len(out) > 0 {
		i := r.IntN(len(out))
		total -= out[i].TotalGPUMilli()
		out = slices.Delete(out, i, i+1)
	}
	return out
}

// sortedByName is a copy of tasks sorted by name (stably, so equal
// names, which the loader rejects, keep file order).
func sortedByName(tasks []GPUTask) []GPUTask {
	s := slices.Clone(tasks)
	slices.SortStableFunc(s, func(a, b GPUTask) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// clusterGPUMilli is the nodes' GPU capacity in GPU milli.
func clusterGPUMilli(nodes []GPUNode) int64 {
	var sum int64
	for _, n := range nodes {
		sum += n.GPUMilli()
	}
	return sum
}

// workloadGPUMilli is the tasks' GPU request in GPU milli.
func workloadGPUMilli(tasks []GPUTask) int64 {
	var sum int64
	for _, t := range tasks {
		sum += t.TotalGPUMilli()
	}
	return sum
}

// TaskClass is one kind of task in FGD's target workload: tasks alike in
// CPU, GPU demand and GPU model constraint, with how common they are.
type TaskClass struct {
	CPUMilli   int64   // CPU request in millicores (0 is counted as 100, as the artefact does)
	NumGPU     int     // GPUs requested
	GPUMilli   int64   // per-GPU milli, 0 for CPU-only tasks
	GPUSpec    string  // allowed models joined by '|'; "" = any (always "" for CPU-only tasks)
	Count      int     // tasks of the class
	Popularity float64 // the class's share among the kept classes; the shares sum to 1
}

// defaultMilliCPU is the CPU request kube-scheduler's non-zero request
// accounting gives a pod that requests none, which the artefact's
// PodResource inherits.
const defaultMilliCPU = 100

// TypicalTasks is FGD's target workload from a trace's tasks, as the
// artefact's GetTypicalPods builds it (see the top of this file): the
// most common task classes, most common first, that together make up at
// least coverage (e.g. 0.95) of the tasks, popularity renormalised over
// them. Pass the trace's own tasks, not an inflated workload: the
// artefact builds it before tuning. coverage <= 0 keeps no class.
func TypicalTasks(tasks []GPUTask, coverage float64) []TaskClass {
	classes := countClasses(tasks)
	// The artefact compares against percent × total / 100; going through
	// percent keeps e.g. 0.95 exact.
	want := coverage * 100 * float64(len(tasks)) / 100
	kept, cum := 0, 0
	for kept < len(classes) && float64(cum) < want {
		cum += classes[kept].Count
		kept++
	}
	classes = classes[:kept]
	for i := range classes {
		classes[i].Popularity = float64(classes[i].Count) / float64(cum)
	}
	return classes
}

// countClasses groups tasks into classes, most common first, ties by
// the larger (CPU, GPU milli, GPU count, models), as the artefact sorts.
func countClasses(tasks []GPUTask) []TaskClass {
	index := map[TaskClass]int{} // looked up only; the order comes from the sort
	var classes []TaskClass
	for _, t := range tasks {
		k := classOf(t)
		i, ok := index[k]
		if !ok {
			i = len(classes)
			index[k] = i
			classes = append(classes, k)
		}
		classes[i].Count++
	}
	slices.SortFunc(classes, func(a, b TaskClass) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(b.CPUMilli, a.CPUMilli),
			cmp.Compare(b.GPUMilli, a.GPUMilli), cmp.Compare(b.NumGPU, a.NumGPU), strings.Compare(b.GPUSpec, a.GPUSpec))
	})
	return classes
}

// classOf is a task's class key (Count and Popularity zero).
func classOf(t GPUTask) TaskClass {
	c := TaskClass{CPUMilli: t.CPUMilli, NumGPU: t.NumGPU, GPUMilli: t.GPUMilli}
	if c.CPUMilli == 0 {
		c.CPUMilli = defaultMilliCPU
	}
	if t.NumGPU > 0 {
		c.GPUSpec = strings.Join(t.GPUSpec, "|")
	}
	return c
}
