package api

import (
	"strings"
)

// Default values Kubernetes fills in for fields a manifest leaves out; they
// are exported so controllers and tests can name them instead of repeating
// the literals.
const (
	DefaultSchedulerName                 = "default-scheduler"
	DefaultTerminationGracePeriodSeconds = int64(30)
	DefaultTerminationMessagePath        = "/dev/termination-log"
	DefaultTerminationMessagePolicy      = "File"
	DefaultDNSPolicy                     = "ClusterFirst"
	DefaultNotReadyTolerationSeconds     = int64(300)
	DefaultRevisionHistoryLimit          = int32(10)
	DefaultProgressDeadlineSeconds       = int32(600)
	DefaultJobBackoffLimit               = int32(6)
	NamespaceFinalizerKubernetes         = "kubernetes"
	LabelMetadataName                    = "kubernetes.io/metadata.name"
)

// The taints the node lifecycle controller puts on unhealthy nodes; pods
// tolerate them for a while by default so a brief outage doesn't evict them.
const (
	TaintNodeNotReady    = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable = "node.kubernetes.io/unreachable"
)

// The pod QoS classes, as the kubelet uses them to rank pods for eviction.
const (
	PodQOSGuaranteed = "Guaranteed"
	PodQOSBurstable  = "Burstable"
	PodQOSBestEffort = "BestEffort"
)

// Default fills in the fields Kubernetes defaults when an object is created,
// so objects built by hand, decoded from manifests or read back from the API
// all look the same to controllers and the scheduler. It never overwrites a
// value that is already set (the one exception is the Namespace label
// kubernetes.io/metadata.name, which Kubernetes always sets to the name), and
// applying it twice changes nothing.
//
// Default does not set metadata.namespace of namespaced objects to "default":
// the API layer takes the namespace from the request. It does not resolve a
// pod's priority from its PriorityClass either: that needs the store.
// Objects of kinds it doesn't know are left as they are.
func Default(obj Object) {
	switch o := obj.(type) {
	case *Pod:
		defaultPod(o)
	case *ReplicaSet:
		defaultReplicaSet(o)
	case *Deployment:
		defaultDeployment(o)
	case *DaemonSet:
		defaultDaemonSet(o)
	case *Job:
		defaultJob(o)
	case *Service:
		defaultService(o)
	case *Namespace:
		defaultNamespace(o)
	case *Node:
		defaultNode(o)
	case *Endpoints:
		defaultEndpoints(o)
	case *PriorityClass:
		defaultPolicy(&o.PreemptionPolicy)
	}
	// Event and Lease have no defaults in Kubernetes; an Event's type in
	// particular stays empty when the reporter leaves it out.
}

// defaultPod applies the pod-spec defaults plus what Kubernetes adds only to
// pods (not templates): requests from limits, service links, host-network
// ports, the DefaultTolerationSeconds admission tolerations, the preemption
// policy and the initial status.
func defaultPod(p *Pod) {
	defaultPodSpec(&p.Spec)
	for i := range p.Spec.InitContainers {
		defaultRequestsFromLimits(&p.Spec.InitContainers[i].Resources)
	}
	for i := range p.Spec.Containers {
		defaultRequestsFromLimits(&p.Spec.Containers[i].Resources)
	}
	if p.Spec.EnableServiceLinks == nil {
		p.Spec.EnableServiceLinks = ptrTo(true)
	}
	if p.Spec.HostNetwork {
		defaultHostNetworkPorts(p.Spec.InitContainers)
		defaultHostNetworkPorts(p.Spec.Containers)
	}
	defaultNotReadyTolerations(&p.Spec)
	// With a class name the API layer copies the class's policy; only a
	// class-less pod gets Kubernetes' default here.
	if p.Spec.PriorityClassName == "" {
		defaultPolicy(&p.Spec.PreemptionPolicy)
	}
	if p.Status.Phase == "" {
		p.Status.Phase = PodPending
	}
	if p.Status.QOSClass == "" {
		p.Status.QOSClass = PodQOSClass(&p.Spec)
	}
}

