package validation_test

import (
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestValidatePodMetadata(t *testing.T) {
	runCases(t, []testCase{
		{name: "valid", obj: pod(noChange)},
		{name: "no name", obj: pod(func(p *api.Pod) { p.Name = "" }),
			want: []string{"Required metadata.name"}},
		{name: "generateName instead of name", obj: pod(func(p *api.Pod) { p.Name, p.GenerateName = "", "web-" })},
		{name: "bad generateName", obj: pod(func(p *api.Pod) { p.GenerateName = "Web-" }),
			want: []string{"Invalid metadata.generateName"}},
		{name: "bad name", obj: pod(func(p *api.Pod) { p.Name = "a_b" }),
			want: []string{"Invalid metadata.name"}},
		{name: "bad namespace", obj: pod(func(p *api.Pod) { p.Namespace = "a.b" }),
			want: []string{"Invalid metadata.namespace"}},
		{name: "no namespace is the API layer's business", obj: pod(func(p *api.Pod) { p.Namespace = "" })},
		{name: "bad label key", obj: pod(func(p *api.Pod) { p.Labels = map[string]string{"a/b/c": "x"} }),
			want: []string{"Invalid metadata.labels"}},
		{name: "bad label value", obj: pod(func(p *api.Pod) { p.Labels = map[string]string{"app": "-x-"} }),
			want: []string{"Invalid metadata.labels"}},
		{name: "annotations over 256KiB", obj: pod(func(p *api.Pod) {
			p.Annotations = map[string]string{"big": strings.Repeat("x", 256*1024)}
		}), want: []string{"TooLong metadata.annotations"}},
		{name: "two controllers", obj: pod(func(p *api.Pod) {
			p.OwnerReferences = []api.OwnerReference{
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "a", UID: "1", Controller: ptr(true)},
				{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "b", UID: "2", Controller: ptr(true)},
			}
		}), want: []string{"Invalid metadata.ownerReferences"}},
		{name: "owner reference without uid", obj: pod(func(p *api.Pod) {
			p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "a"}}
		}), want: []string{"Invalid metadata.ownerReferences.uid"}},
		{name: "unqualified finalizer", obj: pod(func(p *api.Pod) { p.Finalizers = []string{"cleanup"} }),
			want: []string{"Invalid metadata.finalizers"}},
		{name: "qualified finalizer", obj: pod(func(p *api.Pod) { p.Finalizers = []string{"example.com/cleanup"} })},
	})
}

func TestValidatePodContainers(t *testing.T) {
	runCases(t, []testCase{
		{name: "no containers", obj: pod(func(p *api.Pod) { p.Spec.Containers = nil }),
			want: []string{"Required spec.containers"}},
		{name: "bad container name", obj: pod(func(p *api.Pod) { container(p).Name = "Web" }),
			want: []string{"Invalid spec.containers[0].name"}},
		{name: "init container reuses a name", obj: pod(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{*container(p)}
		}), want: []string{"Duplicate spec.initContainers[0].name"}},
		{name: "no image", obj: pod(func(p *api.Pod) { container(p).Image = "" }),
			want: []string{"Required spec.containers[0].image"}},
		{name: "port out of range", obj: pod(func(p *api.Pod) {
			container(p).Ports = []api.ContainerPort{{ContainerPort: 70000, Protocol: api.ProtocolTCP}}
		}), want: []string{"Invalid spec.containers[0].ports[0].containerPort"}},
		{name: "unsupported protocol", obj: pod(func(p *api.Pod) {
			container(p).Ports = []api.ContainerPort{{ContainerPort: 80, Protocol: "HTTP"}}
		}), want: []string{"NotSupported spec.containers[0].ports[0].protocol"}},
		{name: "port names too long and repeated", obj: pod(func(p *api.Pod) {
			container(p).Ports = []api.ContainerPort{
				{Name: "http", ContainerPort: 80, Protocol: api.ProtocolTCP},
				{Name: "http", ContainerPort: 81, Protocol: api.ProtocolTCP},
				{Name: "a-very-long-port-name", ContainerPort: 82, Protocol: api.ProtocolTCP},
			}
		}), want: []string{"Duplicate spec.containers[0].ports[1].name", "Invalid spec.containers[0].ports[2].name"}},
		{name: "env name with =", obj: pod(func(p *api.Pod) { container(p).Env = []api.EnvVar{{Name: "A=B"}} }),
			want: []string{"Invalid spec.containers[0].env[0].name"}},
		{name: "env names may use any printable character", obj: pod(func(p *api.Pod) {
			container(p).Env = []api.EnvVar{{Name: "my.var-1", Value: "x"}}
		})},
		{name: "env value and valueFrom", obj: pod(func(p *api.Pod) {
			container(p).Env = []api.EnvVar{{Name: "A", Value: "x",
				ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}}}
		}), want: []string{"Invalid spec.containers[0].env[0].valueFrom"}},
		{name: "env from an unsupported field", obj: pod(func(p *api.Pod) {
			container(p).Env = []api.EnvVar{{Name: "A",
				ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.hostname"}}}}
		}), want: []string{"NotSupported spec.containers[0].env[0].valueFrom.fieldRef.fieldPath"}},
		{name: "volume mount of a missing volume", obj: pod(func(p *api.Pod) {
			container(p).VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}}
		}), want: []string{"NotFound spec.containers[0].volumeMounts[0].name"}},
		{name: "sidecar restart policy on a regular container", obj: pod(func(p *api.Pod) {
			container(p).RestartPolicy = ptr(api.ContainerRestartPolicyAlways)
		}), want: []string{"Forbidden spec.containers[0].restartPolicy"}},
		{name: "init container restart policy other than Always", obj: pod(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox", ImagePullPolicy: api.PullAlways,
				TerminationMessagePolicy: "File", RestartPolicy: ptr(api.ContainerRestartPolicy("OnFailure"))}}
		}), want: []string{"NotSupported spec.initContainers[0].restartPolicy"}},
		{name: "probe on a plain init container", obj: pod(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox", ImagePullPolicy: api.PullAlways,
				TerminationMessagePolicy: "File", LivenessProbe: execProbe()}}
		}), want: []string{"Forbidden spec.initContainers[0].livenessProbe"}},
		{name: "probe on a sidecar", obj: pod(func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "side", Image: "busybox", ImagePullPolicy: api.PullAlways,
				TerminationMessagePolicy: "File", RestartPolicy: ptr(api.ContainerRestartPolicyAlways), ReadinessProbe: execProbe()}}
		})},
	})
}

