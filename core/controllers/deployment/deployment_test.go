package deployment_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/deployment"
)

func TestCreateMakesOneReplicaSetWithHash(t *testing.T) {
	h := newHarness(t, web(3).Obj())
	h.settle(5)
	d := h.deployment()
	rss := h.replicaSets()
	if len(rss) != 1 {
		t.Fatalf("%d replicasets, want 1: %s", len(rss), h.describe())
	}
	rs := rss[0]
	hash := deployment.ComputeHash(&d.Spec.Template, nil)
	key := api.DefaultDeploymentUniqueLabelKey
	if rs.Name != "web-"+hash || rs.Labels[key] != hash || rs.Spec.Selector.MatchLabels[key] != hash ||
		rs.Spec.Template.Labels[key] != hash || rs.Spec.Template.Labels["app"] != "web" {
		t.Fatalf("replicaset %s labels %v selector %v template labels %v; want hash %s everywhere",
			rs.Name, rs.Labels, rs.Spec.Selector.MatchLabels, rs.Spec.Template.Labels, hash)
	}
	if ownerUID(rs) != d.UID || rs.Annotations[api.RevisionAnnotation] != "1" || d.Annotations[api.RevisionAnnotation] != "1" {
		t.Fatalf("owner %s revision rs %q deployment %q", ownerUID(rs), rs.Annotations[api.RevisionAnnotation], d.Annotations[api.RevisionAnnotation])
	}
	if rs.Annotations[deployment.DesiredReplicasAnnotation] != "3" || rs.Annotations[deployment.MaxReplicasAnnotation] != "4" {
		t.Fatalf("replica annotations %v, want desired 3 max 4 (25%% surge rounds up)", rs.Annotations)
	}
	for _, p := range h.pods() {
		if p.Labels[key] != hash || ownerUID(p) != rs.UID {
			t.Fatalf("pod %s labels %v not stamped from the hashed template", p.Name, p.Labels)
		}
	}
	s := d.Status
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.ReadyReplicas != 3 || s.AvailableReplicas != 3 ||
		s.UnavailableReplicas != 0 || s.ObservedGeneration != d.Generation {
		t.Fatalf("status %+v", s)
	}
	av, pr := conditionOf(d, api.DeploymentAvailable), conditionOf(d, api.DeploymentProgressing)
	if av.Status != api.ConditionTrue || av.Reason != deployment.MinimumReplicasAvailable ||
		pr.Status != api.ConditionTrue || pr.Reason != deployment.NewRSAvailableReason || pr.LastUpdateTime.IsZero() {
		t.Fatalf("conditions %+v", d.Status.Conditions)
	}
}

func TestRollingUpdateRespectsSurgeAndUnavailable(t *testing.T) {
	h := newHarness(t, web(4).RollingUpdate(api.FromInt(1), api.FromInt(0)).Obj())
	h.settle(5)
	maxTotal, mixed := 0, false
	h.check = func() {
		var total, ready int
		for _, p := range h.pods() {
			total++
			if controllers.IsPodReady(p) {
				ready++
			}
		}
		if total > 5 || ready < 4 {
			t.Fatalf("%d pods, %d ready during the rollout; want ≤ 5 and ≥ 4: %s", total, ready, h.describe())
		}
		maxTotal = max(maxTotal, total)
		oldN, _ := h.podsOf("busybox")
		newN, _ := h.podsOf("busybox:2")
		mixed = mixed || (oldN > 0 && newN > 0)
	}
	h.update(setImage("busybox:2"))
	h.settle(20)
	if maxTotal != 5 || !mixed {
		t.Fatalf("max %d pods, mixed %v: the rollout did not surge one pod at a time", maxTotal, mixed)
	}
	newRS, oldRS := h.rsByImage("busybox:2"), h.rsByImage("busybox")
	if *newRS.Spec.Replicas != 4 || *oldRS.Spec.Replicas != 0 {
		t.Fatalf("after the rollout: %s", h.describe())
	}
	d := h.deployment()
	if newRS.Annotations[api.RevisionAnnotation] != "2" || d.Annotations[api.RevisionAnnotation] != "2" {
		t.Fatalf("revision rs %q deployment %q, want 2", newRS.Annotations[api.RevisionAnnotation], d.Annotations[api.RevisionAnnotation])
	}
	if n, _ := h.podsOf("busybox"); n != 0 {
		t.Fatalf("%d old pods left", n)
	}
}