// defaultPodSpec applies the defaults every pod spec gets, in pods and in
// workload templates alike.
func defaultPodSpec(s *PodSpec) {
	if s.DNSPolicy == "" {
		s.DNSPolicy = DefaultDNSPolicy
	}
	if s.RestartPolicy == "" {
		s.RestartPolicy = RestartPolicyAlways
	}
	if s.TerminationGracePeriodSeconds == nil {
		s.TerminationGracePeriodSeconds = ptrTo(DefaultTerminationGracePeriodSeconds)
	}
	if s.SchedulerName == "" {
		s.SchedulerName = DefaultSchedulerName
	}
	for i := range s.Volumes {
		defaultVolume(&s.Volumes[i])
	}
	for i := range s.InitContainers {
		defaultContainer(&s.InitContainers[i])
	}
	for i := range s.Containers {
		defaultContainer(&s.Containers[i])
	}
}

// defaultVolume makes a volume without a source an emptyDir, as Kubernetes does.
func defaultVolume(v *Volume) {
	if v.EmptyDir == nil && v.HostPath == nil {
		v.EmptyDir = &EmptyDirVolumeSource{}
	}
	if v.HostPath != nil && v.HostPath.Type == nil {
		v.HostPath.Type = ptrTo("")
	}
}

func defaultContainer(c *Container) {
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = defaultPullPolicy(c.Image)
	}
	if c.TerminationMessagePath == "" {
		c.TerminationMessagePath = DefaultTerminationMessagePath
	}
	if c.TerminationMessagePolicy == "" {
		c.TerminationMessagePolicy = DefaultTerminationMessagePolicy
	}
	for i := range c.Ports {
		defaultProtocol(&c.Ports[i].Protocol)
	}
	for i := range c.Env {
		if ref := c.Env[i].ValueFrom; ref != nil && ref.FieldRef != nil && ref.FieldRef.APIVersion == "" {
			ref.FieldRef.APIVersion = CoreV1
		}
	}
	defaultProbe(c.LivenessProbe)
	defaultProbe(c.ReadinessProbe)
	defaultProbe(c.StartupProbe)
	if c.Lifecycle != nil {
		defaultHandler(c.Lifecycle.PostStart)
		defaultHandler(c.Lifecycle.PreStop)
	}
}

// defaultPullPolicy is Always for an image whose tag is "latest" or absent
// (and that has no digest), IfNotPresent otherwise, as Kubernetes decides it.
func defaultPullPolicy(image string) PullPolicy {
	if image == "" {
		return PullIfNotPresent
	}
	name, _, hasDigest := strings.Cut(image, "@")
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		tag = name[i+1:]
	}
	if tag == "latest" || (tag == "" && !hasDigest) {
		return PullAlways
	}
	return PullIfNotPresent
}

func defaultProbe(p *Probe) {
	if p == nil {
		return
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 1
	}
	if p.PeriodSeconds == 0 {
		p.PeriodSeconds = 10
	}
	if p.SuccessThreshold == 0 {
		p.SuccessThreshold = 1
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	defaultHandler(&p.ProbeHandler)
}

// defaultHandler gives an HTTP GET action the path "/" and the scheme HTTP,
// wherever it appears (probes and lifecycle hooks).
func defaultHandler(h *ProbeHandler) {
	if h == nil || h.HTTPGet == nil {
		return
	}
	if h.HTTPGet.Path == "" {
		h.HTTPGet.Path = "/"
	}
	if h.HTTPGet.Scheme == "" {
		h.HTTPGet.Scheme = "HTTP"
	}
}

// defaultRequestsFromLimits copies each limit that has no request into the
// requests, so a container with only limits is scheduled by its limits.
func defaultRequestsFromLimits(r *ResourceRequirements) {
	if len(r.Limits) == 0 {
		return
	}
	if r.Requests == nil {
		r.Requests = make(ResourceList, len(r.Limits))
	}
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; !ok {
			r.Requests[name] = q
		}
	}
}

// defaultHostNetworkPorts sets each unset host port to its container port,
// since on the host network they are the same port.
func defaultHostNetworkPorts(cs []Container) {
	for i := range cs {
		for j := range cs[i].Ports {
			if p := &cs[i].Ports[j]; p.HostPort == 0 {
				p.HostPort = p.ContainerPort
			}
		}
	}
}

