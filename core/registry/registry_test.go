package registry_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/api/resource"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/memory"
)

var (
	podKind, _ = api.LookupKind("v1", "Pod")
	nsKind, _  = api.LookupKind("v1", "Namespace")
	svcKind, _ = api.LookupKind("v1", "Service")
	jobKind, _ = api.LookupKind(api.BatchV1, "Job")
	pcKind, _  = api.LookupKind(api.SchedulingV1, "PriorityClass")
	depKind, _ = api.LookupKind(api.AppsV1, "Deployment")
)

// newRegistry returns a registry over a fresh memory store holding the
// namespace "default".
func newRegistry(t *testing.T) *registry.Registry {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = s.Close() })
	r := registry.New(s, c)
	mustCreate(t, r, nsKind, "", fixtures.MakeNamespace("default"))
	return r
}

func mustCreate(t *testing.T, r *registry.Registry, k *api.Kind, ns string, obj api.Object) api.Object {
	t.Helper()
	out, err := r.Create(context.Background(), k, ns, obj, registry.CreateOptions{})
	if err != nil {
		t.Fatalf("create %s: %v", k.Kind, err)
	}
	return out
}

// reason is the Status reason of err ("" for nil).
func reason(err error) api.StatusReason {
	if err == nil {
		return ""
	}
	var se *registry.StatusError
	if !errors.As(err, &se) {
		return "not a StatusError: " + api.StatusReason(err.Error())
	}
	return se.Status.Reason
}

func TestCreateRules(t *testing.T) {
	tests := []struct {
		name string
		ns   string
		obj  func() api.Object
		want api.StatusReason
	}{
		{"namespace from request", "default", func() api.Object { return fixtures.MakePod().Name("a").Namespace("").Obj() }, ""},
		{"namespace mismatch", "other", func() api.Object { return fixtures.MakePod().Name("a").Obj() }, api.StatusReasonBadRequest},
		{"namespace missing", "nope", func() api.Object { return fixtures.MakePod().Name("a").Namespace("nope").Obj() }, api.StatusReasonNotFound},
		{"invalid object", "default", func() api.Object { return fixtures.MakePod().Name("Bad_Name").Obj() }, api.StatusReasonInvalid},
		{"missing priority class", "default", func() api.Object {
			p := fixtures.MakePod().Name("a").Obj()
			p.Spec.PriorityClassName = "gold"
			return p
		}, api.StatusReasonForbidden},
		{"wrong kind", "default", func() api.Object { return fixtures.MakeNamespace("x") }, api.StatusReasonBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newRegistry(t)
			_, err := r.Create(context.Background(), podKind, tc.ns, tc.obj(), registry.CreateOptions{})
			if got := reason(err); got != tc.want {
				t.Fatalf("reason = %q, want %q (err %v)", got, tc.want, err)
			}
		})
	}
}

func TestCreateSetsGenerationDefaultsAndKeepsInputUnchanged(t *testing.T) {
	r := newRegistry(t)
	in := fixtures.MakePod().Name("a").Obj()
	out := mustCreate(t, r, podKind, "default", in).(*api.Pod)
	if out.Generation != 1 || out.UID == "" || out.Spec.SchedulerName != api.DefaultSchedulerName {
		t.Fatalf("created pod: generation %d uid %q scheduler %q", out.Generation, out.UID, out.Spec.SchedulerName)
	}
	if out.Spec.Priority == nil || *out.Spec.Priority != 0 {
		t.Fatalf("priority = %v, want 0", out.Spec.Priority)
	}
	if in.Spec.SchedulerName != "" || in.UID != "" {
		t.Fatal("Create changed its input")
	}
}

func TestInvalidCarriesCauses(t *testing.T) {
	r := newRegistry(t)
	p := fixtures.MakePod().Name("a").Obj()
	p.Spec.Containers[0].Image = ""
	_, err := r.Create(context.Background(), podKind, "default", p, registry.CreateOptions{})
	st := registry.AsStatus(err)
	if st.Code != 422 || st.Details == nil || len(st.Details.Causes) == 0 {
		t.Fatalf("status = %+v", st)
	}
	if c := st.Details.Causes[0]; c.Field != "spec.containers[0].image" || c.Type != "FieldValueRequired" {
		t.Fatalf("cause = %+v", c)
	}
}

