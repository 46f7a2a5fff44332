package api_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
)

// assertJSON compares v's JSON with a golden JSON text, ignoring layout.
func assertJSON(t *testing.T, v any, golden string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(golden), &w); err != nil {
		t.Fatalf("bad golden JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		var want bytes.Buffer
		_ = json.Compact(&want, []byte(golden))
		t.Errorf("defaulted:\n got  %s\n want %s", got, want.String())
	}
}

func ptr[T any](v T) *T { return &v }

func TestDefaultPod(t *testing.T) {
	p := fixtures.MakePod().Name("p").Limit(api.ResourceCPU, "1").Limit(api.ResourceMemory, "1Gi").Obj()
	p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox:1.36"}}
	c := &p.Spec.Containers[0]
	c.Ports = []api.ContainerPort{{ContainerPort: 80}}
	c.Env = []api.EnvVar{{Name: "NODE", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.nodeName"}}}}
	c.LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Port: api.FromInt(80)}}}
	p.Spec.Volumes = []api.Volume{{Name: "scratch"}, {Name: "host", HostPath: &api.HostPathVolumeSource{Path: "/var/log"}}}
	api.Default(p)
	assertJSON(t, p.Spec, `{
	  "volumes": [{"name": "scratch", "emptyDir": {}}, {"name": "host", "hostPath": {"path": "/var/log", "type": ""}}],
	  "initContainers": [{"name": "init", "image": "busybox:1.36", "imagePullPolicy": "IfNotPresent",
	    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
	  "containers": [{"name": "c", "image": "busybox", "imagePullPolicy": "Always",
	    "ports": [{"containerPort": 80, "protocol": "TCP"}],
	    "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}}],
	    "resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}},
	    "livenessProbe": {"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"},
	      "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
	    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
	  "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
	  "schedulerName": "default-scheduler",
	  "tolerations": [
	    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
	    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}],
	  "preemptionPolicy": "PreemptLowerPriority", "enableServiceLinks": true
	}`)
	// The init container has no limits, so the pod is not Guaranteed.
	assertJSON(t, p.Status, `{"phase": "Pending", "qosClass": "Burstable"}`)
	if p.Namespace != "default" || p.Spec.Priority != nil {
		t.Errorf("namespace %q priority %v: Default must leave both alone", p.Namespace, p.Spec.Priority)
	}
}

func TestDefaultPullPolicy(t *testing.T) {
	for image, want := range map[string]api.PullPolicy{
		"busybox":                          api.PullAlways,
		"busybox:latest":                   api.PullAlways,
		"busybox:1.36":                     api.PullIfNotPresent,
		"registry:5000/team/app":           api.PullAlways,
		"registry:5000/team/app:v2":        api.PullIfNotPresent,
		"app@sha256:0123":                  api.PullIfNotPresent,
		"app:latest@sha256:0123":           api.PullAlways,
		"":                                 api.PullIfNotPresent,
		"localhost:5000/a/b:latest-stable": api.PullIfNotPresent,
	} {
		p := fixtures.MakePod().Name("p").Obj()
		p.Spec.Containers[0].Image = image
		api.Default(p)
		if got := p.Spec.Containers[0].ImagePullPolicy; got != want {
			t.Errorf("image %q: pull policy %s, want %s", image, got, want)
		}
	}
}

func TestDefaultTolerations(t *testing.T) {
	cases := []struct {
		name string
		have []api.Toleration
		want []string // keys of the tolerations after defaulting
	}{
		{"none", nil, []string{"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}},
		{"tolerates everything", []api.Toleration{{Operator: api.TolerationOpExists}}, []string{""}},
		{"tolerates unreachable already", []api.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: api.TolerationOpExists,
			Effect: api.TaintEffectNoExecute, TolerationSeconds: ptr(int64(60))}},
			[]string{"node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"}},
		{"NoSchedule doesn't count", []api.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: api.TolerationOpExists,
			Effect: api.TaintEffectNoSchedule}},
			[]string{"node.kubernetes.io/not-ready", "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}},
	}
	for _, tc := range cases {
		p := fixtures.MakePod().Name("p").Obj()
		p.Spec.Tolerations = tc.have
		api.Default(p)
		var keys []string
		for _, tol := range p.Spec.Tolerations {
			keys = append(keys, tol.Key)
		}
		if !reflect.DeepEqual(keys, tc.want) {
			t.Errorf("%s: tolerations %q, want %q", tc.name, keys, tc.want)
		}
		if tc.name == "tolerates unreachable already" && *p.Spec.Tolerations[0].TolerationSeconds != 60 {
			t.Errorf("%s: existing tolerationSeconds overwritten", tc.name)
		}
	}
}

