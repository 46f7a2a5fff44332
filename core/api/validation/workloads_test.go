package validation_test

import (
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
)

func TestValidateDeployment(t *testing.T) {
	rolling := func(surge, unavailable api.IntOrString) func(*api.Deployment) {
		return func(d *api.Deployment) {
			d.Spec.Strategy.RollingUpdate = &api.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}
		}
	}
	const ru = "spec.strategy.rollingUpdate."
	runCases(t, []testCase{
		{name: "valid", obj: deployment(noChange)},
		{name: "no selector", obj: deployment(func(d *api.Deployment) { d.Spec.Selector = nil }),
			want: []string{"Required spec.selector"}},
		{name: "empty selector", obj: deployment(func(d *api.Deployment) { d.Spec.Selector = &api.LabelSelector{} }),
			want: []string{"Invalid spec.selector"}},
		{name: "selector misses the template", obj: deployment(func(d *api.Deployment) {
			d.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
		}), want: []string{"Invalid spec.template.metadata.labels"}},
		{name: "invalid selector", obj: deployment(func(d *api.Deployment) {
			d.Spec.Selector.MatchExpressions = []api.LabelSelectorRequirement{{Key: "tier", Operator: api.LabelSelectorOpIn}}
		}), want: []string{"Required spec.selector.matchExpressions[0].values"}},
		{name: "negative replicas", obj: deployment(func(d *api.Deployment) { d.Spec.Replicas = ptr(int32(-1)) }),
			want: []string{"Invalid spec.replicas"}},
		{name: "template restart policy Never", obj: deployment(func(d *api.Deployment) {
			d.Spec.Template.Spec.RestartPolicy = api.RestartPolicyNever
		}), want: []string{"NotSupported spec.template.spec.restartPolicy"}},
		{name: "bad container in the template", obj: deployment(func(d *api.Deployment) {
			d.Spec.Template.Spec.Containers[0].Name = "Web"
		}), want: []string{"Invalid spec.template.spec.containers[0].name"}},
		{name: "template may omit the image", obj: deployment(func(d *api.Deployment) {
			d.Spec.Template.Spec.Containers[0].Image = ""
		})},
		{name: "bad template label", obj: deployment(func(d *api.Deployment) {
			d.Spec.Template.Labels["bad key!"] = "x"
		}), want: []string{"Invalid spec.template.metadata.labels"}},
		{name: "Recreate with rollingUpdate", obj: deployment(func(d *api.Deployment) {
			d.Spec.Strategy.Type = api.RecreateDeploymentStrategyType
		}), want: []string{"Forbidden spec.strategy.rollingUpdate"}},
		{name: "unknown strategy", obj: deployment(func(d *api.Deployment) { d.Spec.Strategy.Type = "BlueGreen" }),
			want: []string{"NotSupported spec.strategy"}},
		{name: "no room to move", obj: deployment(rolling(api.FromInt(0), api.FromString("0%"))),
			want: []string{"Invalid " + ru + "maxUnavailable"}},
		{name: "over 100% unavailable", obj: deployment(rolling(api.FromInt(1), api.FromString("150%"))),
			want: []string{"Invalid " + ru + "maxUnavailable"}},
		{name: "surge above 100% is fine", obj: deployment(rolling(api.FromString("200%"), api.FromInt(0)))},
		{name: "surge not a percentage", obj: deployment(rolling(api.FromString("two"), api.FromInt(1))),
			want: []string{"Invalid " + ru + "maxSurge"}},
		{name: "negative surge", obj: deployment(rolling(api.FromInt(-1), api.FromInt(1))),
			want: []string{"Invalid " + ru + "maxSurge"}},
		{name: "deadline not above minReady", obj: deployment(func(d *api.Deployment) {
			d.Spec.MinReadySeconds, d.Spec.ProgressDeadlineSeconds = 600, ptr(int32(600))
		}), want: []string{"Invalid spec.progressDeadlineSeconds"}},
		{name: "negative history", obj: deployment(func(d *api.Deployment) { d.Spec.RevisionHistoryLimit = ptr(int32(-1)) }),
			want: []string{"Invalid spec.revisionHistoryLimit"}},
		{name: "negative minReadySeconds", obj: deployment(func(d *api.Deployment) { d.Spec.MinReadySeconds = -5 }),
			want: []string{"Invalid spec.minReadySeconds"}},
	})
}

