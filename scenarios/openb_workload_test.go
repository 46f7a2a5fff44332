package scenarios

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// openbTraces is the openb trace directory beside the repository.
var openbTraces = filepath.Join("..", "..", "shared", "traces", "alibaba-gpu-v2023")

// loadOpenbTasks loads a task list of the shared trace, failing (not
// skipping) when it is absent.
func loadOpenbTasks(t *testing.T, file string) []GPUTask {
	t.Helper()
	path := filepath.Join(openbTraces, file)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the openb trace must sit beside the repository (%s): %v", openbTraces, err)
	}
	tasks, err := LoadGPUTasks(path)
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

// loadOpenbNodes loads a node list of the shared trace, failing when absent.
func loadOpenbNodes(t *testing.T, file string) []GPUNode {
	t.Helper()
	path := filepath.Join(openbTraces, file)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the openb trace must sit beside the repository (%s): %v", openbTraces, err)
	}
	nodes, err := LoadGPUNodes(path)
	if err != nil {
		t.Fatal(err)
	}
	return nodes
}

func TestRealOpenbNodes(t *testing.T) {
	gpu := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	gpus := 0
	for _, n := range gpu {
		gpus += n.GPUs
	}
	if len(gpu) != 1213 || gpus != 6212 || clusterGPUMilli(gpu) != 6_212_000 {
		t.Errorf("GPU nodes: %d nodes, %d GPUs, %d GPU milli; want 1213, 6212, 6212000", len(gpu), gpus, clusterGPUMilli(gpu))
	}
	if gpu[0] != (GPUNode{Name: "openb-node-0000", CPUMilli: 64000, MemoryMiB: 262144, GPUs: 2, Model: "P100"}) {
		t.Errorf("first node = %+v", gpu[0])
	}
	all := loadOpenbNodes(t, "openb_node_list_all_node.csv")
	cpuOnly := 0
	for _, n := range all {
		if n.GPUs == 0 && n.Model == "" {
			cpuOnly++
		}
	}
	if len(all) != 1523 || cpuOnly != 310 || clusterGPUMilli(all) != 6_212_000 {
		t.Errorf("all nodes: %d nodes, %d CPU-only, %d GPU milli", len(all), cpuOnly, clusterGPUMilli(all))
	}
}

func TestRealOpenbTasks(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	cpuOnly, pending := 0, 0
	for _, task := range tasks {
		if task.NumGPU == 0 {
			cpuOnly++
		}
		if task.ScheduledSeconds == NoTime {
			pending++
			if task.Phase != "Pending" {
				t.Errorf("%s: no scheduled time but phase %s", task.Name, task.Phase)
			}
		}
	}
	if len(tasks) != 8152 || workloadGPUMilli(tasks) != 6_086_800 || cpuOnly != 1088 || pending != 897 {
		t.Errorf("default: %d tasks, %d GPU milli, %d CPU-only, %d never scheduled; want 8152, 6086800, 1088, 897",
			len(tasks), workloadGPUMilli(tasks), cpuOnly, pending)
	}
	for file, want := range map[string]int{ // each file checked on its own; order does not matter
		"openb_pod_list_gpuspec33.csv": 8152, "openb_pod_list_cpu050.csv": 7439,
		"openb_pod_list_gpushare100.csv": 8152, "openb_pod_list_multigpu50.csv": 9061,
	} {
		if got := len(loadOpenbTasks(t, file)); got != want {
			t.Errorf("%s: %d tasks, want %d", file, got, want)
		}
	}
}

// artefactSeed42 is the sha256 of the pod names, one a line, in the
// order the artefact's simon binary creates them for
// openb_pod_list_default, tune 1.3, tune seed 42: 10,866 pods, listed by
// a copy of the binary that printed them after tuning, whose first 3,010
// agree with the unmodified binary's "attempt to create pod" log lines.
const artefactSeed42 = "c4da0ec090f40bf3a4e7e3624d38d067bebdd463fd0cbf3dc69e8d3915982dd7"

