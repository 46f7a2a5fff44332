package plugins_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/scheduler"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/gpushare"
)

// gpuCluster is a small random GPU-sharing cluster and workload, built
// both as API objects and as the pure model.
type gpuCluster struct {
	nodes []*api.Node
	model []*gpushare.Node
	tasks []gpushare.Task
}

func newGPUCluster(t *testing.T, seed uint64, numNodes, numTasks int) gpuCluster {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var c gpuCluster
	models := []string{"A", "B", "C"}
	for i := range numNodes {
		name := fmt.Sprintf("node-%02d", i)
		model, gpus := models[r.IntN(3)], []int{0, 2, 4, 8}[r.IntN(4)]
		cpu, mem := int64(16000*(1+r.IntN(6))), int64(65536*(1+r.IntN(4)))
		w := fixtures.MakeNode().Name(name).CPU(fmt.Sprintf("%dm", cpu)).Memory(fmt.Sprintf("%dMi", mem))
		mn, err := gpushare.NewNode(name, "", cpu, mem, 0)
		if gpus > 0 {
			w = w.Label(plugins.LabelGPUModel, model).Capacity(plugins.ResourceGPUMilli, fmt.Sprint(gpus*1000))
			mn, err = gpushare.NewNode(name, model, cpu, mem, gpus)
		}
		if err != nil {
			t.Fatal(err)
		}
		c.nodes, c.model = append(c.nodes, w.Obj()), append(c.model, mn)
	}
	for range numTasks {
		c.tasks = append(c.tasks, randomTask(r, models))
	}
	return c
}

func randomTask(r *rand.Rand, models []string) gpushare.Task {
	t := gpushare.Task{CPUMilli: int64(1000 * (1 + r.IntN(12))), MemoryMiB: int64(1024 * (1 + r.IntN(16)))}
	switch k := r.IntN(10); {
	case k < 5:
		t.NumGPU, t.GPUMilli = 1, int64(50*(1+r.IntN(19)))
	case k < 8:
		t.NumGPU, t.GPUMilli = []int{1, 1, 2, 4, 8}[r.IntN(5)], 1000
	}
	if t.NumGPU > 0 && r.IntN(4) == 0 {
		t.GPUSpec = models[r.IntN(3)] + "|" + models[r.IntN(3)]
	}
	return t
}

func gpuPod(i int, t gpushare.Task, schedulerName string) *api.Pod {
	w := fixtures.MakePod().Name(fmt.Sprintf("task-%04d", i)).UID(fmt.Sprintf("uid-%04d", i)).SchedulerName(schedulerName).
		CPU(fmt.Sprintf("%dm", t.CPUMilli)).Memory(fmt.Sprintf("%dMi", t.MemoryMiB))
	if t.NumGPU > 0 {
		w = w.Request(plugins.ResourceGPUMilli, fmt.Sprint(t.TotalGPUMilli()))
	}
	if t.GPUSpec != "" {
		w = w.Annotation(plugins.AnnotationGPUModel, t.GPUSpec)
	}
	return w.Obj()
}

// annotatingBinder confirms bindings as an API server would: the bound
// pod carries the binding's annotations. The caller feeds it back.
type gpuBinder struct{ last map[string]string }

func (b *gpuBinder) Bind(ctx context.Context, pod *api.Pod, node string) error {
	return b.BindWithAnnotations(ctx, pod, node, nil)
}

func (b *gpuBinder) BindWithAnnotations(_ context.Context, _ *api.Pod, _ string, ann map[string]string) error {
	b.last = ann
	return nil
}

func gpuShareScheduler(t *testing.T, args plugins.GPUShareArgs, seed uint64) (*scheduler.Scheduler, *gpuBinder) {
	t.Helper()
	p, err := plugins.GPUShareProfile("gpushare", args)
	if err != nil {
		t.Fatal(err)
	}
	b := &gpuBinder{}
	s, err := scheduler.New(scheduler.Options{Clock: clock.NewManual(time.Unix(0, 0)), Rand: rand.New(rand.NewPCG(seed, 0)),
		Binder: b, Profiles: []framework.Profile{p}})
	if err != nil {
		t.Fatal(err)
	}
	return s, b
}

