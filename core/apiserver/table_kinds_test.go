package apiserver

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

func i32(v int32) *int32 { return &v }

func TestPodColumns(t *testing.T) {
	running := api.ContainerState{Running: &api.ContainerStateRunning{}}
	base := func() *api.Pod {
		return &api.Pod{ObjectMeta: created(3*time.Minute + 2*time.Second),
			Spec:   api.PodSpec{Containers: []api.Container{{Name: "a"}, {Name: "b"}}, NodeName: "n1"},
			Status: api.PodStatus{Phase: api.PodRunning, PodIP: "10.0.0.5"}}
	}
	const header = "NAME READY STATUS RESTARTS AGE +IP +NODE +NOMINATED NODE +READINESS GATES"
	p := base()
	p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "a", Ready: true, State: running, RestartCount: 2,
		LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{FinishedAt: api.NewTime(tableNow.Add(-5 * time.Minute))}}},
		{Name: "b", State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
	checkCells(t, "Pod", rowOf(t, "Pod", p, header),
		"x", "1/2", "CrashLoopBackOff", "2 (5m ago)", "3m2s", "10.0.0.5", "n1", "<none>", "<none>")

	cases := map[string]func(p *api.Pod){
		"Pending": func(p *api.Pod) { p.Status.Phase = api.PodPending },
		"Terminating": func(p *api.Pod) {
			p.DeletionTimestamp = &api.Time{Time: tableNow}
		},
		"Init:1/2": func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "i1"}, {Name: "i2"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{
				{State: api.ContainerState{Terminated: &api.ContainerStateTerminated{}}}, {State: running}}
		},
		"Init:ErrImagePull": func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{
				{State: api.ContainerState{Waiting: &api.ContainerStateWaiting{Reason: "ErrImagePull"}}}}
		},
		"Init:ExitCode:3": func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "i1"}}
			p.Status.InitContainerStatuses = []api.ContainerStatus{
				{State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 3}}}}
		},
		"OOMKilled": func(p *api.Pod) {
			p.Status.ContainerStatuses = []api.ContainerStatus{
				{State: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
		},
		"Evicted": func(p *api.Pod) { p.Status.Phase, p.Status.Reason = api.PodFailed, "Evicted" },
	}
	for want, mutate := range cases {
		p := base()
		mutate(p)
		if got := PodStatusReason(p); got != want {
			t.Errorf("PodStatusReason = %q, want %q", got, want)
		}
	}
}

func TestWorkloadColumns(t *testing.T) {
	tpl := api.PodTemplateSpec{Spec: api.PodSpec{Containers: []api.Container{{Name: "web", Image: "nginx:1"}, {Name: "log", Image: "busybox"}},
		NodeSelector: map[string]string{"disk": "ssd"}}}
	sel := &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	d := &api.Deployment{ObjectMeta: created(4 * time.Hour), Spec: api.DeploymentSpec{Replicas: i32(3), Selector: sel, Template: tpl},
		Status: api.DeploymentStatus{ReadyReplicas: 2, UpdatedReplicas: 3, AvailableReplicas: 2}}
	checkCells(t, "Deployment", rowOf(t, "Deployment", d, "NAME READY UP-TO-DATE AVAILABLE AGE +CONTAINERS +IMAGES +SELECTOR"),
		"x", "2/3", 3, 2, "4h", "web,log", "nginx:1,busybox", "app=web")
	rs := &api.ReplicaSet{ObjectMeta: created(51 * time.Hour), Spec: api.ReplicaSetSpec{Replicas: i32(3), Selector: sel, Template: tpl},
		Status: api.ReplicaSetStatus{Replicas: 3, ReadyReplicas: 1}}
	checkCells(t, "ReplicaSet", rowOf(t, "ReplicaSet", rs, "NAME DESIRED CURRENT READY AGE +CONTAINERS +IMAGES +SELECTOR"),
		"x", 3, 3, 1, "2d3h", "web,log", "nginx:1,busybox", "app=web")
	ds := &api.DaemonSet{ObjectMeta: created(45 * 24 * time.Hour), Spec: api.DaemonSetSpec{Selector: sel, Template: tpl},
		Status: api.DaemonSetStatus{DesiredNumberScheduled: 5, CurrentNumberScheduled: 4, NumberReady: 3, UpdatedNumberScheduled: 2, NumberAvailable: 1}}
	checkCells(t, "DaemonSet", rowOf(t, "DaemonSet", ds,
		"NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE +CONTAINERS +IMAGES +SELECTOR"),
		"x", 5, 4, 3, 2, 1, "disk=ssd", "45d", "web,log", "nginx:1,busybox", "app=web")
	start := api.NewTime(tableNow.Add(-90 * time.Second))
	j := &api.Job{ObjectMeta: created(2 * time.Minute), Spec: api.JobSpec{Completions: i32(4), Selector: sel, Template: tpl},
		Status: api.JobStatus{Succeeded: 1, StartTime: &start}}
	checkCells(t, "Job", rowOf(t, "Job", j, "NAME STATUS COMPLETIONS DURATION AGE +CONTAINERS +IMAGES +SELECTOR"),
		"x", "Running", "1/4", "90s", "2m", "web,log", "nginx:1,busybox", "app=web")
	j.Status.Conditions = []api.JobCondition{{Type: api.JobComplete, Status: api.ConditionTrue}}
	if got := jobStatus(j); got != "Complete" {
		t.Errorf("jobStatus = %q", got)
	}
	j.Spec.Completions, j.Spec.Parallelism = nil, i32(3)
	if got := jobCompletions(j); got != "1/1 of 3" {
		t.Errorf("jobCompletions = %q", got)
	}
}