func TestPriorityFromClass(t *testing.T) {
	r := newRegistry(t)
	gold := fixtures.MakePriorityClass("gold", 1000)
	mustCreate(t, r, pcKind, "", gold)
	def := fixtures.MakePriorityClass("dflt", 7)
	def.GlobalDefault = true
	mustCreate(t, r, pcKind, "", def)
	p := fixtures.MakePod().Name("a").Obj()
	p.Spec.PriorityClassName = "gold"
	if got := *mustCreate(t, r, podKind, "default", p).(*api.Pod).Spec.Priority; got != 1000 {
		t.Fatalf("priority = %d, want 1000", got)
	}
	out := mustCreate(t, r, podKind, "default", fixtures.MakePod().Name("b").Obj()).(*api.Pod)
	if *out.Spec.Priority != 7 || out.Spec.PriorityClassName != "dflt" {
		t.Fatalf("global default: priority %d class %q", *out.Spec.Priority, out.Spec.PriorityClassName)
	}
}

func TestJobSelectorGenerated(t *testing.T) {
	r := newRegistry(t)
	j := fixtures.MakeJob("", 1, 1)
	j.GenerateName = "work-"
	out := mustCreate(t, r, jobKind, "default", j).(*api.Job)
	if out.Name == "" || out.Spec.Selector.MatchLabels[registry.JobNameLabel] != out.Name {
		t.Fatalf("selector %+v for job %q", out.Spec.Selector, out.Name)
	}
	if out.Spec.Template.Labels[registry.LegacyJobNameLabel] != out.Name {
		t.Fatalf("template labels %v", out.Spec.Template.Labels)
	}
}

// A restarted API server replays its seeded name draws; a drawn Job name
// that is already taken must be drawn again, not reported to the user.
func TestGeneratedJobNameRetriedAfterRestart(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := memory.New(memory.Options{Clock: c})
	t.Cleanup(func() { _ = s.Close() })
	first := registry.New(s, c)
	mustCreate(t, first, nsKind, "", fixtures.MakeNamespace("default"))
	j := fixtures.MakeJob("", 1, 1)
	j.GenerateName = "work-"
	a := mustCreate(t, first, jobKind, "default", j)
	restarted := registry.New(s, c)
	b := mustCreate(t, restarted, jobKind, "default", j)
	if a.GetObjectMeta().Name == b.GetObjectMeta().Name {
		t.Fatalf("both jobs named %q", a.GetObjectMeta().Name)
	}
}

