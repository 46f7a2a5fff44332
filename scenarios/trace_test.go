package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestReadTraceColumnStyles(t *testing.T) {
	tests := []struct {
		name string
		csv  string
		opts TraceOptions
		want []string // name arrival runTime cpu memory gpu, per row
	}{
		{"quantities and durations", "name,arrival,duration,cpu,memory,extra\n" +
			"b,20,5,2,1Gi,x\na,10,0,500m,256Mi,y\nc,10,60,1,1Gi,z\n", TraceOptions{},
			[]string{"a 0s 0s 500m 256Mi 0", "c 0s 1m0s 1 1Gi 0", "b 10s 5s 2 1Gi 0"}},
		{"alibaba style", "name,cpu_milli,memory_mib,num_gpu,creation_time,deletion_time\n" +
			"p0,12000,16384,1,100,200\np1,6000,1024,0,150,\np2,500,512,2,300,250\n", TraceOptions{TimeScale: 0.5},
			[]string{"p0 0s 1m40s 12 16Gi 1", "p1 25s 0s 6 1Gi 0", "p2 1m40s 0s 500m 512Mi 2"}},
		{"no times, no names", "cpu_milli,memory_mib\n100,10\n200,20\n", TraceOptions{},
			[]string{"row-1 0s 0s 100m 10Mi 0", "row-2 0s 0s 200m 20Mi 0"}},
		{"skip and limit", "name,submit_time,runtime_seconds,cpu,memory\n" +
			"a,5,1,1,1Gi\nb,4,1,1,1Gi\nc,3,1,1,1Gi\nd,2,1,1,1Gi\n", TraceOptions{Skip: 1, Limit: 2},
			[]string{"c 0s 1s 1 1Gi 0", "b 1s 1s 1 1Gi 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadTrace(strings.NewReader(tt.csv), "t.csv", tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != len(tt.want) {
				t.Fatalf("got %d rows, want %d: %+v", len(rows), len(tt.want), rows)
			}
			for i, r := range rows {
				if got := describeRow(r); got != tt.want[i] {
					t.Errorf("row %d = %q, want %q", i, got, tt.want[i])
				}
			}
		})
	}
}

func describeRow(r TraceRow) string {
	gpu := r.Requests[ResourceGPU]
	cpu, mem := r.Requests[api.ResourceCPU], r.Requests[api.ResourceMemory]
	return strings.Join([]string{r.Name, r.Arrival.String(), r.RunTime.String(), cpu.String(), mem.String(), gpu.String()}, " ")
}

func TestReadTraceErrors(t *testing.T) {
	_, err := ReadTrace(strings.NewReader("name,cpu,memory_mib\na,lots,1\nb,1,-4\n"), "t.csv", TraceOptions{})
	wantErr(t, errString(err), `t.csv:2:cpu: want a non-negative quantity such as 500m or 2Gi, have "lots"`,
		`t.csv:3:memory_mib: want a non-negative number, have "-4"`)
	_, err = ReadTrace(strings.NewReader(""), "t.csv", TraceOptions{})
	wantErr(t, errString(err), "t.csv: empty trace")
	_, err = ReadTrace(strings.NewReader("a,b\n1,2,3\n"), "t.csv", TraceOptions{})
	wantErr(t, errString(err), "t.csv: record on line 2: wrong number of fields")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// sharedTraces is the traces directory beside the repository.
var sharedTraces = filepath.Join("..", "..", "shared", "traces", "alibaba-gpu-v2023")

func TestRealAlibabaTrace(t *testing.T) {
	path, err := filepath.Abs(filepath.Join(sharedTraces, "openb_pod_list_default.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the shared traces must sit beside the repository: %v", err)
	}
	sc := parse(t, "workloads:\n- name: openb\n  arrival: {trace: {file: "+path+", limit: 100}}\n")
	a := sc.Workloads[0].Arrival
	if a.Kind != ArriveTrace || len(a.Trace) != 100 || len(sc.Workloads[0].Objects) != 0 {
		t.Fatalf("arrival %s with %d rows, %d objects", a.Kind, len(a.Trace), len(sc.Workloads[0].Objects))
	}
	first := a.Trace[0]
	cpu, gpu := first.Requests[api.ResourceCPU], first.Requests[ResourceGPU]
	if first.Name != "openb-pod-0000" || first.Arrival != 0 || cpu.MilliValue() != 12000 || gpu.Value() != 1 {
		t.Errorf("first row = %s", describeRow(first))
	}
	if first.RunTime != 12537496*time.Second {
		t.Errorf("first run time = %v", first.RunTime)
	}
	for i := 1; i < len(a.Trace); i++ {
		if a.Trace[i].Arrival < a.Trace[i-1].Arrival {
			t.Fatalf("rows out of order at %d", i)
		}
	}
}

func TestRealTraceWithoutTimes(t *testing.T) {
	f, err := os.Open(filepath.Join(sharedTraces, "openb_pod_list_multigpu50.csv"))
	if err != nil {
		t.Fatalf("the shared traces must sit beside the repository: %v", err)
	}
	defer f.Close()
	rows, err := ReadTrace(f, "multigpu50.csv", TraceOptions{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	gpus := 0
	for _, r := range rows {
		if r.Arrival != 0 || r.RunTime != 0 {
			t.Fatalf("row %s: want no arrival or run time", describeRow(r))
		}
		if !r.Requests[ResourceGPU].IsZero() {
			gpus++
		}
	}
	if len(rows) != 50 || gpus == 0 {
		t.Errorf("%d rows, %d with GPUs", len(rows), gpus)
	}
}

func TestTraceRelativeToScenario(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "traces", "t.csv"), "name,arrival,cpu,memory\nx,1,1,1Gi\n")
	writeFile(t, filepath.Join(dir, "s", "s.yaml"), base+"workloads:\n- name: tr\n  manifest: |\n"+
		"    apiVersion: v1\n    kind: Pod\n    metadata: {name: tmpl}\n    spec: {containers: [{name: c, image: x}]}\n"+
		"  arrival: {trace: {file: ../traces/t.csv}}\n")
	sc, err := Load(filepath.Join(dir, "s", "s.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := sc.Workloads[0]; len(w.Arrival.Trace) != 1 || len(w.Objects) != 1 {
		t.Errorf("trace rows %d, objects %d", len(w.Arrival.Trace), len(w.Objects))
	}
	_, err = Load(filepath.Join(dir, "s", "s.yaml"), []string{"workloads.0.arrival.trace.file=nope.csv"})
	wantErr(t, errString(err), "(--set workloads.0.arrival.trace.file=nope.csv): workloads[0].arrival.trace.file: open")
}