func TestRecreateNeverRunsOldAndNewTogether(t *testing.T) {
	h := newHarness(t, web(3).Recreate().Obj())
	h.settle(5)
	h.check = func() {
		oldN, _ := h.podsOf("busybox")
		newN, _ := h.podsOf("busybox:2")
		if oldN > 0 && newN > 0 {
			t.Fatalf("%d old and %d new pods at once: %s", oldN, newN, h.describe())
		}
	}
	h.update(setImage("busybox:2"))
	h.settle(10)
	if *h.rsByImage("busybox:2").Spec.Replicas != 3 || *h.rsByImage("busybox").Spec.Replicas != 0 {
		t.Fatalf("after the rollout: %s", h.describe())
	}
}

func TestScaleMidRolloutIsProportional(t *testing.T) {
	h := newHarness(t, web(10).RollingUpdate(api.FromInt(3), api.FromInt(2)).Obj())
	h.settle(5)
	h.ready = func(p *api.Pod) bool { return p.Spec.Containers[0].Image != "busybox:bad" }
	h.update(setImage("busybox:bad"))
	for range 5 {
		h.step()
	}
	if o, n := *h.rsByImage("busybox").Spec.Replicas, *h.rsByImage("busybox:bad").Spec.Replicas; o != 8 || n != 5 {
		t.Fatalf("stuck rollout: old %d new %d, want 8 and 5: %s", o, n, h.describe())
	}
	h.update(setReplicas(15))
	for range 3 {
		h.step()
	}
	oldRS, newRS := h.rsByImage("busybox"), h.rsByImage("busybox:bad")
	if *oldRS.Spec.Replicas != 11 || *newRS.Spec.Replicas != 7 {
		t.Fatalf("after scaling to 15: old %d new %d, want 11 and 7: %s", *oldRS.Spec.Replicas, *newRS.Spec.Replicas, h.describe())
	}
	for _, rs := range []*api.ReplicaSet{oldRS, newRS} {
		if rs.Annotations[deployment.DesiredReplicasAnnotation] != "15" || rs.Annotations[deployment.MaxReplicasAnnotation] != "18" {
			t.Fatalf("%s annotations %v, want desired 15 max 18", rs.Name, rs.Annotations)
		}
	}
}

func TestRollbackReusesOldReplicaSet(t *testing.T) {
	h := newHarness(t, web(2).Obj())
	h.settle(5)
	first := h.rsByImage("busybox")
	h.update(func(d *api.Deployment) {
		setImage("busybox:2")(d)
		d.Annotations = map[string]string{api.ChangeCauseAnnotation: "upgrade to 2"}
	})
	h.settle(10)
	if cause := h.rsByImage("busybox:2").Annotations[api.ChangeCauseAnnotation]; cause != "upgrade to 2" {
		t.Fatalf("change-cause on the new replicaset %q", cause)
	}
	h.update(setImage("busybox")) // what kubectl rollout undo patches in
	h.settle(10)
	back := h.rsByImage("busybox")
	if len(h.replicaSets()) != 2 || back.UID != first.UID || *back.Spec.Replicas != 2 {
		t.Fatalf("rollback did not reuse %s: %s", first.Name, h.describe())
	}
	if back.Annotations[api.RevisionAnnotation] != "3" || back.Annotations[deployment.RevisionHistoryAnnotation] != "1" ||
		h.deployment().Annotations[api.RevisionAnnotation] != "3" {
		t.Fatalf("revision %q history %q deployment %q; want 3, 1, 3", back.Annotations[api.RevisionAnnotation],
			back.Annotations[deployment.RevisionHistoryAnnotation], h.deployment().Annotations[api.RevisionAnnotation])
	}
}

func TestRevisionHistoryLimitDeletesOldest(t *testing.T) {
	limit := int32(1)
	d := web(2).Obj()
	d.Spec.RevisionHistoryLimit = &limit
	h := newHarness(t, d)
	h.settle(5)
	for _, img := range []string{"busybox:2", "busybox:3"} {
		h.update(setImage(img))
		h.settle(10)
	}
	h.step() // the step after completion prunes
	var imgs []string
	for _, rs := range h.replicaSets() {
		imgs = append(imgs, rs.Spec.Template.Spec.Containers[0].Image)
	}
	if len(imgs) != 2 || strings.Contains(h.describe(), "image busybox,") {
		t.Fatalf("replicasets %s; want revisions 2 and 3 only", h.describe())
	}
}

