package controllers

import (
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/controllers/workqueue"
)

func TestChangedFilters(t *testing.T) {
	t0 := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	yes := true
	base := func() *api.Pod {
		p := &api.Pod{}
		p.Name, p.Namespace, p.UID = "p", "default", "u1"
		p.Labels = map[string]string{"app": "web"}
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "r1", Controller: &yes}}
		p.Status.Phase = api.PodPending
		return p
	}
	cases := []struct {
		name                 string
		edit                 func(p *api.Pod)
		meta, count, address bool
	}{
		{"nothing", func(p *api.Pod) {}, false, false, false},
		{"bound", func(p *api.Pod) { p.Spec.NodeName = "n1" }, false, false, true},
		{"IP", func(p *api.Pod) { p.Status.PodIP = "10.0.0.2" }, false, false, true},
		{"restarts", func(p *api.Pod) { p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", RestartCount: 1}} }, false, false, false},
		{"annotation", func(p *api.Pod) { p.Annotations = map[string]string{"a": "b"} }, false, false, false},
		{"running", func(p *api.Pod) { p.Status.Phase = api.PodRunning }, false, false, true},
		{"failed", func(p *api.Pod) { p.Status.Phase = api.PodFailed }, false, true, true},
		{"ready", func(p *api.Pod) {
			p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: t0}}
		}, false, true, true},
		{"label", func(p *api.Pod) { p.Labels["app"] = "db" }, true, true, true},
		{"released", func(p *api.Pod) { p.OwnerReferences = nil }, true, true, true},
		{"controller flag", func(p *api.Pod) { no := false; p.OwnerReferences[0].Controller = &no }, true, true, true},
		{"finalizer", func(p *api.Pod) { p.Finalizers = []string{"f"} }, true, true, true},
		{"deleting", func(p *api.Pod) { p.DeletionTimestamp = &t0 }, true, true, true},
		{"replaced", func(p *api.Pod) { p.UID = "u2" }, true, true, true},
	}
	for _, c := range cases {
		old, cur := base(), base()
		c.edit(cur)
		if got := MetaChanged(old, cur); got != c.meta {
			t.Errorf("%s: MetaChanged %v, want %v", c.name, got, c.meta)
		}
		if got := PodCountChanged(old, cur); got != c.count {
			t.Errorf("%s: PodCountChanged %v, want %v", c.name, got, c.count)
		}
		if got := PodAddressChanged(old, cur); got != c.address {
			t.Errorf("%s: PodAddressChanged %v, want %v", c.name, got, c.address)
		}
	}
}

func TestSpecChanged(t *testing.T) {
	old := &api.ReplicaSet{}
	old.Name, old.Generation = "rs", 2
	cases := []struct {
		name string
		edit func(rs *api.ReplicaSet)
		want bool
	}{
		{"status", func(rs *api.ReplicaSet) { rs.Status.ReadyReplicas = 3 }, false},
		{"generation", func(rs *api.ReplicaSet) { rs.Generation = 3 }, true},
		{"annotation", func(rs *api.ReplicaSet) { rs.Annotations = map[string]string{"a": "b"} }, true},
		{"label", func(rs *api.ReplicaSet) { rs.Labels = map[string]string{"a": "b"} }, true},
	}
	for _, c := range cases {
		cur := old.DeepCopyObject().(*api.ReplicaSet)
		c.edit(cur)
		if got := SpecChanged(old, cur); got != c.want {
			t.Errorf("%s: SpecChanged %v, want %v", c.name, got, c.want)
		}
	}
}

// TestEnqueuerFiltersUpdatesOnly: an update the watch's filter rejects
// queues nothing; adds and deletes always queue.
func TestEnqueuerFiltersUpdatesOnly(t *testing.T) {
	q := workqueue.New[Key](clock.NewManual(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	h := Enqueuer(q, Watch{Kind: PodKind, MapFunc: OwnKey, Changed: func(_, _ api.Object) bool { return false }})
	p := &api.Pod{}
	p.Name, p.Namespace = "p", "default"
	h(p, p.DeepCopyObject())
	if n := q.Len(); n != 0 {
		t.Fatalf("a filtered update queued %d keys", n)
	}
	h(nil, p)
	h(p, nil)
	if n := q.Len(); n != 1 {
		t.Fatalf("add and delete queued %d distinct keys, want 1", n)
	}
}