func execProbe() *api.Probe {
	return &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"true"}}},
		TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
}

func TestValidatePodResources(t *testing.T) {
	runCases(t, []testCase{
		{name: "negative request", obj: pod(func(p *api.Pod) { container(p).Resources.Requests = quantities("cpu", "-1") }),
			want: []string{"Invalid spec.containers[0].resources.requests[cpu]"}},
		{name: "request above limit", obj: pod(func(p *api.Pod) {
			container(p).Resources = api.ResourceRequirements{Requests: quantities("memory", "2Gi"), Limits: quantities("memory", "1Gi")}
		}), want: []string{"Invalid spec.containers[0].resources.requests[memory]"}},
		{name: "fractional extended resource", obj: pod(func(p *api.Pod) {
			container(p).Resources.Limits = quantities("example.com/gpu", "500m")
		}), want: []string{"Invalid spec.containers[0].resources.limits[example.com/gpu]"}},
		{name: "extended request without limit", obj: pod(func(p *api.Pod) {
			container(p).Resources.Requests = quantities("example.com/gpu", "1")
		}), want: []string{"Required spec.containers[0].resources.limits"}},
		{name: "extended request below limit", obj: pod(func(p *api.Pod) {
			container(p).Resources = api.ResourceRequirements{Requests: quantities("example.com/gpu", "1"),
				Limits: quantities("example.com/gpu", "2")}
		}), want: []string{"Invalid spec.containers[0].resources.requests[example.com/gpu]"}},
		{name: "unknown unqualified resource", obj: pod(func(p *api.Pod) { container(p).Resources.Limits = quantities("gpu", "1") }),
			want: []string{"Invalid spec.containers[0].resources.limits[gpu]"}},
		{name: "requests within limits", obj: pod(func(p *api.Pod) {
			container(p).Resources = api.ResourceRequirements{Requests: quantities("cpu", "100m", "example.com/gpu", "2"),
				Limits: quantities("cpu", "1", "example.com/gpu", "2")}
		})},
	})
}