func TestPausedBlocksRolloutButScales(t *testing.T) {
	h := newHarness(t, web(2).Obj())
	h.settle(5)
	h.update(func(d *api.Deployment) { d.Spec.Paused = true; setImage("busybox:2")(d) })
	for range 3 {
		h.step()
	}
	d := h.deployment()
	if len(h.replicaSets()) != 1 || conditionOf(d, api.DeploymentProgressing).Reason != deployment.PausedReason {
		t.Fatalf("paused: %s conditions %+v", h.describe(), d.Status.Conditions)
	}
	h.update(setReplicas(4))
	for range 3 {
		h.step()
	}
	if *h.rsByImage("busybox").Spec.Replicas != 4 || h.deployment().Status.AvailableReplicas != 4 {
		t.Fatalf("scaling while paused: %s", h.describe())
	}
	h.update(func(d *api.Deployment) { d.Spec.Paused = false })
	h.settle(20)
	if *h.rsByImage("busybox:2").Spec.Replicas != 4 || h.deployment().Annotations[api.RevisionAnnotation] != "2" {
		t.Fatalf("after resume: %s", h.describe())
	}
	if r := conditionOf(h.deployment(), api.DeploymentProgressing).Reason; r != deployment.NewRSAvailableReason {
		t.Fatalf("progressing reason %s after resume", r)
	}
}

func TestProgressDeadlineExceeded(t *testing.T) {
	deadline := int32(60)
	d := web(2).Obj()
	d.Spec.ProgressDeadlineSeconds = &deadline
	h := newHarness(t, d)
	h.ready = func(*api.Pod) bool { return false }
	for range 3 {
		h.step()
	}
	res := h.e.Reconcile(h.dc, dKey)
	if res.RequeueAfter <= 0 || res.RequeueAfter > 60*time.Second {
		t.Fatalf("requeue after %v, want within the 60s deadline", res.RequeueAfter)
	}
	if r := conditionOf(h.deployment(), api.DeploymentProgressing).Reason; r == deployment.TimedOutReason {
		t.Fatalf("timed out too early")
	}
	h.e.Clock.Step(res.RequeueAfter)
	res = h.e.Reconcile(h.dc, dKey)
	c := conditionOf(h.deployment(), api.DeploymentProgressing)
	if c.Status != api.ConditionFalse || c.Reason != deployment.TimedOutReason || res.RequeueAfter != 0 {
		t.Fatalf("after the deadline: condition %+v requeue %v", c, res.RequeueAfter)
	}
	if av := conditionOf(h.deployment(), api.DeploymentAvailable); av.Reason != deployment.MinimumReplicasUnavailable {
		t.Fatalf("available condition %+v", av)
	}
}

func TestAdoptsOrphanAndReleasesMismatch(t *testing.T) {
	h := newHarness(t, web(2).Obj())
	d := h.deployment()
	orphan := fixtures.MakeReplicaSet("web-orphan").Replicas(0).Obj()
	orphan.Labels = map[string]string{"app": "web"}
	orphan.Spec.Selector.MatchLabels = map[string]string{"app": "web", "v": "old"}
	orphan.Spec.Template.Labels = map[string]string{"app": "web", "v": "old"}
	h.e.Create(controllers.ReplicaSetKind, orphan)
	stray := fixtures.MakeReplicaSet("stray").Replicas(0).OwnedBy("Deployment", "web", d.UID).Obj()
	stray.Labels = map[string]string{"app": "db"}
	h.e.Create(controllers.ReplicaSetKind, stray)
	h.settle(5)
	byName := map[string]string{}
	for _, rs := range h.replicaSets() {
		byName[rs.Name] = ownerUID(rs)
	}
	if byName["web-orphan"] != d.UID || byName["stray"] != "" || len(byName) != 3 {
		t.Fatalf("owners %v: want web-orphan adopted, stray released, one new replicaset", byName)
	}
}

func TestHashCollisionBumpsCollisionCount(t *testing.T) {
	h := newHarness(t, web(1).Obj())
	hash := deployment.ComputeHash(&h.deployment().Spec.Template, nil) // of the stored, defaulted template
	clash := fixtures.MakeReplicaSet("web-" + hash).Replicas(0).Obj()
	clash.Labels = map[string]string{"app": "other"}
	clash.Spec.Selector.MatchLabels = map[string]string{"app": "other"}
	clash.Spec.Template.Labels = map[string]string{"app": "other"}
	h.e.Create(controllers.ReplicaSetKind, clash)
	h.e.Sync()
	if _, err := h.dc.Reconcile(h.e.Ctx, dKey); err == nil {
		t.Fatalf("reconcile succeeded into a taken name")
	}
	got := h.deployment()
	if got.Status.CollisionCount == nil || *got.Status.CollisionCount != 0 {
		t.Fatalf("collision count %v, want 0", got.Status.CollisionCount)
	}
	h.settle(5)
	want := "web-" + deployment.ComputeHash(&got.Spec.Template, got.Status.CollisionCount)
	rs, err := h.e.Get(controllers.ReplicaSetKind, want)
	if err != nil || ownerUID(rs) != got.UID || len(h.replicaSets()) != 2 {
		t.Fatalf("replicasets %s; want %s owned by the deployment (%v)", h.describe(), want, err)
	}
}