func TestValidateReplicaSetAndDaemonSet(t *testing.T) {
	dsRolling := func(unavailable, surge api.IntOrString) func(*api.DaemonSet) {
		return func(ds *api.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &api.RollingUpdateDaemonSet{MaxUnavailable: &unavailable, MaxSurge: &surge}
		}
	}
	const dsru = "spec.updateStrategy.rollingUpdate."
	runCases(t, []testCase{
		{name: "valid ReplicaSet", obj: replicaSet(noChange)},
		{name: "ReplicaSet template with a deadline", obj: replicaSet(func(rs *api.ReplicaSet) {
			rs.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(60))
		}), want: []string{"Invalid spec.template.spec.activeDeadlineSeconds"}},
		{name: "ReplicaSet selector mismatch", obj: replicaSet(func(rs *api.ReplicaSet) {
			rs.Spec.Template.Labels = map[string]string{"app": "other"}
		}), want: []string{"Invalid spec.template.metadata.labels"}},
		{name: "valid DaemonSet", obj: daemonSet(noChange)},
		{name: "DaemonSet surge with OnDelete is ignored", obj: daemonSet(func(ds *api.DaemonSet) {
			ds.Spec.UpdateStrategy = api.DaemonSetUpdateStrategy{Type: api.OnDeleteDaemonSetStrategyType}
		})},
		{name: "DaemonSet surging and unavailable", obj: daemonSet(dsRolling(api.FromInt(1), api.FromString("10%"))),
			want: []string{"Invalid " + dsru + "maxSurge"}},
		{name: "DaemonSet neither", obj: daemonSet(dsRolling(api.FromInt(0), api.FromInt(0))),
			want: []string{"Required " + dsru + "maxUnavailable"}},
		{name: "DaemonSet surge over 100%", obj: daemonSet(dsRolling(api.FromInt(0), api.FromString("101%"))),
			want: []string{"Invalid " + dsru + "maxSurge"}},
		{name: "DaemonSet unknown strategy", obj: daemonSet(func(ds *api.DaemonSet) { ds.Spec.UpdateStrategy.Type = "Rolling" }),
			want: []string{"NotSupported spec.updateStrategy.type"}},
		{name: "DaemonSet template restart OnFailure", obj: daemonSet(func(ds *api.DaemonSet) {
			ds.Spec.Template.Spec.RestartPolicy = api.RestartPolicyOnFailure
		}), want: []string{"NotSupported spec.template.spec.restartPolicy"}},
		{name: "DaemonSet empty selector", obj: daemonSet(func(ds *api.DaemonSet) { ds.Spec.Selector = &api.LabelSelector{} }),
			want: []string{"Invalid spec.selector"}},
	})
}

func TestValidateJob(t *testing.T) {
	runCases(t, []testCase{
		{name: "valid without a selector", obj: job(noChange)},
		{name: "valid with a matching selector", obj: job(func(j *api.Job) {
			j.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"job-name": "batch"}}
			j.Spec.ManualSelector = ptr(true)
		})},
		{name: "selector misses the template", obj: job(func(j *api.Job) {
			j.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"job-name": "other"}}
		}), want: []string{"Invalid spec.template.metadata.labels"}},
		{name: "restart Always", obj: job(func(j *api.Job) { j.Spec.Template.Spec.RestartPolicy = api.RestartPolicyAlways }),
			want: []string{"NotSupported spec.template.spec.restartPolicy"}},
		{name: "negative counts", obj: job(func(j *api.Job) {
			j.Spec.Parallelism, j.Spec.Completions, j.Spec.BackoffLimit = ptr(int32(-1)), ptr(int32(-1)), ptr(int32(-1))
			j.Spec.ActiveDeadlineSeconds = ptr(int64(-1))
		}), want: []string{"Invalid spec.activeDeadlineSeconds", "Invalid spec.backoffLimit", "Invalid spec.completions",
			"Invalid spec.parallelism"}},
		{name: "Indexed without completions", obj: job(func(j *api.Job) {
			j.Spec.CompletionMode, j.Spec.Completions = ptr(api.IndexedCompletion), nil
		}), want: []string{"Required spec.completions"}},
		{name: "unknown completion mode", obj: job(func(j *api.Job) { j.Spec.CompletionMode = ptr(api.CompletionMode("Ordered")) }),
			want: []string{"NotSupported spec.completionMode"}},
		{name: "unknown replacement policy", obj: job(func(j *api.Job) { j.Spec.PodReplacementPolicy = ptr("Never") }),
			want: []string{"NotSupported spec.podReplacementPolicy"}},
		{name: "template without containers", obj: job(func(j *api.Job) { j.Spec.Template.Spec.Containers = nil }),
			want: []string{"Required spec.template.spec.containers"}},
	})
}
