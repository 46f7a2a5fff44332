package etcd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/store"
)

// startCluster starts members on loopback ports, concurrently (each waits
// for a quorum), and stops them when the test ends.
func startCluster(t *testing.T, n int) []*Embedded {
	t.Helper()
	cfgs := make([]EmbeddedConfig, n)
	peers := make([]string, n)
	for i := range cfgs {
		client, err1 := FreeLoopbackURL()
		peer, err2 := FreeLoopbackURL()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		cfgs[i] = EmbeddedConfig{Name: fmt.Sprintf("m%d", i), DataDir: t.TempDir(),
			ClientURL: client, PeerURL: peer, ReadyTimeout: 30 * time.Second}
		peers[i] = cfgs[i].Name + "=" + peer
	}
	members := make([]*Embedded, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range cfgs {
		cfgs[i].InitialCluster = strings.Join(peers, ",")
		wg.Go(func() { members[i], errs[i] = StartEmbedded(cfgs[i]) })
	}
	wg.Wait()
	for _, m := range members {
		if m != nil {
			t.Cleanup(m.Close)
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	return members
}

// leaderOf finds which of the members leads, asking the given store's client.
func leaderOf(t *testing.T, s *Store, members []*Embedded) int {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for time.Now().Before(deadline) {
		for i, m := range members {
			if m == nil {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			st, err := s.client.Status(ctx, m.Endpoints()[0])
			cancel()
			if err == nil && st.Leader != 0 && st.Leader == st.Header.MemberId {
				return i
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no leader among the running members within %v", testTimeout)
	return -1
}

// TestClusterSurvivesLosingTheLeader writes through a store connected to
// three members, stops the leader, and checks that writes, reads and a
// running watch go on with the other two.
func TestClusterSurvivesLosingTheLeader(t *testing.T) {
	members := startCluster(t, 3)
	var endpoints []string
	for _, m := range members {
		endpoints = append(endpoints, m.Endpoints()...)
	}
	s := openStore(t, endpoints, Options{})
	podKind := mustKind(t, &api.Pod{})
	for i := range 5 {
		create(t, s, testPod("default", fmt.Sprintf("before-%d", i)))
	}
	w, err := s.Watch(context.Background(), podKind, store.WatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	lead := leaderOf(t, s, members)
	stopped := members[lead]
	stopped.Close()
	members[lead] = nil
	if err := os.RemoveAll(stopped.Config().DataDir); err != nil {
		t.Fatal(err)
	}
	leaderOf(t, s, members) // a new leader is elected

	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	var want []string
	for i := range 5 {
		p := create(t, s, testPod("default", fmt.Sprintf("after-%d", i)))
		want = append(want, "ADDED default/after-"+fmt.Sprint(i)+"@"+p.GetObjectMeta().ResourceVersion)
	}
	up := testPod("default", "before-0")
	up.Labels = map[string]string{"after": "stop"}
	updated, err := s.Update(ctx, up)
	if err != nil {
		t.Fatalf("update after losing the leader: %v", err)
	}
	want = append(want, "MODIFIED default/before-0@"+updated.GetObjectMeta().ResourceVersion)
	gone, _, err := s.Delete(ctx, podKind, "default", "before-1", store.DeleteOptions{})
	if err != nil {
		t.Fatalf("delete after losing the leader: %v", err)
	}
	want = append(want, "DELETED default/before-1@"+gone.GetObjectMeta().ResourceVersion)

	for _, wantEv := range want {
		ev, ok := nextEvent(t, w)
		if !ok || ev.Object == nil {
			t.Fatalf("watch ended or failed (%v) waiting for %s", ev.Err, wantEv)
		}
		got := fmt.Sprintf("%s %s@%d", ev.Type, ev.Object.GetObjectMeta().Key(), ev.Revision)
		if got != wantEv {
			t.Fatalf("watch event %s, want %s", got, wantEv)
		}
	}
	res, err := s.List(ctx, podKind, store.ListOptions{})
	if err != nil || len(res.Items) != 9 {
		t.Fatalf("list with one member gone: %v, %d items, want 9", err, len(res.Items))
	}
	if got, err := s.Get(ctx, podKind, "default", "before-0"); err != nil || got.GetObjectMeta().Labels["after"] != "stop" {
		t.Fatalf("get with one member gone: %v", err)
	}
}

// TestRestartRecoversEveryWrite writes, updates and deletes through a
// single member, restarts it on the same data directory, and checks that
// every acknowledged state is there at its resourceVersion.
func TestRestartRecoversEveryWrite(t *testing.T) {
	srv, err := StartEmbedded(EmbeddedConfig{Name: "restart", DataDir: t.TempDir(), ReadyTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config()
	opts := Options{Prefix: uniquePrefix()}
	s := openStore(t, srv.Endpoints(), opts)
	acked, lastRev := writeHistory(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	srv.Close()

	srv, err = StartEmbedded(cfg)
	if err != nil {
		t.Fatalf("restart on %s: %v", cfg.DataDir, err)
	}
	t.Cleanup(srv.Close)
	s = openStore(t, srv.Endpoints(), opts)
	checkRecovered(t, s, acked)
	rev, err := s.Revision(context.Background())
	if err != nil || rev < lastRev {
		t.Fatalf("revision after restart %d (%v), before %d", rev, err, lastRev)
	}
	p := create(t, s, testPod("default", "new"))
	if rv, _ := store.ParseResourceVersion(p.GetObjectMeta().ResourceVersion); rv <= lastRev {
		t.Fatalf("a write after restart got revision %d, not after %d", rv, lastRev)
	}
}

// writeHistory creates pods, updates and deletes some (one by removing
// its finalizer), and returns each pod's last acknowledged state (nil:
// deleted) and the last revision.
func writeHistory(t *testing.T, s *Store) (map[string]api.Object, int64) {
	t.Helper()
	ctx := context.Background()
	podKind := mustKind(t, &api.Pod{})
	acked := map[string]api.Object{}
	var last api.Object
	for i := range 60 {
		p := testPod("default", fmt.Sprintf("p%02d", i))
		if i == 0 {
			p.Finalizers = []string{"kubetwin.io/test"}
		}
		last = create(t, s, p)
		acked[p.Name] = last
	}
	for i := 0; i < 60; i += 3 {
		up := acked[fmt.Sprintf("p%02d", i)].DeepCopyObject()
		up.GetObjectMeta().Labels = map[string]string{"round": "2"}
		var err error
		if last, err = s.Update(ctx, up); err != nil {
			t.Fatal(err)
		}
		acked[up.GetObjectMeta().Name] = last
	}
	for i := 0; i < 60; i += 5 {
		name := fmt.Sprintf("p%02d", i)
		out, gone, err := s.Delete(ctx, podKind, "default", name, store.DeleteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if acked[name], last = out, out; gone {
			acked[name] = nil
		}
	}
	final := acked["p00"].DeepCopyObject() // marked for deletion; its finalizer goes now
	final.GetObjectMeta().Finalizers = nil
	var err error
	if last, err = s.Update(ctx, final); err != nil {
		t.Fatal(err)
	}
	acked["p00"] = nil
	rev, err := store.ParseResourceVersion(last.GetObjectMeta().ResourceVersion)
	if err != nil {
		t.Fatal(err)
	}
	return acked, rev
}

func checkRecovered(t *testing.T, s *Store, acked map[string]api.Object) {
	t.Helper()
	ctx := context.Background()
	podKind := mustKind(t, &api.Pod{})
	live := 0
	for name, want := range acked {
		got, err := s.Get(ctx, podKind, "default", name)
		if want == nil {
			expectIs(t, "get of deleted "+name, err, store.ErrNotFound)
			continue
		}
		live++
		if err != nil {
			t.Fatalf("%s lost in the restart: %v", name, err)
		}
		gm, wm := got.GetObjectMeta(), want.GetObjectMeta()
		if gm.ResourceVersion != wm.ResourceVersion || gm.UID != wm.UID || gm.Labels["round"] != wm.Labels["round"] {
			t.Fatalf("%s after restart: rv %s uid %s labels %v; acknowledged rv %s uid %s labels %v",
				name, gm.ResourceVersion, gm.UID, gm.Labels, wm.ResourceVersion, wm.UID, wm.Labels)
		}
	}
	res, err := s.List(ctx, podKind, store.ListOptions{})
	if err != nil || len(res.Items) != live {
		t.Fatalf("list after restart: %v, %d items, want %d", err, len(res.Items), live)
	}
}