// defaultNotReadyTolerations is Kubernetes' DefaultTolerationSeconds
// admission: a pod that doesn't already tolerate the not-ready and
// unreachable NoExecute taints gets 300-second tolerations of them.
func defaultNotReadyTolerations(s *PodSpec) {
	for _, key := range []string{TaintNodeNotReady, TaintNodeUnreachable} {
		if toleratesNoExecute(s.Tolerations, key) {
			continue
		}
		s.Tolerations = append(s.Tolerations, Toleration{
			Key:               key,
			Operator:          TolerationOpExists,
			Effect:            TaintEffectNoExecute,
			TolerationSeconds: ptrTo(DefaultNotReadyTolerationSeconds),
		})
	}
}

// toleratesNoExecute reports whether a toleration already covers the
// NoExecute taint with this key: same or empty key, NoExecute or empty effect.
func toleratesNoExecute(ts []Toleration, key string) bool {
	for _, t := range ts {
		if (t.Key == key || t.Key == "") && (t.Effect == TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}

// PodQOSClass computes a pod's quality-of-service class from its containers'
// cpu and memory requests and limits, as the kubelet ranks pods for eviction:
// Guaranteed when every container limits both and requests equal limits,
// BestEffort when nothing is requested or limited, Burstable otherwise.
func PodQOSClass(s *PodSpec) string {
	requests := map[ResourceName]int64{}
	limits := map[ResourceName]int64{}
	guaranteed := true
	all := append(append([]Container(nil), s.InitContainers...), s.Containers...)
	for i := range all {
		addQOSResources(requests, all[i].Resources.Requests)
		found := addQOSResources(limits, all[i].Resources.Limits)
		if !found[ResourceCPU] || !found[ResourceMemory] {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return PodQOSBestEffort
	}
	if guaranteed && sameTotals(requests, limits) {
		return PodQOSGuaranteed
	}
	return PodQOSBurstable
}

// addQOSResources adds the positive cpu and memory quantities of l into sum
// and reports which of the two it found.
func addQOSResources(sum map[ResourceName]int64, l ResourceList) map[ResourceName]bool {
	found := map[ResourceName]bool{}
	for _, name := range []ResourceName{ResourceCPU, ResourceMemory} {
		q, ok := l[name]
		if !ok || q.Sign() <= 0 {
			continue
		}
		sum[name] += q.MilliValue()
		found[name] = true
	}
	return found
}

func sameTotals(a, b map[ResourceName]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for name, v := range a {
		if w, ok := b[name]; !ok || w != v {
			return false
		}
	}
	return true
}

// defaultTemplate applies the pod-spec defaults to a workload's pod
// template; pod-only defaults come when the controller creates the pods.
func defaultTemplate(t *PodTemplateSpec) {
	defaultPodSpec(&t.Spec)
}

func defaultReplicaSet(rs *ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptrTo(int32(1))
	}
	defaultTemplate(&rs.Spec.Template)
}

func defaultDeployment(d *Deployment) {
	s := &d.Spec
	if s.Replicas == nil {
		s.Replicas = ptrTo(int32(1))
	}
	if s.Strategy.Type == "" {
		s.Strategy.Type = RollingUpdateDeploymentStrategyType
	}
	if s.Strategy.Type == RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &RollingUpdateDeployment{}
		}
		ru := s.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptrTo(FromString("25%"))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptrTo(FromString("25%"))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptrTo(DefaultRevisionHistoryLimit)
	}
	if s.ProgressDeadlineSeconds == nil {
		s.ProgressDeadlineSeconds = ptrTo(DefaultProgressDeadlineSeconds)
	}
	defaultTemplate(&s.Template)
}

func defaultDaemonSet(ds *DaemonSet) {
	s := &ds.Spec
	if s.UpdateStrategy.Type == "" {
		s.UpdateStrategy.Type = RollingUpdateDaemonSetStrategyType
	}
	if s.UpdateStrategy.Type == RollingUpdateDaemonSetStrategyType {
		if s.UpdateStrategy.RollingUpdate == nil {
			s.UpdateStrategy.RollingUpdate = &RollingUpdateDaemonSet{}
		}
		ru := s.UpdateStrategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptrTo(FromInt(1))
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptrTo(FromInt(0))
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptrTo(DefaultRevisionHistoryLimit)
	}
	defaultTemplate(&s.Template)
}

