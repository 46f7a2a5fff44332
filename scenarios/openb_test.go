package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// openbFixtures holds the small openb CSV files of these tests.
var openbFixtures = filepath.Join("testdata", "openb")

// taskHeader is the full header of an openb task list.
const taskHeader = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n"

func TestLoadGPUNodesFixture(t *testing.T) {
	nodes, err := LoadGPUNodes(filepath.Join(openbFixtures, "nodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []GPUNode{
		{Name: "openb-node-0000", CPUMilli: 64000, MemoryMiB: 262144, GPUs: 2, Model: "P100"},
		{Name: "openb-node-0001", CPUMilli: 96000, MemoryMiB: 786432, GPUs: 8, Model: "G2"},
		{Name: "openb-node-0002", CPUMilli: 32000, MemoryMiB: 262144, GPUs: 0, Model: ""},
	}
	if !reflect.DeepEqual(nodes, want) {
		t.Fatalf("nodes =\n%+v\nwant\n%+v", nodes, want)
	}
	if got := nodes[1].GPUMilli(); got != 8000 {
		t.Errorf("GPUMilli = %d, want 8000", got)
	}
}

func TestLoadGPUTasksFixture(t *testing.T) {
	tasks, err := LoadGPUTasks(filepath.Join(openbFixtures, "tasks.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := []GPUTask{ // file order, not name order
		{Name: "openb-pod-0003", CPUMilli: 12000, MemoryMiB: 16384, NumGPU: 1, GPUMilli: 1000, QoS: "LS", Phase: "Running",
			CreationSeconds: 0, DeletionSeconds: 12537496, ScheduledSeconds: 0},
		{Name: "openb-pod-0001", CPUMilli: 6000, MemoryMiB: 12288, NumGPU: 1, GPUMilli: 460, GPUSpec: []string{"V100M16", "V100M32"},
			QoS: "BE", Phase: "Pending", CreationSeconds: 427061, DeletionSeconds: 12902960, ScheduledSeconds: NoTime},
		{Name: "openb-pod-0002", CPUMilli: 88000, MemoryMiB: 327680, NumGPU: 8, GPUMilli: 1000, GPUSpec: []string{"G2"},
			QoS: "Burstable", Phase: "Succeeded", CreationSeconds: 9437497, DeletionSeconds: 10769854, ScheduledSeconds: 9437497},
		{Name: "openb-pod-0000", CPUMilli: 8000, MemoryMiB: 30517, QoS: "Guaranteed", Phase: "Failed",
			CreationSeconds: 11811762, DeletionSeconds: 11827364, ScheduledSeconds: 11811765},
	}
	if !reflect.DeepEqual(tasks, want) {
		t.Fatalf("tasks =\n%+v\nwant\n%+v", tasks, want)
	}
	if got := tasks[2].TotalGPUMilli(); got != 8000 {
		t.Errorf("8-GPU task TotalGPUMilli = %d, want 8000", got)
	}
	if got := tasks[1].TotalGPUMilli(); got != 460 {
		t.Errorf("sharing task TotalGPUMilli = %d, want 460", got)
	}
}

// TestRequiredColumnsOnly reads a file shaped like
// openb_pod_list_multigpu50.csv, which has only the five required columns.
func TestRequiredColumnsOnly(t *testing.T) {
	tasks, err := LoadGPUTasks(filepath.Join(openbFixtures, "tasks_required_only.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want := GPUTask{Name: "openb-pod-0001", CPUMilli: 6000, MemoryMiB: 12288, NumGPU: 4, GPUMilli: 1000,
		CreationSeconds: NoTime, DeletionSeconds: NoTime, ScheduledSeconds: NoTime}
	if len(tasks) != 2 || !reflect.DeepEqual(tasks[1], want) {
		t.Fatalf("tasks = %+v, want the second to be %+v", tasks, want)
	}
}

func TestHeaderInAnyOrderWithBOM(t *testing.T) {
	in := "\ufeffgpu_milli,num_gpu,memory_mib,cpu_milli,name\n500,1,1024,2000,a\n"
	tasks, err := ReadGPUTasks(strings.NewReader(in), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 1 || tasks[0].Name != "a" || tasks[0].GPUMilli != 500 || tasks[0].CPUMilli != 2000 {
		t.Fatalf("tasks = %+v", tasks)
	}
}

func TestLoadBadFixtureNamesFileAndLines(t *testing.T) {
	path := filepath.Join(openbFixtures, "tasks_bad.csv")
	_, err := LoadGPUTasks(path)
	want := []string{
		path + ` line 3: gpu_milli "abc": strconv.ParseInt: parsing "abc": invalid syntax`,
		path + ` line 4: cpu_milli "-88000": negative`,
		path + ` line 4: num_gpu "9": out of range 0..8`,
	}
	if err == nil || err.Error() != strings.Join(want, "\n") {
		t.Fatalf("error =\n%v\nwant\n%s", err, strings.Join(want, "\n"))
	}
	var oe *OpenbError
	if !errors.As(err, &oe) || oe.Line != 3 || oe.Column != "gpu_milli" || !errors.Is(err, strconv.ErrSyntax) {
		t.Errorf("first problem = %+v, want line 3, gpu_milli, wrapping strconv.ErrSyntax", oe)
	}
}

func TestLoadMissingFiles(t *testing.T) {
	if _, err := LoadGPUTasks(filepath.Join(openbFixtures, "absent.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("tasks: %v, want ErrNotExist", err)
	}
	if _, err := LoadGPUNodes(filepath.Join(openbFixtures, "absent.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("nodes: %v, want ErrNotExist", err)
	}
}

func TestReadGPUTasksErrors(t *testing.T) {
	row := func(cells string) string { return taskHeader + cells + "\n" }
	cases := []struct{ name, in, want string }{
		{"empty file", "", `t.csv line 1: empty file, want a header line`},
		{"missing column", "name,cpu_milli,memory_mib,num_gpu\n", `t.csv line 1: missing column "gpu_milli"`},
		{"unknown column", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_mili\n",
			`t.csv line 1: unknown column "gpu_mili", want name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time`},
		{"column twice", "name,cpu_milli,memory_mib,num_gpu,gpu_milli,qos,qos\n", `t.csv line 1: column "qos" twice`},
		{"not a number", row("a,1000,1,1,abc,,LS,Running,0,1,0"), `t.csv line 2: gpu_milli "abc": strconv.ParseInt: parsing "abc": invalid syntax`},
		{"fraction", row("a,1000.5,1,1,500,,LS,Running,0,1,0"), `t.csv line 2: cpu_milli "1000.5": strconv.ParseInt: parsing "1000.5": invalid syntax`},
		{"empty number", row("a,,1,1,500,,LS,Running,0,1,0"), `t.csv line 2: cpu_milli "": empty, want an integer`},
		{"negative", row("a,1000,-1,1,500,,LS,Running,0,1,0"), `t.csv line 2: memory_mib "-1": negative`},
		{"gpu milli above 1000", row("a,1000,1,1,1200,,LS,Running,0,1,0"), `t.csv line 2: gpu_milli "1200": out of range 0..1000`},
		{"num gpu above 8", row("a,1000,1,9,1000,,LS,Running,0,1,0"), `t.csv line 2: num_gpu "9": out of range 0..8`},
		{"cpu task with gpu milli", row("a,1000,1,0,300,,LS,Running,0,1,0"), `t.csv line 2: gpu_milli "300": want 0 when num_gpu is 0`},
		{"gpu task without milli", row("a,1000,1,1,0,,LS,Running,0,1,0"), `t.csv line 2: gpu_milli "0": want 1..1000 when num_gpu is 1`},
		{"shared multi-gpu", row("a,1000,1,2,500,,LS,Running,0,1,0"), `t.csv line 2: gpu_milli "500": want 1000 (whole GPUs) when num_gpu is above 1`},
		{"empty name", row(",1000,1,1,500,,LS,Running,0,1,0"), `t.csv line 2: name "": empty`},
		{"repeated name", taskHeader + "a,1000,1,1,500,,LS,Running,0,1,0\na,1000,1,1,500,,LS,Running,0,1,0\n", `t.csv line 3: name "a": repeats line 2`},
		{"empty model", row("a,1000,1,1,500,T4||P100,LS,Running,0,1,0"), `t.csv line 2: gpu_spec "T4||P100": empty GPU model in the list`},
		{"no creation time", row("a,1000,1,1,500,,LS,Running,,1,0"), `t.csv line 2: creation_time "": empty, want an integer`},
		{"deleted before created", row("a,1000,1,1,500,,LS,Running,10,5,10"), `t.csv line 2: deletion_time "5": before creation_time 10`},
		{"short line", taskHeader + "a,1000,1,1,500\nb,1000,1,1,500,,LS,Running,0,1,0\n", `t.csv line 2: wrong number of fields`},
		{"bare quote", row(`a,1000,1,1,5"00,,LS,Running,0,1,0`), `t.csv line 2: bare " in non-quoted-field`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadGPUTasks(strings.NewReader(c.in), "t.csv")
			if err == nil || err.Error() != c.want {
				t.Fatalf("error = %v\nwant    %s", err, c.want)
			}
		})
	}
}

func TestEmptyDeletionAndScheduledAreNoTime(t *testing.T) {
	tasks, err := ReadGPUTasks(strings.NewReader(taskHeader+"a,1000,1,1,500,,LS,Pending,7,,\n"), "t.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := tasks[0]; got.CreationSeconds != 7 || got.DeletionSeconds != NoTime || got.ScheduledSeconds != NoTime {
		t.Fatalf("times = %d %d %d, want 7 NoTime NoTime", got.CreationSeconds, got.DeletionSeconds, got.ScheduledSeconds)
	}
}

func TestTooManyProblemsStop(t *testing.T) {
	var b strings.Builder
	b.WriteString(taskHeader)
	for i := range 15 {
		b.WriteString("t" + strconv.Itoa(i) + ",x,1,1,500,,LS,Running,0,1,0\n")
	}
	_, err := ReadGPUTasks(strings.NewReader(b.String()), "t.csv")
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxOpenbProblems+1 || lines[len(lines)-1] != "t.csv: stopped after 10 problems" {
		t.Fatalf("%d lines, last %q", len(lines), lines[len(lines)-1])
	}
}

func TestReadGPUNodesErrors(t *testing.T) {
	const header = "sn,cpu_milli,memory_mib,gpu,model\n"
	cases := []struct{ name, in, want string }{
		{"missing model", "sn,cpu_milli,memory_mib,gpu\n", `n.csv line 1: missing column "model"`},
		{"task header", taskHeader, `n.csv line 1: unknown column "name", want sn,cpu_milli,memory_mib,gpu,model`},
		{"negative gpus", header + "n0,1000,1,-2,T4\n", `n.csv line 2: gpu "-2": negative`},
		{"bad cpu", header + "n0,1k,1,2,T4\n", `n.csv line 2: cpu_milli "1k": strconv.ParseInt: parsing "1k": invalid syntax`},
		{"repeated sn", header + "n0,1000,1,2,T4\nn0,1000,1,2,T4\n", `n.csv line 3: sn "n0": repeats line 2`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadGPUNodes(strings.NewReader(c.in), "n.csv")
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("error = %v\nwant    %s", err, c.want)
			}
		})
	}
}