func TestServiceAndEndpointsColumns(t *testing.T) {
	s := &api.Service{ObjectMeta: created(5 * time.Second), Spec: api.ServiceSpec{Type: api.ServiceTypeNodePort,
		ClusterIP: "10.96.0.10", Selector: map[string]string{"app": "web"},
		Ports: []api.ServicePort{{Port: 80, NodePort: 30080, Protocol: api.ProtocolTCP}, {Port: 53, Protocol: api.ProtocolUDP}}}}
	checkCells(t, "Service", rowOf(t, "Service", s, "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE +SELECTOR"),
		"x", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "5s", "app=web")
	s.Spec.Type = api.ServiceTypeLoadBalancer
	if got := serviceExternalIP(s); got != "<pending>" {
		t.Errorf("LoadBalancer external IP = %q", got)
	}
	e := &api.Endpoints{ObjectMeta: created(time.Minute), Subsets: []api.EndpointSubset{{
		Addresses: []api.EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}, {IP: "10.0.0.3"}, {IP: "10.0.0.4"}},
		Ports:     []api.EndpointPort{{Port: 8080}}}}}
	checkCells(t, "Endpoints", rowOf(t, "Endpoints", e, "NAME ENDPOINTS AGE"),
		"x", "10.0.0.1:8080,10.0.0.2:8080,10.0.0.3:8080 + 1 more...", "60s")
}

func TestClusterKindColumns(t *testing.T) {
	n := &api.Node{ObjectMeta: created(30 * time.Hour), Spec: api.NodeSpec{Unschedulable: true},
		Status: api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}},
			Addresses: []api.NodeAddress{{Type: api.NodeInternalIP, Address: "192.168.1.2"}},
			NodeInfo:  api.NodeSystemInfo{KubeletVersion: "v1.32.0", OSImage: "Debian", KernelVersion: "6.1", ContainerRuntimeVersion: "containerd://1.6.20"}}}
	n.Labels = map[string]string{"node-role.kubernetes.io/control-plane": "", "node-role.kubernetes.io/worker": ""}
	checkCells(t, "Node", rowOf(t, "Node", n,
		"NAME STATUS ROLES AGE VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME"),
		"x", "Ready,SchedulingDisabled", "control-plane,worker", "30h", "v1.32.0", "192.168.1.2", "<none>", "Debian", "6.1", "containerd://1.6.20")
	n.Status.Conditions[0].Status = api.ConditionFalse
	n.Spec.Unschedulable = false
	if got := NodeStatus(n); got != "NotReady" {
		t.Errorf("NodeStatus = %q", got)
	}
	if got := NodeStatus(&api.Node{}); got != "Unknown" {
		t.Errorf("NodeStatus without conditions = %q", got)
	}
	ns := &api.Namespace{ObjectMeta: created(time.Hour), Status: api.NamespaceStatus{Phase: api.NamespaceActive}}
	checkCells(t, "Namespace", rowOf(t, "Namespace", ns, "NAME STATUS AGE"), "x", "Active", "60m")
	holder := "node-1"
	l := &api.Lease{ObjectMeta: created(10 * time.Second), Spec: api.LeaseSpec{HolderIdentity: &holder}}
	checkCells(t, "Lease", rowOf(t, "Lease", l, "NAME HOLDER AGE"), "x", "node-1", "10s")
	policy := api.PreemptNever
	pc := &api.PriorityClass{ObjectMeta: created(time.Second), Value: 1000, GlobalDefault: true, PreemptionPolicy: &policy}
	checkCells(t, "PriorityClass", rowOf(t, "PriorityClass", pc, "NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY"),
		"x", 1000, true, "1s", "Never")
	ev := &api.Event{ObjectMeta: created(time.Hour), Type: "Warning", Reason: "FailedScheduling", Message: "0/3 nodes ",
		InvolvedObject: api.ObjectReference{Kind: "Pod", Name: "web"}, LastTimestamp: api.NewTime(tableNow.Add(-7 * time.Second))}
	checkCells(t, "Event", rowOf(t, "Event", ev, "LAST SEEN TYPE REASON OBJECT MESSAGE +NAME"),
		"7s", "Warning", "FailedScheduling", "pod/web", "0/3 nodes", "x")
}