func TestPodQOSClass(t *testing.T) {
	r := func(kv ...string) api.ResourceList {
		l := api.ResourceList{}
		for i := 0; i < len(kv); i += 2 {
			l[api.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
		}
		return l
	}
	cases := []struct {
		name string
		cs   []api.ResourceRequirements
		want string
	}{
		{"nothing", []api.ResourceRequirements{{}}, api.PodQOSBestEffort},
		{"only extended resources", []api.ResourceRequirements{{Limits: r("example.com/gpu", "1")}}, api.PodQOSBestEffort},
		{"zero requests", []api.ResourceRequirements{{Requests: r("cpu", "0")}}, api.PodQOSBestEffort},
		{"limits equal requests", []api.ResourceRequirements{{Requests: r("cpu", "1", "memory", "1Gi"),
			Limits: r("cpu", "1", "memory", "1Gi")}}, api.PodQOSGuaranteed},
		{"only limits", []api.ResourceRequirements{{Limits: r("cpu", "1", "memory", "1Gi")}}, api.PodQOSGuaranteed},
		{"request below limit", []api.ResourceRequirements{{Requests: r("cpu", "500m", "memory", "1Gi"),
			Limits: r("cpu", "1", "memory", "1Gi")}}, api.PodQOSBurstable},
		{"cpu limit only", []api.ResourceRequirements{{Limits: r("cpu", "1")}}, api.PodQOSBurstable},
		{"one container unlimited", []api.ResourceRequirements{{Limits: r("cpu", "1", "memory", "1Gi")}, {}}, api.PodQOSBurstable},
	}
	for _, tc := range cases {
		p := fixtures.MakePod().Name("p").Obj()
		p.Spec.Containers = nil
		for i, res := range tc.cs {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: string(rune('a' + i)), Image: "x", Resources: res})
		}
		api.Default(p)
		if p.Status.QOSClass != tc.want {
			t.Errorf("%s: QoS %s, want %s", tc.name, p.Status.QOSClass, tc.want)
		}
	}
}

func TestDefaultWorkloads(t *testing.T) {
	d := fixtures.MakeDeployment("web").Obj()
	d.Spec.Replicas = nil
	api.Default(d)
	assertJSON(t, []any{d.Spec.Replicas, d.Spec.Strategy, d.Spec.RevisionHistoryLimit, d.Spec.ProgressDeadlineSeconds},
		`[1, {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}, 10, 600]`)
	tmpl := d.Spec.Template.Spec
	if tmpl.RestartPolicy != api.RestartPolicyAlways || tmpl.SchedulerName != api.DefaultSchedulerName ||
		tmpl.Containers[0].TerminationMessagePolicy != "File" {
		t.Errorf("template not defaulted: %+v", tmpl)
	}
	if tmpl.Tolerations != nil || tmpl.EnableServiceLinks != nil || tmpl.PreemptionPolicy != nil {
		t.Errorf("template got pod-only defaults: %+v", tmpl)
	}

	rec := fixtures.MakeDeployment("web").Recreate().Obj()
	api.Default(rec)
	if rec.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("Recreate got a rollingUpdate: %+v", rec.Spec.Strategy.RollingUpdate)
	}

	rs := fixtures.MakeReplicaSet("web-1").Obj()
	rs.Spec.Replicas = nil
	api.Default(rs)
	assertJSON(t, rs.Spec.Replicas, `1`)

	ds := fixtures.MakeDaemonSet("agent")
	api.Default(ds)
	assertJSON(t, []any{ds.Spec.UpdateStrategy, ds.Spec.RevisionHistoryLimit},
		`[{"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, 10]`)

	j := fixtures.MakeJob("batch", 0, 0)
	j.Spec.Completions, j.Spec.Parallelism = nil, nil
	api.Default(j)
	assertJSON(t, j.Spec, `{"parallelism": 1, "completions": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
	  "suspend": false, "podReplacementPolicy": "TerminatingOrFailed",
	  "template": {"metadata": {"labels": {"job-name": "batch"}}, "spec": {"restartPolicy": "Never",
	    "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
	    "containers": [{"name": "c", "image": "busybox", "imagePullPolicy": "Always",
	      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}]}}}`)
	if j.Labels["job-name"] != "batch" {
		t.Errorf("job labels not taken from the template: %v", j.Labels)
	}

	parallel := fixtures.MakeJob("p", 0, 5)
	parallel.Spec.Completions = nil
	api.Default(parallel)
	if parallel.Spec.Completions != nil || *parallel.Spec.Parallelism != 5 {
		t.Errorf("a parallel job got completions %v", parallel.Spec.Completions)
	}
}