func TestValidatePodProbes(t *testing.T) {
	httpProbe := func(port api.IntOrString) *api.Probe {
		pr := execProbe()
		pr.Exec, pr.HTTPGet = nil, &api.HTTPGetAction{Path: "/", Port: port, Scheme: "HTTP"}
		return pr
	}
	runCases(t, []testCase{
		{name: "valid probes", obj: pod(func(p *api.Pod) {
			c := container(p)
			c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = httpProbe(api.FromString("http")), httpProbe(api.FromInt(8080)), execProbe()
		})},
		{name: "two handlers", obj: pod(func(p *api.Pod) {
			pr := execProbe()
			pr.TCPSocket = &api.TCPSocketAction{Port: api.FromInt(80)}
			container(p).LivenessProbe = pr
		}), want: []string{"Forbidden spec.containers[0].livenessProbe.tcpSocket"}},
		{name: "no handler", obj: pod(func(p *api.Pod) {
			pr := execProbe()
			pr.Exec = nil
			container(p).ReadinessProbe = pr
		}), want: []string{"Required spec.containers[0].readinessProbe"}},
		{name: "liveness must succeed once", obj: pod(func(p *api.Pod) {
			pr := execProbe()
			pr.SuccessThreshold = 2
			container(p).LivenessProbe = pr
		}), want: []string{"Invalid spec.containers[0].livenessProbe.successThreshold"}},
		{name: "negative period", obj: pod(func(p *api.Pod) {
			pr := execProbe()
			pr.PeriodSeconds = -1
			container(p).ReadinessProbe = pr
		}), want: []string{"Invalid spec.containers[0].readinessProbe.periodSeconds"}},
		{name: "bad port name", obj: pod(func(p *api.Pod) { container(p).StartupProbe = httpProbe(api.FromString("HTTP_PORT")) }),
			want: []string{"Invalid spec.containers[0].startupProbe.httpGet.port", "Invalid spec.containers[0].startupProbe.httpGet.port"}},
		{name: "port zero", obj: pod(func(p *api.Pod) { container(p).StartupProbe = httpProbe(api.FromInt(0)) }),
			want: []string{"Invalid spec.containers[0].startupProbe.httpGet.port"}},
	})
}

func TestValidatePodSpecFields(t *testing.T) {
	runCases(t, []testCase{
		{name: "bad restart policy", obj: pod(func(p *api.Pod) { p.Spec.RestartPolicy = "Sometimes" }),
			want: []string{"NotSupported spec.restartPolicy"}},
		{name: "negative grace period", obj: pod(func(p *api.Pod) { p.Spec.TerminationGracePeriodSeconds = ptr(int64(-1)) }),
			want: []string{"Invalid spec.terminationGracePeriodSeconds"}},
		{name: "zero active deadline", obj: pod(func(p *api.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(0)) }),
			want: []string{"Invalid spec.activeDeadlineSeconds"}},
		{name: "bad nodeSelector key", obj: pod(func(p *api.Pod) { p.Spec.NodeSelector = map[string]string{"-zone": "a"} }),
			want: []string{"Invalid spec.nodeSelector"}},
		{name: "bad preemption policy", obj: pod(func(p *api.Pod) { p.Spec.PreemptionPolicy = ptr(api.PreemptionPolicy("Always")) }),
			want: []string{"NotSupported spec.preemptionPolicy"}},
		{name: "priority with a class is allowed", obj: pod(func(p *api.Pod) {
			p.Spec.PriorityClassName, p.Spec.Priority = "high", ptr(int32(1000))
		})},
		{name: "duplicate volume", obj: pod(func(p *api.Pod) {
			p.Spec.Volumes = []api.Volume{{Name: "v", EmptyDir: &api.EmptyDirVolumeSource{}}, {Name: "v", EmptyDir: &api.EmptyDirVolumeSource{}}}
		}), want: []string{"Duplicate spec.volumes[1].name"}},
		{name: "volume with two sources", obj: pod(func(p *api.Pod) {
			p.Spec.Volumes = []api.Volume{{Name: "v", EmptyDir: &api.EmptyDirVolumeSource{}, HostPath: &api.HostPathVolumeSource{Path: "/x"}}}
		}), want: []string{"Forbidden spec.volumes[0].hostPath"}},
		{name: "host port twice", obj: pod(func(p *api.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, *container(p))
			p.Spec.Containers[1].Name = "d"
			for i := range p.Spec.Containers {
				p.Spec.Containers[i].Ports = []api.ContainerPort{{ContainerPort: 80, HostPort: 8080, Protocol: api.ProtocolTCP}}
			}
		}), want: []string{"Duplicate spec.containers[1].ports[0].hostPort"}},
		{name: "bad nodeName", obj: pod(func(p *api.Pod) { p.Spec.NodeName = "Node_1" }),
			want: []string{"Invalid spec.nodeName"}},
	})
}