func TestArtefactWorkloadIsTheArtefacts(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	nodes := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	// Pods after tuning, as the artefact logs them, for a few seeds.
	for seed, want := range map[int64]int{42: 10866, 43: 10793, 45: 10813, 51: 10859} {
		w, err := ArtefactWorkload(tasks, nodes, 1.3, seed)
		if err != nil {
			t.Fatal(err)
		}
		if len(w) != want {
			t.Errorf("seed %d: %d tasks, the artefact has %d", seed, len(w), want)
		}
	}
	w, _ := ArtefactWorkload(tasks, nodes, 1.3, 42)
	if got := namesDigest(w); got != artefactSeed42 {
		t.Errorf("seed 42: names digest %s, want the artefact's %s; first %s %s %s", got, artefactSeed42, w[0].Name, w[1].Name, w[2].Name)
	}
}

// namesDigest is the sha256 of the tasks' names, one a line.
func namesDigest(tasks []GPUTask) string {
	h := sha256.New()
	for _, t := range tasks {
		fmt.Fprintln(h, t.Name)
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestExperimentWorkloadDefault(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	nodes := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	w, err := ExperimentWorkload(tasks, nodes, 1.3, 42)
	if err != nil {
		t.Fatal(err)
	}
	target := 1.3 * 6_212_000
	total := workloadGPUMilli(w)
	t.Logf("seed 42: %d tasks, %d GPU milli (target %.0f)", len(w), total, target)
	// The artefact stops when a drawn copy's per-GPU milli (<= 1000) would
	// cross the target; only a multi-GPU copy can take the total over it.
	if float64(total) <= target-GPUMilliPerGPU || float64(total) > target+7*GPUMilliPerGPU {
		t.Errorf("total %d GPU milli, want within (target-1000, target+7000]", total)
	}
	if last := w[len(w)-1]; float64(total) > target && last.NumGPU < 2 {
		t.Errorf("total %d above target, but the last copy %s is not multi-GPU", total, last.Name)
	}
	checkShuffled(t, w[:len(tasks)], tasks)
	checkCopies(t, w[len(tasks):], tasks)
}

// checkShuffled checks that got holds exactly tasks, in another order.
func checkShuffled(t *testing.T, got, tasks []GPUTask) {
	t.Helper()
	if reflect.DeepEqual(got, tasks) {
		t.Fatal("the trace's tasks are not shuffled")
	}
	if !reflect.DeepEqual(sortedByName(got), sortedByName(tasks)) {
		t.Fatal("the shuffled tasks are not the trace's tasks")
	}
}

// checkCopies checks that copies are named <task>-tuned-<i>, i counting
// from 0, and equal their originals but for the name.
func checkCopies(t *testing.T, copies, tasks []GPUTask) {
	t.Helper()
	byName := map[string]GPUTask{}
	for _, task := range tasks {
		byName[task.Name] = task
	}
	for i, c := range copies {
		orig, suffix, ok := strings.Cut(c.Name, "-tuned-")
		want, found := byName[orig]
		if !ok || !found || suffix != fmt.Sprint(i) {
			t.Fatalf("copy %d named %s", i, c.Name)
		}
		want.Name = c.Name
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("copy %+v differs from its original %+v", c, want)
		}
	}
}

func TestExperimentWorkloadDeterministic(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	nodes := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	a, _ := ExperimentWorkload(tasks, nodes, 1.3, 7)
	b, _ := ExperimentWorkload(tasks, nodes, 1.3, 7)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("seed 7 gave two different workloads")
	}
	c, _ := ExperimentWorkload(tasks, nodes, 1.3, 8)
	if reflect.DeepEqual(a[:len(tasks)], c[:len(tasks)]) {
		t.Fatal("seeds 7 and 8 gave the same order")
	}
	a2, _ := ArtefactWorkload(tasks, nodes, 1.3, 7)
	b2, _ := ArtefactWorkload(tasks, nodes, 1.3, 7)
	if !reflect.DeepEqual(a2, b2) || reflect.DeepEqual(a2[:len(tasks)], a[:len(tasks)]) {
		t.Fatal("the artefact stream is not deterministic, or equals the PCG's")
	}
}

