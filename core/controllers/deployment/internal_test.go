package deployment

import (
	"slices"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/controllers"
	"github.com/kubetwin/kubetwin/core/controllers/controllertest"
)

func TestComputeHashIsStableSafeAndCollisionAware(t *testing.T) {
	d := fixtures.MakeDeployment("web").Obj()
	h1 := ComputeHash(&d.Spec.Template, nil)
	if h1 != ComputeHash(d.Spec.Template.DeepCopy(), nil) {
		t.Fatalf("hash of an equal template differs")
	}
	for _, r := range h1 {
		if !strings.ContainsRune(safeChars, r) {
			t.Fatalf("hash %q has unsafe character %q", h1, r)
		}
	}
	zero, one := int32(0), int32(1)
	if ComputeHash(&d.Spec.Template, &zero) == ComputeHash(&d.Spec.Template, &one) {
		t.Fatalf("collision count does not change the hash")
	}
	other := d.Spec.Template.DeepCopy()
	other.Spec.Containers[0].Image = "busybox:2"
	if ComputeHash(other, nil) == h1 {
		t.Fatalf("a different template has the same hash")
	}
	labelled := d.Spec.Template.DeepCopy()
	labelled.Labels = map[string]string{"app": "web", api.DefaultDeploymentUniqueLabelKey: h1}
	if !equalIgnoreHash(labelled, &d.Spec.Template) || equalIgnoreHash(other, &d.Spec.Template) {
		t.Fatalf("equalIgnoreHash wrong")
	}
}

func TestFenceposts(t *testing.T) {
	for _, tt := range []struct {
		replicas             int32
		surge, unavailable   api.IntOrString
		wantSurge, wantUnavl int32
	}{
		{10, api.FromString("25%"), api.FromString("25%"), 3, 2},
		{4, api.FromInt(1), api.FromInt(0), 1, 0},
		{3, api.FromInt(0), api.FromInt(0), 0, 1}, // both zero: maxUnavailable forced to 1
		{1, api.FromString("10%"), api.FromString("10%"), 1, 0},
		{0, api.FromInt(0), api.FromInt(0), 0, 0},
	} {
		d := fixtures.MakeDeployment("web").Replicas(tt.replicas).RollingUpdate(tt.surge, tt.unavailable).Obj()
		s, u := fenceposts(d)
		if s != tt.wantSurge || u != tt.wantUnavl {
			t.Errorf("replicas %d surge %v unavailable %v: got %d/%d, want %d/%d", tt.replicas,
				tt.surge, tt.unavailable, s, u, tt.wantSurge, tt.wantUnavl)
		}
	}
	if s, u := fenceposts(fixtures.MakeDeployment("web").Replicas(5).Recreate().Obj()); s != 0 || u != 0 {
		t.Errorf("recreate fenceposts %d/%d", s, u)
	}
}

func TestProportionalSizes(t *testing.T) {
	rs := func(uid string, size int32, maxReplicas string) *api.ReplicaSet {
		r := fixtures.MakeReplicaSet(uid).Replicas(size).Obj()
		r.UID = uid
		r.Annotations = map[string]string{MaxReplicasAnnotation: maxReplicas}
		return r
	}
	for _, tt := range []struct {
		name        string
		replicas    int32
		old, newRS  int32
		wantOld, wn int32
	}{
		{"up 10 to 15", 15, 8, 5, 11, 7},
		{"down 10 to 5", 5, 8, 5, 5, 3}, // 8·8/13 ≈ 4.9 and 5·8/13 ≈ 3.1
		{"to zero", 0, 8, 5, 0, 0},
	} {
		d := fixtures.MakeDeployment("web").Replicas(tt.replicas).
			RollingUpdate(api.FromInt(3), api.FromInt(2)).Obj()
		sizes := proportionalSizes(d, []*api.ReplicaSet{rs("old", tt.old, "13"), rs("new", tt.newRS, "13")})
		if sizes["old"] != tt.wantOld || sizes["new"] != tt.wn {
			t.Errorf("%s: old %d new %d, want %d %d", tt.name, sizes["old"], sizes["new"], tt.wantOld, tt.wn)
		}
	}
}

func TestWatchMapping(t *testing.T) {
	e := controllertest.New(t)
	c := New(e.Reg, e.Caches, e.Clock)
	d := e.Create(DeploymentKind, fixtures.MakeDeployment("web").Recreate().Obj()).(*api.Deployment)
	owned := e.Create(controllers.ReplicaSetKind, fixtures.MakeReplicaSet("web-1").OwnedBy("Deployment", "web", d.UID).Obj())
	orphan := fixtures.MakeReplicaSet("loose").Obj()
	orphan.Labels = map[string]string{"app": "web"}
	e.Sync()
	want := []controllers.Key{{Namespace: "default", Name: "web"}}
	pod := fixtures.MakePod().Name("p").Label("app", "web").OwnedBy("ReplicaSet", "web-1", owned.GetObjectMeta().UID).Obj()
	for name, got := range map[string][]controllers.Key{
		"owned rs":      c.mapReplicaSet(owned),
		"orphan rs":     c.mapReplicaSet(orphan),
		"recreate pod":  c.mapPod(pod),
		"unrelated pod": c.mapPod(fixtures.MakePod().Name("q").Obj()),
	} {
		wantHere := want
		if name == "unrelated pod" {
			wantHere = nil
		}
		if !slices.Equal(got, wantHere) {
			t.Errorf("%s maps to %v, want %v", name, got, wantHere)
		}
	}
}