func typicalArgs(t *testing.T, tasks []gpushare.Task) []plugins.GPUTaskClass {
	t.Helper()
	classes, err := gpushare.TypicalClasses(tasks, 95)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]plugins.GPUTaskClass, len(classes))
	for i, c := range classes {
		out[i] = plugins.GPUTaskClass{CPUMilli: c.Task.CPUMilli, NumGPU: c.Task.NumGPU, GPUMilli: c.Task.GPUMilli,
			GPUSpec: c.Task.GPUSpec, Popularity: c.Popularity}
	}
	return out
}

type placed struct {
	node    string
	devices []int
}

// runScheduler places every task through the framework. The binding of
// each pod is confirmed to the scheduler only after the next pod's cycle,
// so cycles see pods both assumed and bound.
func runScheduler(t *testing.T, c gpuCluster, args plugins.GPUShareArgs, seed uint64) []placed {
	t.Helper()
	s, b := gpuShareScheduler(t, args, seed)
	for _, n := range c.nodes {
		s.AddNode(n)
	}
	var out []placed
	var pending func()
	for i, task := range c.tasks {
		pod := gpuPod(i, task, "gpushare")
		s.AddPod(pod)
		b.last = nil
		res, ok := s.ScheduleOne(t.Context())
		if !ok {
			t.Fatalf("task %d: nothing to schedule", i)
		}
		if pending != nil {
			pending()
			pending = nil
		}
		if res.Node == "" {
			out = append(out, placed{})
			s.DeletePod(pod) // arrival only: a task that fits nowhere is not retried
			continue
		}
		devices, err := plugins.ParseGPUDevices(b.last[plugins.AnnotationGPUDevices])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, placed{res.Node, devices})
		bound := res.Pod.DeepCopy()
		bound.Spec.NodeName = res.Node
		if len(b.last) > 0 {
			bound.Annotations = map[string]string{}
			for k, v := range pod.Annotations {
				bound.Annotations[k] = v
			}
			for k, v := range b.last {
				bound.Annotations[k] = v
			}
		}
		pending = func() {
			if err := s.UpdatePod(res.Pod, bound); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// runModel places every task with the pure model's Schedule.
func runModel(t *testing.T, c gpuCluster, p gpushare.Policy) []placed {
	t.Helper()
	var out []placed
	for i, task := range c.tasks {
		pl, ok := gpushare.Schedule(c.model, task, p, nil)
		if !ok {
			out = append(out, placed{})
			continue
		}
		if err := c.model[pl.Node].Allocate(task, pl.Devices); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
		out = append(out, placed{c.model[pl.Node].Name(), pl.Devices})
	}
	return out
}

// TestGPUShareSchedulesAsThePureModel runs each deterministic policy
// through the scheduler framework and through the pure model on the same
// random cluster and workload: every task must land on the same node and
// devices, or fail in both.
func TestGPUShareSchedulesAsThePureModel(t *testing.T) {
	for _, name := range []string{"DotProd", "GpuClustering", "GpuPacking", "BestFit", "FGD"} {
		t.Run(name, func(t *testing.T) {
			c := newGPUCluster(t, 7, 24, 400)
			args := plugins.GPUShareArgs{Policy: name}
			var policy gpushare.Policy
			switch name {
			case "FGD":
				args.TypicalTasks = typicalArgs(t, c.tasks)
				classes, _ := gpushare.TypicalClasses(c.tasks, 95)
				d, err := gpushare.NewDistribution(classes)
				if err != nil {
					t.Fatal(err)
				}
				policy = gpushare.NewFGD(d)
			case "DotProd":
				policy = gpushare.DotProd{}
			case "GpuClustering":
				policy = gpushare.GpuClustering{}
			case "GpuPacking":
				policy = gpushare.GpuPacking{}
			case "BestFit":
				policy = gpushare.BestFit{}
			}
			got := runScheduler(t, c, args, 1)
			want := runModel(t, c, policy)
			failed := 0
			for i := range want {
				if got[i].node != want[i].node || !slices.Equal(got[i].devices, want[i].devices) {
					t.Fatalf("task %d %+v: scheduler placed %+v, model %+v", i, c.tasks[i], got[i], want[i])
				}
				if want[i].node == "" {
					failed++
				}
			}
			if failed == 0 || failed == len(want) {
				t.Fatalf("%d of %d tasks failed: the workload should both fill the cluster and overflow it", failed, len(want))
			}
		})
	}
}

// TestGPUShareRandomIsValidAndSeeded checks Random, which draws from the
// scheduler's rand: its placements fit the model (replayed, an Allocate
// fails on any overcommit), and a seed reproduces them.
func TestGPUShareRandomIsValidAndSeeded(t *testing.T) {
	c := newGPUCluster(t, 11, 16, 250)
	first := runScheduler(t, c, plugins.GPUShareArgs{Policy: "Random"}, 5)
	again := runScheduler(t, c, plugins.GPUShareArgs{Policy: "Random"}, 5)
	other := runScheduler(t, c, plugins.GPUShareArgs{Policy: "Random"}, 6)
	if !slices.EqualFunc(first, again, samePlacement) {
		t.Fatal("the same seed gave different placements")
	}
	if slices.EqualFunc(first, other, samePlacement) {
		t.Fatal("two seeds gave the same placements")
	}
	byName := map[string]*gpushare.Node{}
	for _, n := range c.model {
		byName[n.Name()] = n
	}
	for i, p := range first {
		if p.node == "" {
			continue
		}
		if err := byName[p.node].Allocate(c.tasks[i], p.devices); err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
	}
}

func samePlacement(a, b placed) bool { return a.node == b.node && slices.Equal(a.devices, b.devices) }

func TestGPUShareFilterReasonsAndRecordedDevices(t *testing.T) {
	s, _ := gpuShareScheduler(t, plugins.GPUShareArgs{Policy: "BestFit"}, 1)
	s.AddNode(fixtures.MakeNode().Name("cpu").CPU("64").Memory("64Gi").Obj())
	s.AddNode(fixtures.MakeNode().Name("a").CPU("64").Memory("64Gi").Label(plugins.LabelGPUModel, "A").
		Capacity(plugins.ResourceGPUMilli, "2000").Obj())
	// A pod bound elsewhere holds 600 of device 1; another, with no record,
	// gets the tightest fit with room, 500 of device 0. No device then has
	// 900 free, and device 1 has 400.
	s.AddPod(fixtures.MakePod().Name("old").UID("old").Node("a").CPU("1").Request(plugins.ResourceGPUMilli, "600").
		Annotation(plugins.AnnotationGPUDevices, "1").Obj())
	s.AddPod(fixtures.MakePod().Name("unrecorded").UID("unrecorded").Node("a").CPU("1").Request(plugins.ResourceGPUMilli, "500").Obj())
	s.AddPod(fixtures.MakePod().Name("big").UID("big").SchedulerName("gpushare").CPU("1").Request(plugins.ResourceGPUMilli, "900").Obj())
	res, ok := s.ScheduleOne(t.Context())
	if !ok || res.Node != "" {
		t.Fatalf("a 900-milli share fit though no device has 900 free: %+v", res)
	}
	msg := res.Err.Error()
	for _, want := range []string{"1 " + plugins.ReasonNoGPU, "1 " + plugins.ReasonInsufficientGPU} {
		if !strings.Contains(msg, want) {
			t.Errorf("failure %q does not say %q", msg, want)
		}
	}
	s.AddPod(fixtures.MakePod().Name("fits").UID("fits").SchedulerName("gpushare").CPU("1").
		Request(plugins.ResourceGPUMilli, "400").Obj())
	if res, _ := s.ScheduleOne(t.Context()); res.Node != "a" {
		t.Fatalf("a 400-milli share should fit device 1 of node a: %+v", res)
	}
	s.AddPod(fixtures.MakePod().Name("model").UID("model").SchedulerName("gpushare").CPU("1").
		Request(plugins.ResourceGPUMilli, "100").Annotation(plugins.AnnotationGPUModel, "B|C").Obj())
	if res, _ := s.ScheduleOne(t.Context()); res.Node != "" || !strings.Contains(res.Err.Error(), plugins.ReasonGPUModel) {
		t.Fatalf("a pod for models B or C placed on model A: %+v", res)
	}
}

func TestGPUTaskOfAndDevices(t *testing.T) {
	req := func(gpu int64) framework.Resource {
		r := framework.Resource{MilliCPU: 2000, Memory: 3*1024*1024 + 1}
		if gpu > 0 {
			r.Scalar = map[api.ResourceName]int64{plugins.ResourceGPUMilli: gpu}
		}
		return r
	}
	pod := fixtures.MakePod().Annotation(plugins.AnnotationGPUModel, "A|B").Obj()
	tests := []struct {
		gpu  int64
		want gpushare.Task
		err  bool
	}{
		{0, gpushare.Task{CPUMilli: 2000, MemoryMiB: 4}, false},
		{250, gpushare.Task{CPUMilli: 2000, MemoryMiB: 4, NumGPU: 1, GPUMilli: 250, GPUSpec: "A|B"}, false},
		{3000, gpushare.Task{CPUMilli: 2000, MemoryMiB: 4, NumGPU: 3, GPUMilli: 1000, GPUSpec: "A|B"}, false},
		{1500, gpushare.Task{}, true},
	}
	for _, tc := range tests {
		got, err := plugins.GPUTaskOf(pod, req(tc.gpu))
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("GPUTaskOf(%d) = %+v, %v; want %+v (error %v)", tc.gpu, got, err, tc.want, tc.err)
		}
	}
	if d, err := plugins.ParseGPUDevices(plugins.FormatGPUDevices([]int{0, 3})); err != nil || !slices.Equal(d, []int{0, 3}) {
		t.Errorf("devices round trip: %v %v", d, err)
	}
	for _, bad := range []string{"x", "1,", "-1"} {
		if _, err := plugins.ParseGPUDevices(bad); err == nil {
			t.Errorf("ParseGPUDevices(%q) accepted", bad)
		}
	}
}

func TestGPUShareArgs(t *testing.T) {
	build := plugins.NewInTreeRegistry()[plugins.GPUShareName]
	for _, bad := range []string{
		`{"policy": "Tetris"}`,
		`{"policy": "FGD"}`,
		`{"policy": "BestFit", "typicalTasks": [{"cpuMilli": 1000, "popularity": 1}]}`,
		`{"policy": "FGD", "typicalTasks": [{"cpuMilli": 1000, "popularity": 0.5}]}`,
		`{"policy": "FGD", "typicalTasks": [{"cpuMilli": 1000, "numGPU": 2, "gpuMilli": 500, "popularity": 1}]}`,
		`{"policy": "BestFit", "extra": 1}`,
	} {
		if _, err := build([]byte(bad), nil); err == nil {
			t.Errorf("args %s accepted", bad)
		}
	}
	if _, err := build([]byte(`{"policy": "FGD", "typicalTasks": [{"cpuMilli": 1000, "numGPU": 1, "gpuMilli": 500, "popularity": 1}]}`), nil); err != nil {
		t.Error(err)
	}
}

func TestGPUShareFilterOnANodeWithoutGPUs(t *testing.T) {
	pl, err := plugins.NewGPUShare([]byte(`{"policy": "GpuPacking"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	pod := fixtures.MakePod().Name("p").Request(plugins.ResourceGPUMilli, "2000").Obj()
	state := framework.NewCycleState()
	if st := pl.(framework.PreFilterPlugin).PreFilter(t.Context(), state, pod); !st.IsSuccess() {
		t.Fatal(st)
	}
	ni := framework.NewNodeInfo(fixtures.MakeNode().Name("cpu").CPU("8").Obj())
	st := pl.(framework.FilterPlugin).Filter(t.Context(), state, pod, ni)
	if st.Code() != framework.UnschedulableAndUnresolvable || st.Message() != plugins.ReasonNoGPU {
		t.Fatalf("filter on a node without GPUs: %v", st)
	}
	cpuOnly := fixtures.MakePod().Name("c").CPU("1").Obj()
	if st := pl.(framework.PreFilterPlugin).PreFilter(t.Context(), state, cpuOnly); !st.IsSuccess() {
		t.Fatal(st)
	}
	if st := pl.(framework.FilterPlugin).Filter(t.Context(), state, cpuOnly, ni); !st.IsSuccess() {
		t.Fatalf("a CPU-only pod fits a node without GPUs: %v", st)
	}
	big := fixtures.MakePod().Name("big").CPU("9").Obj()
	if st := pl.(framework.PreFilterPlugin).PreFilter(t.Context(), state, big); !st.IsSuccess() {
		t.Fatal(st)
	}
	if st := pl.(framework.FilterPlugin).Filter(t.Context(), state, big, ni); st.Code() != framework.Unschedulable ||
		st.Message() != "Insufficient cpu" {
		t.Fatalf("9 cores on an 8-core node: %v", st)
	}
}