func TestDefaultService(t *testing.T) {
	svc := fixtures.MakeService("web", 80, 0)
	svc.Spec.Ports = append(svc.Spec.Ports, api.ServicePort{Name: "named", Port: 443, TargetPort: api.FromString("https")})
	svc.Spec.Ports[0].Protocol = ""
	api.Default(svc)
	assertJSON(t, svc.Spec, `{"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80},
	    {"name": "named", "protocol": "TCP", "port": 443, "targetPort": "https"}],
	  "selector": {"app": "web"}, "type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster"}`)

	np := fixtures.MakeService("np", 80, 8080)
	np.Spec.Type = api.ServiceTypeNodePort
	api.Default(np)
	if np.Spec.ExternalTrafficPolicy != "Cluster" {
		t.Errorf("NodePort externalTrafficPolicy %q", np.Spec.ExternalTrafficPolicy)
	}

	ext := &api.Service{Spec: api.ServiceSpec{Type: api.ServiceTypeExternalName, ExternalName: "db.example.com"}}
	api.Default(ext)
	if ext.Spec.InternalTrafficPolicy != nil || ext.Spec.ExternalTrafficPolicy != "" {
		t.Errorf("ExternalName got traffic policies: %+v", ext.Spec)
	}
}

func TestDefaultClusterKinds(t *testing.T) {
	ns := fixtures.MakeNamespace("team")
	api.Default(ns)
	assertJSON(t, []any{ns.Labels, ns.Spec, ns.Status},
		`[{"kubernetes.io/metadata.name": "team"}, {"finalizers": ["kubernetes"]}, {"phase": "Active"}]`)

	n := &api.Node{Status: api.NodeStatus{Capacity: api.ResourceList{"cpu": resource.MustParse("4")}}}
	api.Default(n)
	assertJSON(t, n.Status.Allocatable, `{"cpu": "4"}`)

	e := &api.Endpoints{Subsets: []api.EndpointSubset{{Ports: []api.EndpointPort{{Port: 80}}}}}
	api.Default(e)
	assertJSON(t, e.Subsets, `[{"ports": [{"port": 80, "protocol": "TCP"}]}]`)

	pc := fixtures.MakePriorityClass("high", 1000)
	api.Default(pc)
	assertJSON(t, pc.PreemptionPolicy, `"PreemptLowerPriority"`)

	ev := &api.Event{Reason: "Started"}
	api.Default(ev)
	if ev.Type != "" {
		t.Errorf("event type defaulted to %q", ev.Type)
	}
}

// TestDefaultKeepsSetValues checks that defaulting fills gaps only.
func TestDefaultKeepsSetValues(t *testing.T) {
	p := fixtures.MakePod().Name("p").Obj()
	p.Spec.RestartPolicy, p.Spec.DNSPolicy, p.Spec.SchedulerName = api.RestartPolicyNever, "Default", "mine"
	p.Spec.TerminationGracePeriodSeconds, p.Spec.EnableServiceLinks = ptr(int64(0)), ptr(false)
	p.Spec.Containers[0].ImagePullPolicy = api.PullNever
	p.Spec.PriorityClassName = "high"
	p.Status.Phase, p.Status.QOSClass = api.PodRunning, api.PodQOSBurstable
	api.Default(p)
	got := []any{p.Spec.RestartPolicy, p.Spec.DNSPolicy, p.Spec.SchedulerName, *p.Spec.TerminationGracePeriodSeconds,
		*p.Spec.EnableServiceLinks, p.Spec.Containers[0].ImagePullPolicy, p.Spec.PreemptionPolicy, p.Status.Phase, p.Status.QOSClass}
	assertJSON(t, got, `["Never", "Default", "mine", 0, false, "Never", null, "Running", "Burstable"]`)

	d := fixtures.MakeDeployment("web").Replicas(0).Obj()
	d.Spec.Strategy = api.DeploymentStrategy{RollingUpdate: &api.RollingUpdateDeployment{MaxSurge: ptr(api.FromInt(3))}}
	api.Default(d)
	assertJSON(t, []any{d.Spec.Replicas, d.Spec.Strategy}, `[0, {"type": "RollingUpdate",
	  "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 3}}]`)

	ns := fixtures.MakeNamespace("team")
	ns.Spec.Finalizers = []string{}
	api.Default(ns)
	if len(ns.Spec.Finalizers) != 0 {
		t.Errorf("explicitly empty finalizers replaced: %v", ns.Spec.Finalizers)
	}
}

func TestDefaultIsIdempotent(t *testing.T) {
	objs := []api.Object{
		fixtures.MakePod().Name("p").Limit(api.ResourceCPU, "1").Obj(),
		fixtures.MakeDeployment("d").Obj(), fixtures.MakeReplicaSet("r").Obj(), fixtures.MakeDaemonSet("ds"),
		fixtures.MakeJob("j", 1, 1), fixtures.MakeService("s", 80, 80), fixtures.MakeNamespace("ns"),
		fixtures.MakeNode().Name("n").CPU("2").Obj(), fixtures.MakeLease("n", 40), fixtures.MakePriorityClass("pc", 1),
		&api.Endpoints{Subsets: []api.EndpointSubset{{Ports: []api.EndpointPort{{Port: 80}}}}}, &api.Event{},
	}
	for _, obj := range objs {
		api.Default(obj)
		once, _ := api.Encode(obj)
		api.Default(obj)
		twice, _ := api.Encode(obj)
		if !bytes.Equal(once, twice) {
			t.Errorf("%T changed on the second Default:\n%s\n%s", obj, once, twice)
		}
	}
}
