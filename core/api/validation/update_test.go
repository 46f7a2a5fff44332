package validation_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/validation"
)

// updateCase changes a copy of old and lists the errors ValidateUpdate must report.
type updateCase struct {
	name   string
	old    api.Object
	change func(api.Object)
	want   []string
}

func runUpdateCases(t *testing.T, cases []updateCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := tc.old.DeepCopyObject()
			tc.change(obj)
			checkErrors(t, validation.ValidateUpdate(tc.old, obj), tc.want)
		})
	}
}

func TestValidatePodUpdate(t *testing.T) {
	old := pod(func(p *api.Pod) {
		p.UID = "u1"
		p.Spec.ActiveDeadlineSeconds = ptr(int64(600))
	})
	onPod := func(f func(*api.Pod)) func(api.Object) { return func(o api.Object) { f(o.(*api.Pod)) } }
	runUpdateCases(t, []updateCase{
		{name: "no change", old: old, change: onPod(noChange)},
		{name: "new image", old: old, change: onPod(func(p *api.Pod) { container(p).Image = "busybox:1.36" })},
		{name: "shorter deadline", old: old, change: onPod(func(p *api.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(60)) })},
		{name: "longer deadline", old: old, change: onPod(func(p *api.Pod) { p.Spec.ActiveDeadlineSeconds = ptr(int64(6000)) }),
			want: []string{"Invalid spec.activeDeadlineSeconds"}},
		{name: "deadline removed", old: old, change: onPod(func(p *api.Pod) { p.Spec.ActiveDeadlineSeconds = nil }),
			want: []string{"Invalid spec.activeDeadlineSeconds"}},
		{name: "added toleration", old: old, change: onPod(func(p *api.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, api.Toleration{Key: "k", Operator: api.TolerationOpExists})
		})},
		{name: "changed tolerationSeconds", old: old, change: onPod(func(p *api.Pod) {
			p.Spec.Tolerations[0].TolerationSeconds = ptr(int64(10))
		})},
		{name: "removed toleration", old: old, change: onPod(func(p *api.Pod) { p.Spec.Tolerations = p.Spec.Tolerations[1:] }),
			want: []string{"Forbidden spec.tolerations"}},
		{name: "new node", old: old, change: onPod(func(p *api.Pod) { p.Spec.NodeName = "n2" }),
			want: []string{"Forbidden spec"}},
		{name: "new resources", old: old, change: onPod(func(p *api.Pod) { container(p).Resources.Requests = quantities("cpu", "1") }),
			want: []string{"Forbidden spec"}},
		{name: "added container", old: old, change: onPod(func(p *api.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, *container(p))
			p.Spec.Containers[1].Name = "d"
		}), want: []string{"Forbidden spec.containers"}},
		{name: "renamed", old: old, change: onPod(func(p *api.Pod) { p.Name = "q" }),
			want: []string{"Invalid metadata.name"}},
		{name: "new uid", old: old, change: onPod(func(p *api.Pod) { p.UID = "u2" }),
			want: []string{"Invalid metadata.uid"}},
		{name: "labels may change", old: old, change: onPod(func(p *api.Pod) { p.Labels = map[string]string{"a": "b"} })},
	})
	errs := validation.ValidateUpdate(old, fixtures.MakeNamespace("x"))
	checkErrors(t, errs, []string{"Invalid kind"})
	if msg := validation.ValidateUpdate(old, pod(func(p *api.Pod) {
		p.UID, p.Spec.ActiveDeadlineSeconds, p.Spec.NodeName = "u1", ptr(int64(600)), "n2"
	})).ToAggregate().Error(); !strings.Contains(msg, "pod updates may not change fields other than") ||
		!strings.Contains(msg, "spec.nodeName") {
		t.Errorf("message doesn't say what changed: %s", msg)
	}
}

func TestValidateWorkloadUpdates(t *testing.T) {
	d := deployment(noChange)
	j := job(noChange)
	svc := service(func(s *api.Service) { s.Spec.ClusterIP = "10.96.0.10" })
	pc := defaulted(fixtures.MakePriorityClass("high", 1000))
	deleting := pod(func(p *api.Pod) {
		now := api.NewTime(time.Unix(1700000000, 0))
		p.DeletionTimestamp, p.Finalizers = &now, []string{"example.com/a"}
	})
	runUpdateCases(t, []updateCase{
		{name: "deployment scaled", old: d, change: func(o api.Object) { o.(*api.Deployment).Spec.Replicas = ptr(int32(5)) }},
		{name: "deployment new image", old: d, change: func(o api.Object) {
			o.(*api.Deployment).Spec.Template.Spec.Containers[0].Image = "busybox:2"
		}},
		{name: "deployment selector changed", old: d, change: func(o api.Object) {
			dd := o.(*api.Deployment)
			dd.Spec.Selector.MatchLabels["tier"] = "web"
			dd.Spec.Template.Labels["tier"] = "web"
		}, want: []string{"Invalid spec.selector"}},
		{name: "replicaset selector changed", old: replicaSet(noChange), change: func(o api.Object) {
			rs := o.(*api.ReplicaSet)
			rs.Spec.Selector.MatchLabels["tier"] = "web"
			rs.Spec.Template.Labels["tier"] = "web"
		}, want: []string{"Invalid spec.selector"}},
		{name: "daemonset selector changed", old: daemonSet(noChange), change: func(o api.Object) {
			ds := o.(*api.DaemonSet)
			ds.Spec.Selector.MatchExpressions = []api.LabelSelectorRequirement{{Key: "app", Operator: api.LabelSelectorOpExists}}
		}, want: []string{"Invalid spec.selector"}},
		{name: "job parallelism changed", old: j, change: func(o api.Object) { o.(*api.Job).Spec.Parallelism = ptr(int32(3)) }},
		{name: "job completions changed", old: j, change: func(o api.Object) { o.(*api.Job).Spec.Completions = ptr(int32(9)) },
			want: []string{"Invalid spec.completions"}},
		{name: "job template changed", old: j, change: func(o api.Object) {
			o.(*api.Job).Spec.Template.Spec.Containers[0].Image = "busybox:2"
		}, want: []string{"Invalid spec.template"}},
		{name: "service clusterIP changed", old: svc, change: func(o api.Object) { o.(*api.Service).Spec.ClusterIP = "10.96.0.11" },
			want: []string{"Invalid spec.clusterIP"}},
		{name: "service ports changed", old: svc, change: func(o api.Object) { o.(*api.Service).Spec.Ports[0].Port = 81 }},
		{name: "service becomes ExternalName", old: svc, change: func(o api.Object) {
			s := o.(*api.Service)
			s.Spec.Type, s.Spec.ClusterIP, s.Spec.ExternalName, s.Spec.Ports, s.Spec.InternalTrafficPolicy =
				api.ServiceTypeExternalName, "", "db.example.com", nil, nil
		}},
		{name: "priority class value changed", old: pc, change: func(o api.Object) { o.(*api.PriorityClass).Value = 2000 },
			want: []string{"Forbidden value"}},
		{name: "finalizer added while deleting", old: deleting, change: func(o api.Object) {
			p := o.(*api.Pod)
			p.Finalizers = append(p.Finalizers, "example.com/b")
		}, want: []string{"Forbidden metadata.finalizers"}},
		{name: "finalizer removed while deleting", old: deleting, change: func(o api.Object) { o.(*api.Pod).Finalizers = nil }},
	})
}