func TestValidatePodScheduling(t *testing.T) {
	nodeAffinity := func(reqs ...api.NodeSelectorRequirement) func(*api.Pod) {
		return func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
				NodeSelectorTerms: []api.NodeSelectorTerm{{MatchExpressions: reqs}}}}}
		}
	}
	const term0 = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
	tolerate := func(t api.Toleration) func(*api.Pod) {
		return func(p *api.Pod) { p.Spec.Tolerations = []api.Toleration{t} }
	}
	runCases(t, []testCase{
		{name: "Exists with a value", obj: pod(tolerate(api.Toleration{Key: "k", Operator: api.TolerationOpExists, Value: "v"})),
			want: []string{"Invalid spec.tolerations[0].operator"}},
		{name: "empty key with Equal", obj: pod(tolerate(api.Toleration{Operator: api.TolerationOpEqual})),
			want: []string{"Invalid spec.tolerations[0].operator"}},
		{name: "tolerationSeconds without NoExecute", obj: pod(tolerate(api.Toleration{Key: "k", Operator: api.TolerationOpExists,
			Effect: api.TaintEffectNoSchedule, TolerationSeconds: ptr(int64(10))})),
			want: []string{"Invalid spec.tolerations[0].effect"}},
		{name: "unknown effect", obj: pod(tolerate(api.Toleration{Key: "k", Value: "v", Effect: "NoRun"})),
			want: []string{"NotSupported spec.tolerations[0].effect"}},
		{name: "no node selector terms", obj: pod(func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{}}}
		}), want: []string{"Required spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms"}},
		{name: "In without values", obj: pod(nodeAffinity(api.NodeSelectorRequirement{Key: "zone", Operator: api.NodeSelectorOpIn})),
			want: []string{"Required " + term0 + ".matchExpressions[0].values"}},
		{name: "Exists with values", obj: pod(nodeAffinity(api.NodeSelectorRequirement{Key: "zone", Operator: api.NodeSelectorOpExists, Values: []string{"a"}})),
			want: []string{"Forbidden " + term0 + ".matchExpressions[0].values"}},
		{name: "Gt with a word", obj: pod(nodeAffinity(api.NodeSelectorRequirement{Key: "gen", Operator: api.NodeSelectorOpGt, Values: []string{"three"}})),
			want: []string{"Invalid " + term0 + ".matchExpressions[0].values[0]"}},
		{name: "Lt with two values", obj: pod(nodeAffinity(api.NodeSelectorRequirement{Key: "gen", Operator: api.NodeSelectorOpLt, Values: []string{"1", "2"}})),
			want: []string{"Required " + term0 + ".matchExpressions[0].values"}},
		{name: "unknown operator", obj: pod(nodeAffinity(api.NodeSelectorRequirement{Key: "zone", Operator: "Near"})),
			want: []string{"NotSupported " + term0 + ".matchExpressions[0].operator"}},
		{name: "matchFields on a label", obj: pod(func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
				NodeSelectorTerms: []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{
					{Key: "metadata.labels", Operator: api.NodeSelectorOpIn, Values: []string{"n1"}}}}}}}}
		}), want: []string{"NotSupported " + term0 + ".matchFields[0].key"}},
		{name: "pod affinity without topologyKey", obj: pod(func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{PodAffinity: &api.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []api.PodAffinityTerm{
				{LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}}}
		}), want: []string{"Required spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey"}},
		{name: "anti-affinity weight 0 and bad selector", obj: pod(func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{PodAntiAffinity: &api.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.WeightedPodAffinityTerm{
				{Weight: 0, PodAffinityTerm: api.PodAffinityTerm{TopologyKey: "kubernetes.io/hostname", LabelSelector: &api.LabelSelector{
					MatchExpressions: []api.LabelSelectorRequirement{{Key: "app", Operator: "Like"}}}}}}}}
		}), want: []string{"Invalid spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
			"Invalid spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchExpressions[0].operator"}},
		{name: "spread constraint mistakes", obj: pod(func(p *api.Pod) {
			p.Spec.TopologySpreadConstraints = []api.TopologySpreadConstraint{
				{MaxSkew: 0, TopologyKey: "zone", WhenUnsatisfiable: api.ScheduleAnyway, MinDomains: ptr(int32(2))},
				{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: api.ScheduleAnyway},
				{MaxSkew: 1, WhenUnsatisfiable: "Maybe"},
			}
		}), want: []string{
			"Invalid spec.topologySpreadConstraints[0].maxSkew",
			"Invalid spec.topologySpreadConstraints[0].minDomains",
			"Duplicate spec.topologySpreadConstraints[1].{topologyKey, whenUnsatisfiable}",
			"Required spec.topologySpreadConstraints[2].topologyKey",
			"NotSupported spec.topologySpreadConstraints[2].whenUnsatisfiable",
		}},
		{name: "valid spread", obj: pod(func(p *api.Pod) {
			p.Spec.TopologySpreadConstraints = []api.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone",
				WhenUnsatisfiable: api.DoNotSchedule, MinDomains: ptr(int32(3)),
				LabelSelector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
		})},
	})
}
