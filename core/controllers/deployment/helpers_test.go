package deployment_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/cache"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
	"github.com/kubetwin/kubetwin/core/controllers/deployment"
	"github.com/kubetwin/kubetwin/core/controllers/replicaset"
	"github.com/kubetwin/kubetwin/core/registry"
)

var dKey = controllers.Key{Namespace: "default", Name: "web"}

// harness drives the Deployment and ReplicaSet controllers by hand and
// plays the node: it makes the pods it is allowed to Ready.
type harness struct {
	t  testing.TB
	e  *controllertest.Env
	dc *deployment.Controller
	rc *replicaset.Controller
	// ready says which pods the "node" makes Ready; all by default.
	ready func(*api.Pod) bool
	// check, when set, is called after every sub-step.
	check func()
	ips   int
}

func newHarness(t testing.TB, d *api.Deployment) *harness {
	e := controllertest.New(t)
	h := &harness{t: t, e: e, dc: deployment.New(e.Reg, e.Caches, e.Clock),
		rc: replicaset.New(e.Reg, e.Caches, e.Clock), ready: func(*api.Pod) bool { return true }}
	e.Create(deployment.DeploymentKind, d)
	return h
}

// step reconciles the Deployment once, then every ReplicaSet (pods, then
// status), makes pods Ready, and reconciles the ReplicaSets again.
func (h *harness) step() {
	h.t.Helper()
	h.e.Clock.Step(time.Second)
	h.e.Reconcile(h.dc, dKey)
	h.checkNow()
	h.reconcileReplicaSets()
	h.makeReady()
	h.reconcileReplicaSets()
}

func (h *harness) reconcileReplicaSets() {
	h.t.Helper()
	for range 2 {
		for _, rs := range h.replicaSets() {
			h.e.Reconcile(h.rc, controllers.KeyOf(rs))
			h.checkNow()
		}
	}
}

func (h *harness) checkNow() {
	if h.check != nil {
		h.check()
	}
}

// makeReady marks the allowed pods Running and Ready, as a kubelet would.
func (h *harness) makeReady() {
	for _, p := range h.pods() {
		if controllers.IsPodReady(p) || !h.ready(p) {
			continue
		}
		h.ips++
		h.e.UpdatePodStatus(controllertest.ReadyAt(p.DeepCopy(), h.e.Clock.Now(), fmt.Sprintf("10.0.%d.%d", h.ips/250, h.ips%250+1)))
		h.checkNow()
	}
}

// settle steps until the Deployment reports a complete rollout (what
// kubectl rollout status waits for) or fails after max steps.
func (h *harness) settle(max int) {
	h.t.Helper()
	for range max {
		h.step()
		if rolloutComplete(h.deployment()) {
			return
		}
	}
	d := h.deployment()
	h.t.Fatalf("rollout not complete after %d steps: status %+v; replicasets %s", max, d.Status, h.describe())
}

// rolloutComplete is kubectl rollout status's success test.
func rolloutComplete(d *api.Deployment) bool {
	s := d.Status
	return s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == *d.Spec.Replicas &&
		s.Replicas == s.UpdatedReplicas && s.AvailableReplicas == s.UpdatedReplicas
}

func (h *harness) deployment() *api.Deployment {
	h.t.Helper()
	o, err := h.e.Get(deployment.DeploymentKind, "web")
	if err != nil {
		h.t.Fatal(err)
	}
	return o.(*api.Deployment).DeepCopy()
}

// update changes the stored Deployment's spec.
func (h *harness) update(change func(*api.Deployment)) {
	h.t.Helper()
	d := h.deployment()
	change(d)
	if _, err := h.e.Reg.Update(h.e.Ctx, deployment.DeploymentKind, d, registry.UpdateOptions{}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) replicaSets() []*api.ReplicaSet {
	var out []*api.ReplicaSet
	for _, o := range h.e.List(controllers.ReplicaSetKind) {
		out = append(out, o.(*api.ReplicaSet))
	}
	return out
}

// rsByImage finds the ReplicaSet running image.
func (h *harness) rsByImage(image string) *api.ReplicaSet {
	h.t.Helper()
	for _, rs := range h.replicaSets() {
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			return rs
		}
	}
	h.t.Fatalf("no replicaset runs %s: %s", image, h.describe())
	return nil
}

func (h *harness) pods() []*api.Pod {
	var out []*api.Pod
	for _, o := range h.e.List(controllers.PodKind) {
		out = append(out, o.(*api.Pod))
	}
	return out
}

// podsOf counts the pods of the ReplicaSet running image, and how many are ready.
func (h *harness) podsOf(image string) (total, ready int) {
	for _, p := range h.pods() {
		if p.Spec.Containers[0].Image == image {
			total++
			if controllers.IsPodReady(p) {
				ready++
			}
		}
	}
	return total, ready
}

func (h *harness) describe() string {
	var parts []string
	for _, rs := range h.replicaSets() {
		parts = append(parts, fmt.Sprintf("%s(image %s, rev %s, spec %d, status %d/%d)", rs.Name,
			rs.Spec.Template.Spec.Containers[0].Image, rs.Annotations[api.RevisionAnnotation],
			*rs.Spec.Replicas, rs.Status.AvailableReplicas, rs.Status.Replicas))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

func setImage(img string) func(*api.Deployment) {
	return func(d *api.Deployment) { d.Spec.Template.Spec.Containers[0].Image = img }
}

func setReplicas(n int32) func(*api.Deployment) {
	return func(d *api.Deployment) { d.Spec.Replicas = &n }
}

func conditionOf(d *api.Deployment, t api.DeploymentConditionType) api.DeploymentCondition {
	for _, c := range d.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return api.DeploymentCondition{}
}

func web(replicas int32) *fixtures.DeploymentWrapper {
	return fixtures.MakeDeployment("web").Replicas(replicas)
}

func ownerUID(obj api.Object) string {
	if ref := cache.ControllerOf(obj); ref != nil {
		return ref.UID
	}
	return ""
}

var (
	updateMain   = registry.UpdateOptions{}
	updateStatus = registry.UpdateOptions{Subresource: registry.SubresourceStatus}
)