func TestServiceClusterIP(t *testing.T) {
	r := newRegistry(t)
	a := mustCreate(t, r, svcKind, "default", fixtures.MakeService("a", 80, 8080)).(*api.Service)
	b := mustCreate(t, r, svcKind, "default", fixtures.MakeService("b", 80, 8080)).(*api.Service)
	if a.Spec.ClusterIP != "10.96.0.2" || b.Spec.ClusterIP != "10.96.0.3" {
		t.Fatalf("cluster IPs %q %q", a.Spec.ClusterIP, b.Spec.ClusterIP)
	}
	upd := fixtures.MakeService("a", 81, 8080)
	out, err := r.Update(context.Background(), svcKind, upd, registry.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if out.(*api.Service).Spec.ClusterIP != "10.96.0.2" {
		t.Fatalf("update lost the cluster IP: %q", out.(*api.Service).Spec.ClusterIP)
	}
	dup := fixtures.MakeService("c", 80, 80)
	dup.Spec.ClusterIP = "10.96.0.2"
	_, err = r.Create(context.Background(), svcKind, "default", dup, registry.CreateOptions{})
	if reason(err) != api.StatusReasonInvalid {
		t.Fatalf("duplicate IP: %v", err)
	}
}

func TestUpdateGenerationAndStatus(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	d := mustCreate(t, r, depKind, "default", fixtures.MakeDeployment("web").Obj()).(*api.Deployment)
	// A status update changes only the status.
	st := d.DeepCopyObject().(*api.Deployment)
	st.Status.Replicas = 3
	st.Labels = map[string]string{"ignored": "yes"}
	out, err := r.Update(ctx, depKind, st, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*api.Deployment)
	if got.Status.Replicas != 3 || got.Labels["ignored"] != "" || got.Generation != 1 {
		t.Fatalf("status update: %+v labels %v gen %d", got.Status, got.Labels, got.Generation)
	}
	// A main update keeps the status and bumps generation on spec change only.
	main := got.DeepCopyObject().(*api.Deployment)
	main.Status.Replicas = 0
	main.Labels = map[string]string{"tier": "web"}
	out, err = r.Update(ctx, depKind, main, registry.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got = out.(*api.Deployment)
	if got.Status.Replicas != 3 || got.Generation != 1 || got.Labels["tier"] != "web" {
		t.Fatalf("label-only update: replicas %d gen %d labels %v", got.Status.Replicas, got.Generation, got.Labels)
	}
	spec := got.DeepCopyObject().(*api.Deployment)
	n := int32(5)
	spec.Spec.Replicas = &n
	out, err = r.Update(ctx, depKind, spec, registry.UpdateOptions{})
	if err != nil || out.GetObjectMeta().Generation != 2 {
		t.Fatalf("spec update: gen %v err %v", out, err)
	}
	// Stale resourceVersion → Conflict with Kubernetes' message.
	_, err = r.Update(ctx, depKind, spec, registry.UpdateOptions{})
	if reason(err) != api.StatusReasonConflict {
		t.Fatalf("stale update: %v", err)
	}
	want := `Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again`
	if err.Error() != want {
		t.Fatalf("message %q", err.Error())
	}
}

func TestDryRunStoresNothing(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	if _, err := r.Create(ctx, podKind, "default", fixtures.MakePod().Name("a").Obj(), registry.CreateOptions{DryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Get(ctx, podKind, "default", "a"); reason(err) != api.StatusReasonNotFound {
		t.Fatalf("dry-run create stored the pod: %v", err)
	}
	mustCreate(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
	if _, gone, err := r.Delete(ctx, podKind, "default", "a", registry.DeleteOptions{DryRun: true}); err != nil || !gone {
		t.Fatalf("dry-run delete: gone %v err %v", gone, err)
	}
	if _, err := r.Get(ctx, podKind, "default", "a"); err != nil {
		t.Fatalf("dry-run delete removed the pod: %v", err)
	}
}

func TestNamespaceTermination(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	mustCreate(t, r, nsKind, "", fixtures.MakeNamespace("team"))
	obj, gone, err := r.Delete(ctx, nsKind, "", "team", registry.DeleteOptions{})
	if err != nil || gone {
		t.Fatalf("delete namespace: gone %v err %v", gone, err)
	}
	ns := obj.(*api.Namespace)
	if ns.Status.Phase != api.NamespaceTerminating || ns.DeletionTimestamp == nil {
		t.Fatalf("namespace after delete: phase %q deletion %v", ns.Status.Phase, ns.DeletionTimestamp)
	}
	_, err = r.Create(ctx, podKind, "team", fixtures.MakePod().Name("a").Namespace("team").Obj(), registry.CreateOptions{})
	if reason(err) != api.StatusReasonForbidden {
		t.Fatalf("create in terminating namespace: %v", err)
	}
}

func TestStoreErrorMapping(t *testing.T) {
	tests := []struct {
		err  error
		code int32
		want api.StatusReason
	}{
		{store.ErrNotFound, 404, api.StatusReasonNotFound},
		{store.ErrAlreadyExists, 409, api.StatusReasonAlreadyExists},
		{store.ErrConflict, 409, api.StatusReasonConflict},
		{store.ErrCompacted, 410, api.StatusReasonExpired},
		{store.ErrInvalid, 400, api.StatusReasonBadRequest},
		{errors.New("boom"), 500, api.StatusReasonInternalError},
	}
	for _, tc := range tests {
		st := registry.FromStoreError(podKind, "a", tc.err).Status
		if st.Code != tc.code || st.Reason != tc.want || st.Kind != "Status" || st.APIVersion != "v1" {
			t.Errorf("%v → %+v", tc.err, st)
		}
	}
}

func TestFieldSelectorSupport(t *testing.T) {
	r := newRegistry(t)
	fs, err := fields.Parse("spec.bogus=x")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.List(context.Background(), podKind, store.ListOptions{Fields: fs})
	if reason(err) != api.StatusReasonBadRequest || err.Error() != "field label not supported: spec.bogus" {
		t.Fatalf("unsupported field: %v", err)
	}
}

func TestServiceCIDRConfigurable(t *testing.T) {
	r := newRegistry(t)
	if err := r.SetServiceCIDR("10.0.0.0/29"); err != nil {
		t.Fatal(err)
	}
	if err := r.SetServiceCIDR("nonsense"); err == nil {
		t.Fatal("bad CIDR accepted")
	}
	var ips []string
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		out := mustCreate(t, r, svcKind, "default", fixtures.MakeService(name, 80, 80)).(*api.Service)
		ips = append(ips, out.Spec.ClusterIP)
	}
	if got := fmt.Sprint(ips); got != "[10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6]" {
		t.Fatalf("ips %s", got)
	}
	_, err := r.Create(context.Background(), svcKind, "default", fixtures.MakeService("f", 80, 80), registry.CreateOptions{})
	if reason(err) != api.StatusReasonInternalError {
		t.Fatalf("full range: %v", err)
	}
}

func TestDeletePropagationPolicy(t *testing.T) {
	for _, c := range []struct {
		policy string
		want   []string // nil: the pod is gone
	}{
		{"", nil},
		{registry.PropagationBackground, nil},
		{registry.PropagationOrphan, []string{store.FinalizerOrphan}},
		{registry.PropagationForeground, []string{store.FinalizerForeground}},
	} {
		t.Run("policy "+c.policy, func(t *testing.T) {
			r := newRegistry(t)
			ctx := context.Background()
			mustCreate(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
			opts := registry.DeleteOptions{PropagationPolicy: c.policy}
			opts.DryRun = true
			dry, dryGone, err := r.Delete(ctx, podKind, "default", "a", opts)
			if err != nil {
				t.Fatalf("dry-run delete: %v", err)
			}
			opts.DryRun = false
			obj, gone, err := r.Delete(ctx, podKind, "default", "a", opts)
			if err != nil {
				t.Fatalf("delete: %v", err)
			}
			if gone != (c.want == nil) || dryGone != gone {
				t.Fatalf("gone %v (dry run %v), want %v", gone, dryGone, c.want == nil)
			}
			if gone {
				return
			}
			for what, o := range map[string]api.Object{"dry run": dry, "delete": obj} {
				if m := o.GetObjectMeta(); m.DeletionTimestamp == nil || !slices.Equal(m.Finalizers, c.want) {
					t.Fatalf("%s: deletionTimestamp %v finalizers %v, want marked with %v", what, m.DeletionTimestamp, m.Finalizers, c.want)
				}
			}
		})
	}
}

func TestDeletePolicySwitches(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	mustCreate(t, r, podKind, "default", fixtures.MakePod().Name("a").Obj())
	for _, c := range []struct{ policy, want string }{
		{registry.PropagationOrphan, store.FinalizerOrphan},
		{registry.PropagationForeground, store.FinalizerForeground},
		{registry.PropagationBackground, store.FinalizerForeground}, // background adds nothing
	} {
		obj, gone, err := r.Delete(ctx, podKind, "default", "a", registry.DeleteOptions{PropagationPolicy: c.policy})
		if err != nil {
			t.Fatalf("delete %s: %v", c.policy, err)
		}
		if f := obj.GetObjectMeta().Finalizers; gone || !slices.Equal(f, []string{c.want}) {
			t.Fatalf("delete %s: gone %v finalizers %v, want [%s]", c.policy, gone, f, c.want)
		}
	}
}

func TestNamespaceDeleteIgnoresPropagationPolicy(t *testing.T) {
	r := newRegistry(t)
	mustCreate(t, r, nsKind, "", fixtures.MakeNamespace("team"))
	obj, _, err := r.Delete(context.Background(), nsKind, "", "team", registry.DeleteOptions{PropagationPolicy: registry.PropagationOrphan})
	if err != nil {
		t.Fatal(err)
	}
	if f := obj.GetObjectMeta().Finalizers; slices.Contains(f, store.FinalizerOrphan) {
		t.Fatalf("namespace finalizers %v: the orphan policy was applied", f)
	}
}

// TestStatusUpdateIsValidated: a status write checks only the status (the
// rest is the stored object's), but it does check it, and keeps the
// generation.
func TestStatusUpdateIsValidated(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	nodeKind, _ := api.LookupKind("v1", "Node")
	n := mustCreate(t, r, nodeKind, "", fixtures.MakeNode().Name("n1").Capacity(api.ResourceCPU, "4").Obj()).(*api.Node)
	good := n.DeepCopyObject().(*api.Node)
	good.Status.Conditions[0].Status = api.ConditionFalse
	out, err := r.Update(ctx, nodeKind, good, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
	if err != nil || out.GetObjectMeta().Generation != n.Generation {
		t.Fatalf("a valid status write: %v, generation %d want %d", err, out.GetObjectMeta().Generation, n.Generation)
	}
	bad := out.DeepCopyObject().(*api.Node)
	bad.Status.Capacity[api.ResourceCPU] = resource.MustParse("-1")
	if _, err := r.Update(ctx, nodeKind, bad, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); reason(err) != api.StatusReasonInvalid {
		t.Fatalf("a negative capacity through the status: %v, want Invalid", err)
	}
}
