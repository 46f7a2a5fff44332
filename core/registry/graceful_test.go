package registry_test

import (
	"context"
	"testing"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fixtures"
	"github.com/kubetwin/kubetwin/core/registry"
)

// With GracefulPodDeletion a running bound pod is only marked, for its
// own grace period; an unbound or finished one, or a delete with period 0,
// removes it at once.
func TestGracefulPodDeletion(t *testing.T) {
	ctx := context.Background()
	r := newRegistry(t)
	r.GracefulPodDeletion = true
	grace := int64(7)
	running := fixtures.MakePod().Name("running").Namespace("default").Node("n1").Obj()
	running.Spec.TerminationGracePeriodSeconds = &grace
	done := fixtures.MakePod().Name("done").Namespace("default").Node("n1").Obj()
	pending := fixtures.MakePod().Name("pending").Namespace("default").Obj()
	for _, p := range []*api.Pod{running, done, pending} {
		mustCreate(t, r, podKind, "default", p)
	}
	finished, _ := r.Get(ctx, podKind, "default", "done")
	fp := finished.(*api.Pod).DeepCopy()
	fp.Status.Phase = api.PodSucceeded
	if _, err := r.Update(ctx, podKind, fp, registry.UpdateOptions{Subresource: registry.SubresourceStatus}); err != nil {
		t.Fatal(err)
	}
	for name, wantGone := range map[string]bool{"running": false, "done": true, "pending": true} {
		obj, gone, err := r.Delete(ctx, podKind, "default", name, registry.DeleteOptions{})
		if err != nil || gone != wantGone {
			t.Fatalf("delete %s: gone %v err %v, want gone %v", name, gone, err, wantGone)
		}
		if !gone {
			m := obj.GetObjectMeta()
			if m.DeletionTimestamp == nil || m.DeletionGracePeriodSeconds == nil || *m.DeletionGracePeriodSeconds != grace {
				t.Fatalf("%s marked with %v / %v, want a %ds grace period", name, m.DeletionTimestamp, m.DeletionGracePeriodSeconds, grace)
			}
		}
	}
	zero := int64(0)
	confirm := registry.DeleteOptions{}
	confirm.GracePeriodSeconds = &zero
	if _, gone, err := r.Delete(ctx, podKind, "default", "running", confirm); err != nil || !gone {
		t.Fatalf("confirming delete: gone %v err %v", gone, err)
	}
}
