package scenarios

import (
	"reflect"
	"testing"
	"time"
)

func TestDistForms(t *testing.T) {
	tests := []struct {
		yaml string
		want Dist
	}{
		{"1m30s", Dist{Kind: DistConstant, A: 90}},
		{"2.5", Dist{Kind: DistConstant, A: 2.5}},
		{"0", Dist{Kind: DistConstant}},
		{"{constant: 500ms}", Dist{Kind: DistConstant, A: 0.5}},
		{"{uniform: {min: 1s, max: 5s}}", Dist{Kind: DistUniform, A: 1, B: 5}},
		{"{exponential: {mean: 5m}}", Dist{Kind: DistExponential, A: 300}},
		{"{normal: {mean: 10s, stddev: 2s}}", Dist{Kind: DistNormal, A: 10, B: 2}},
		{"{lognormal: {median: 2s, sigma: 0.5}}", Dist{Kind: DistLognormal, A: 2, B: 0.5}},
		{"{empirical: [1s, 2, 3m]}", Dist{Kind: DistEmpirical, Values: []float64{1, 2, 180}}},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			sc := parse(t, "pods: {imagePull: "+tt.yaml+"}\n")
			if !reflect.DeepEqual(sc.Pods.ImagePull, tt.want) {
				t.Errorf("got %+v, want %+v", sc.Pods.ImagePull, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	sc := parse(t, "")
	ms := Constant(time.Millisecond)
	if sc.Seed != 1 || sc.Duration != time.Hour || sc.Cluster.NodeMonitorGracePeriod != 40*time.Second {
		t.Errorf("seed %d duration %v grace %v", sc.Seed, sc.Duration, sc.Cluster.NodeMonitorGracePeriod)
	}
	if sc.SampleEvery != 12*time.Second {
		t.Errorf("sampleEvery %v, want a 300th of an hour", sc.SampleEvery)
	}
	if short := parse(t, "duration: 1m\n"); short.SampleEvery != time.Second {
		t.Errorf("sampleEvery %v for a minute's run, want 1s", short.SampleEvery)
	}
	if l := sc.Latency; !reflect.DeepEqual(l, Latency{APIWrite: ms, WatchDelivery: ms, ControllerWork: ms, Scheduling: ms}) {
		t.Errorf("latency = %+v", l)
	}
	if !reflect.DeepEqual(sc.Pods, defaultLifecycle()) {
		t.Errorf("pods = %+v", sc.Pods)
	}
	p := sc.Cluster.Pools[0]
	if pods := p.Capacity["pods"]; pods.Value() != DefaultPodsPerNode || !reflect.DeepEqual(p.Zones, []string{"zone-a", "zone-b"}) {
		t.Errorf("pool = %+v", p)
	}
}

func TestLatencyMeasuredAndLifecycleOverride(t *testing.T) {
	sc := parse(t, "latency: {scheduling: measured}\nworkloads:\n- name: web\n  lifecycle: {runTime: 5m, crashMTBF: 2h}\n"+deployment[2:])
	if !sc.Latency.MeasuredScheduling {
		t.Error("scheduling: measured not seen")
	}
	w := sc.Workloads[0]
	if !w.HasLifecycle || !reflect.DeepEqual(w.Lifecycle.RunTime, Constant(5*time.Minute)) || w.Lifecycle.CrashMTBF != 2*time.Hour ||
		!w.Lifecycle.Start.IsZero() {
		t.Errorf("lifecycle = %+v (unset fields must stay zero to inherit)", w.Lifecycle)
	}
}

func TestArrivals(t *testing.T) {
	tests := []struct {
		yaml string
		want Arrival
	}{
		{"", Arrival{Kind: ArriveOnce}},
		{"arrival: {at: 30s}", Arrival{Kind: ArriveOnce, At: 30 * time.Second}},
		{"arrival: {manual: true}", Arrival{Kind: ArriveManual}},
		{"arrival: {poisson: {rate: 2, start: 1m, until: 1h, count: 100}}",
			Arrival{Kind: ArrivePoisson, Rate: 2, At: time.Minute, Until: time.Hour, Count: 100}},
		{"arrival: {burst: {at: 1m, count: 500, every: 5m, times: 3}}",
			Arrival{Kind: ArriveBurst, At: time.Minute, Count: 500, Every: 5 * time.Minute, Times: 3}},
		{"arrival: {burst: {count: 5}}", Arrival{Kind: ArriveBurst, Count: 5, Times: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			sc := parse(t, "workloads:\n- name: web\n  "+tt.yaml+"\n"+deployment[2:])
			if got := sc.Workloads[0].Arrival; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestTimelineAndFaults(t *testing.T) {
	sc := parse(t, `workloads:
- name: web
`+deployment[2:]+`timeline:
- {at: 20m, fault: {type: zoneOutage, zone: zone-b, duration: 10m}}
- {at: 10m, rollout: {workload: web, image: "nginx:1.28", annotations: {a: b}}}
- {at: 5m, scale: {workload: web, replicas: 10}}
- {at: 10m, fault: {type: slowNode, pool: general, count: 3, factor: 4, duration: 10m}}
- {at: 15m, fault: {type: partition, nodes: [general-1, general-4], duration: 2m}}
- {at: 0, apply: {workload: web}}
faults:
- {type: nodeCrash, count: 2, mtbf: 30m, recoverAfter: {exponential: {mean: 5m}}, end: 2h}
`)
	var kinds []ActionKind
	for _, a := range sc.Timeline {
		kinds = append(kinds, a.Kind)
	}
	want := []ActionKind{ActApply, ActScale, ActRollout, ActFault, ActFault, ActFault}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("order = %v, want %v (stable by time)", kinds, want)
	}
	if a := sc.Timeline[1]; a.Replicas != 10 || a.Workload != "web" || a.Line != 21 {
		t.Errorf("scale = %+v (want line 21)", a)
	}
	if a := sc.Timeline[2]; a.Image != "nginx:1.28" || a.Annotations["a"] != "b" {
		t.Errorf("rollout = %+v", a)
	}
	if f := sc.Timeline[3].Fault; f.Kind != FaultSlowNode || f.Count != 3 || f.Factor != 4 || f.Pool != "general" {
		t.Errorf("slowNode = %+v", f)
	}
	if f := sc.Timeline[5].Fault; f.Kind != FaultZoneOutage || f.Zone != "zone-b" || f.Duration != 10*time.Minute {
		t.Errorf("zoneOutage = %+v", f)
	}
	rf := sc.Faults[0]
	if rf.Fault.Count != 2 || rf.MTBF != 30*time.Minute || rf.RecoverAfter.Kind != DistExponential || rf.End != 2*time.Hour {
		t.Errorf("random fault = %+v", rf)
	}
}

func TestThresholds(t *testing.T) {
	sc := parse(t, "thresholds:\n- scheduling.latency_seconds.p99 < 5\n- invariant_violations==0\n- utilisation.cpu >= 0.5\n")
	want := []Threshold{{"scheduling.latency_seconds.p99", "<", 5, 6}, {"invariant_violations", "==", 0, 7},
		{"utilisation.cpu", ">=", 0.5, 8}}
	if !reflect.DeepEqual(sc.Thresholds, want) {
		t.Errorf("got %+v", sc.Thresholds)
	}
}