// The Job pod replacement policies.
const (
	TerminatingOrFailedPodReplacement = "TerminatingOrFailed"
	FailedPodReplacement              = "Failed"
)

// defaultJob follows batch/v1: a Job with neither completions nor
// parallelism runs one pod to one completion, and a Job without labels
// takes its template's labels.
func defaultJob(j *Job) {
	s := &j.Spec
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptrTo(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptrTo(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptrTo(DefaultJobBackoffLimit)
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptrTo(NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptrTo(false)
	}
	if s.PodReplacementPolicy == nil {
		s.PodReplacementPolicy = ptrTo(TerminatingOrFailedPodReplacement)
	}
	if len(j.Labels) == 0 && s.Template.Labels != nil {
		j.Labels = copyStringMap(s.Template.Labels)
	}
	defaultTemplate(&s.Template)
}

// The Service session affinities and traffic policies.
const (
	ServiceAffinityNone     = "None"
	ServiceAffinityClientIP = "ClientIP"
	TrafficPolicyCluster    = "Cluster"
	TrafficPolicyLocal      = "Local"
)

func defaultService(svc *Service) {
	s := &svc.Spec
	if s.Type == "" {
		s.Type = ServiceTypeClusterIP
	}
	if s.SessionAffinity == "" {
		s.SessionAffinity = ServiceAffinityNone
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		defaultProtocol(&p.Protocol)
		if p.TargetPort == (IntOrString{}) || p.TargetPort == FromString("") {
			p.TargetPort = FromInt(p.Port)
		}
	}
	if ServiceExternallyAccessible(s) && s.ExternalTrafficPolicy == "" {
		s.ExternalTrafficPolicy = TrafficPolicyCluster
	}
	if s.InternalTrafficPolicy == nil && s.Type != ServiceTypeExternalName {
		s.InternalTrafficPolicy = ptrTo(TrafficPolicyCluster)
	}
}

// ServiceExternallyAccessible reports whether traffic can reach the Service
// from outside the cluster (NodePort, LoadBalancer, or a ClusterIP Service
// with external IPs), which is when externalTrafficPolicy applies.
func ServiceExternallyAccessible(s *ServiceSpec) bool {
	switch s.Type {
	case ServiceTypeNodePort, ServiceTypeLoadBalancer:
		return true
	case ServiceTypeClusterIP:
		return len(s.ExternalIPs) > 0
	}
	return false
}

// defaultNamespace gives a new namespace the phase Active, the "kubernetes"
// finalizer that holds deletion until its contents are gone, and the label
// naming it, so namespace selectors can match namespaces by name.
func defaultNamespace(ns *Namespace) {
	if ns.Status.Phase == "" {
		ns.Status.Phase = NamespaceActive
	}
	if ns.Spec.Finalizers == nil {
		ns.Spec.Finalizers = []string{NamespaceFinalizerKubernetes}
	}
	if ns.Name != "" {
		if ns.Labels == nil {
			ns.Labels = map[string]string{}
		}
		ns.Labels[LabelMetadataName] = ns.Name
	}
}

// defaultNode leaves a node as its agent reported it, except that a node
// without allocatable resources offers its whole capacity, as in Kubernetes.
func defaultNode(n *Node) {
	if n.Status.Allocatable == nil && n.Status.Capacity != nil {
		n.Status.Allocatable = make(ResourceList, len(n.Status.Capacity))
		for name, q := range n.Status.Capacity {
			n.Status.Allocatable[name] = q
		}
	}
}

func defaultEndpoints(e *Endpoints) {
	for i := range e.Subsets {
		for j := range e.Subsets[i].Ports {
			defaultProtocol(&e.Subsets[i].Ports[j].Protocol)
		}
	}
}

func defaultProtocol(p *Protocol) {
	if *p == "" {
		*p = ProtocolTCP
	}
}

func defaultPolicy(p **PreemptionPolicy) {
	if *p == nil {
		*p = ptrTo(PreemptLowerPriority)
	}
}

func copyStringMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