func TestExperimentWorkloadTunesDown(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_multigpu50.csv") // 11,358,800 GPU milli, above 1.3 × capacity
	nodes := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	shuffled, _ := ExperimentWorkload(tasks, nodes, 0, 3)
	w, _ := ExperimentWorkload(tasks, nodes, 1.3, 3)
	checkShuffled(t, shuffled, tasks)
	total := workloadGPUMilli(w)
	if float64(total) > 1.3*6_212_000 || float64(total) < 1.3*6_212_000-8000 {
		t.Errorf("tuned down to %d GPU milli", total)
	}
	// What is left keeps the shuffled order.
	i := 0
	for _, task := range w {
		for i < len(shuffled) && shuffled[i].Name != task.Name {
			i++
		}
		if i == len(shuffled) {
			t.Fatalf("%s is out of the shuffled order", task.Name)
		}
	}
	t.Logf("multigpu50, seed 3: %d of %d tasks kept, %d GPU milli", len(w), len(tasks), total)
}

// scriptedRand is a workloadRand that never shuffles and draws the
// given indexes in turn.
type scriptedRand struct {
	t     *testing.T
	draws []int
}

func (s *scriptedRand) Shuffle(int, func(i, j int)) {}

func (s *scriptedRand) IntN(n int) int {
	if len(s.draws) == 0 || s.draws[0] >= n {
		s.t.Fatalf("unexpected draw from %d (script left: %v)", n, s.draws)
	}
	v := s.draws[0]
	s.draws = s.draws[1:]
	return v
}

// stopRuleTasks are a whole GPU, half a GPU, eight GPUs and a CPU-only
// task: 9,500 GPU milli.
var stopRuleTasks = []GPUTask{
	{Name: "a", NumGPU: 1, GPUMilli: 1000},
	{Name: "b", NumGPU: 1, GPUMilli: 500},
	{Name: "c", NumGPU: 8, GPUMilli: 1000},
	{Name: "d"},
}

func TestTuneRules(t *testing.T) {
	nodes := func(gpus int) []GPUNode { return []GPUNode{{Name: "n", GPUs: gpus}} }
	cases := []struct {
		name  string
		gpus  int
		draws []int
		want  []string
	}{
		// 9,500 + c's 1,000 per GPU > 10,000: c is drawn, dropped, and stops.
		{"stop at crossing", 10, []int{3, 2}, []string{"a", "b", "c", "d", "d-tuned-0"}},
		// 9,500 + 1,000 <= 20,000 twice: two 8-GPU copies, 25,500 in all;
		// then even a CPU-only copy stops it.
		{"multi-GPU overshoot", 20, []int{2, 2, 3}, []string{"a", "b", "c", "d", "c-tuned-0", "c-tuned-1"}},
		// Remove d (no GPU), then c: 1,500 <= 5,000.
		{"tune down", 5, []int{3, 2}, []string{"a", "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &scriptedRand{t: t, draws: c.draws}
			w, err := buildWorkload(stopRuleTasks, nodes(c.gpus), 1, r)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(w))
			for i, task := range w {
				got[i] = task.Name
			}
			if !slices.Equal(got, c.want) || len(r.draws) != 0 {
				t.Fatalf("workload %v (undrawn %v), want %v", got, r.draws, c.want)
			}
		})
	}
}

func TestTuneErrors(t *testing.T) {
	cpuOnly := []GPUTask{{Name: "x", CPUMilli: 1000}}
	nodes := []GPUNode{{Name: "n", GPUs: 1}}
	if _, err := ExperimentWorkload(cpuOnly, nodes, 1.3, 1); !errors.Is(err, ErrNoGPUDemand) {
		t.Errorf("CPU-only trace: %v, want ErrNoGPUDemand", err)
	}
	if _, err := ExperimentWorkload(stopRuleTasks, nodes, math.NaN(), 1); err == nil {
		t.Error("NaN tune accepted")
	}
	w, err := ExperimentWorkload(cpuOnly, nodes, 0, 1)
	if err != nil || len(w) != 1 {
		t.Errorf("tune 0: %v, %v", w, err)
	}
}

func TestTypicalTasksDefault(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	classes := TypicalTasks(tasks, 0.95)
	count, sum := 0, 0.0
	for i, c := range classes {
		count += c.Count
		sum += c.Popularity
		if i > 0 && c.Count > classes[i-1].Count {
			t.Errorf("class %d more common than class %d", i, i-1)
		}
	}
	// 35 of the 91 classes, 7,766 of 8,152 tasks (95.26 %), as the
	// artefact's GetTypicalPods keeps them.
	if len(classes) != 35 || count != 7766 || float64(count) < 0.95*float64(len(tasks)) || math.Abs(sum-1) > 1e-9 {
		t.Errorf("%d classes covering %d tasks, popularity sums to %v", len(classes), count, sum)
	}
	first := TaskClass{CPUMilli: 3152, NumGPU: 1, GPUMilli: 810, Count: 1047, Popularity: 1047.0 / 7766}
	if classes[0] != first {
		t.Errorf("first class %+v, want %+v", classes[0], first)
	}
	if n := len(TypicalTasks(loadOpenbTasks(t, "openb_pod_list_gpuspec33.csv"), 0.95)); n != 127 {
		t.Errorf("gpuspec33: %d classes, want 127", n)
	}
}

func TestTypicalTasksRules(t *testing.T) {
	task := func(cpu int64, gpus int, milli int64, spec ...string) GPUTask {
		return GPUTask{CPUMilli: cpu, NumGPU: gpus, GPUMilli: milli, GPUSpec: spec}
	}
	var tasks []GPUTask
	for range 5 {
		tasks = append(tasks, task(1000, 1, 500))
	}
	for range 2 { // ties: the larger CPU first, then GPU milli, count, models
		tasks = append(tasks, task(2000, 1, 300), task(1000, 1, 300, "T4"), task(1000, 1, 300), task(0, 0, 0))
	}
	tasks = append(tasks, task(100, 0, 0, "ignored")) // CPU 0 counts as 100, a CPU-only task's models are ignored
	got := TypicalTasks(tasks, 0.5)                   // 5 < 7 of 14, then 5 + 3 crosses 50 %: two classes
	want := []TaskClass{
		{CPUMilli: 1000, NumGPU: 1, GPUMilli: 500, Count: 5, Popularity: 5.0 / 8},
		{CPUMilli: 100, Count: 3, Popularity: 3.0 / 8},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("coverage 0.5:\n%+v\nwant\n%+v", got, want)
	}
	all := TypicalTasks(tasks, 1)
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = fmt.Sprintf("%d/%d/%d/%s:%d", c.CPUMilli, c.NumGPU, c.GPUMilli, c.GPUSpec, c.Count)
	}
	wantNames := []string{"1000/1/500/:5", "100/0/0/:3", "2000/1/300/:2", "1000/1/300/T4:2", "1000/1/300/:2"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("coverage 1: %v, want %v", names, wantNames)
	}
}

// The node names the artefact's simon binary gave, read from its logs of
// openb_pod_list_default, tune 1.3 ("pod(...) is scheduled to node(...)").
var artefactNodeNames = map[int64][]string{
	42: {"0000-openb-node-0260", "0001-openb-node-0858", "0002-openb-node-0619", "0601-openb-node-0000", "0037-openb-node-1080"},
	43: {"0006-openb-node-0869", "0021-openb-node-1080"},
}

func TestArtefactExperimentNamesNodesAsTheArtefact(t *testing.T) {
	tasks := loadOpenbTasks(t, "openb_pod_list_default.csv")
	nodes := loadOpenbNodes(t, "openb_node_list_gpu_node.csv")
	for seed, want := range artefactNodeNames {
		work, named, err := ArtefactExperiment(tasks, nodes, 1.3, seed)
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := ArtefactWorkload(tasks, nodes, 1.3, seed); len(w) != len(work) {
			t.Fatalf("seed %d: the experiment has %d tasks, the workload %d", seed, len(work), len(w))
		}
		have := map[string]bool{}
		for _, n := range named {
			have[n.Name] = true
		}
		if len(have) != len(nodes) {
			t.Fatalf("seed %d: %d distinct names for %d nodes", seed, len(have), len(nodes))
		}
		for _, name := range want {
			if !have[name] {
				t.Errorf("seed %d: no node named %s, as the artefact names one", seed, name)
			}
		}
	}
}
