package agent

import (
	"context"
	"fmt"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/real/containers"
)

// found is a container an earlier run of the agent left behind.
type found struct {
	id      string
	attempt int
	state   containers.State
}

// scan reads the containers already in the agent's namespace, by pod UID
// and container name, so workers adopt them instead of starting twins.
func (a *Agent) scan(ctx context.Context) (map[string]map[string][]found, error) {
	ids, err := a.cfg.Runtime.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("scan containers: %w", err)
	}
	out := map[string]map[string][]found{}
	for _, id := range ids {
		st, err := a.cfg.Runtime.Status(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("scan containers: %w", err)
		}
		uid, name := st.Labels[LabelPodUID], st.Labels[LabelContainer]
		attempt, err := strconv.Atoi(st.Labels[LabelAttempt])
		if uid == "" || name == "" || err != nil {
			continue // not ours: cleanOrphans removes it
		}
		if out[uid] == nil {
			out[uid] = map[string][]found{}
		}
		out[uid][name] = append(out[uid][name], found{id: id, attempt: attempt, state: st})
		a.byID[id] = uid
	}
	return out, nil
}

// adopt takes over the latest attempt of each container a previous run
// started for this pod.
func (w *worker) adopt(prev map[string][]found) {
	for _, c := range w.all() {
		var latest *found
		for i, f := range prev[c.spec.Name] {
			if f.id == c.containerID(f.attempt) && (latest == nil || f.attempt > latest.attempt) {
				latest = &prev[c.spec.Name][i]
			}
		}
		if latest == nil {
			continue
		}
		c.attempts, c.id, c.waiting = latest.attempt+1, latest.id, ""
		c.startedAt = latest.state.StartedAt
		c.running = true // refresh reads whether it still runs
		c.backoff = backoffInitial
	}
}

// cleanOrphans removes the containers and network namespaces of pods that
// are no longer bound here: they were deleted while the agent was down.
// Pods keep arriving while it runs, so it lists the containers and
// namespaces first and reads the live pods after: a worker starts (and
// attaches) only for a pod already in the cache, so whatever the lists
// hold belongs to a pod the later read sees, unless that pod is gone.
func (a *Agent) cleanOrphans(ctx context.Context) error {
	ids, err := a.cfg.Runtime.List(ctx)
	if err != nil {
		return err
	}
	uids, err := a.cfg.Network.Attached()
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, o := range a.pods.List("", nil) {
		live[o.(*api.Pod).UID] = true
	}
	for _, id := range ids {
		st, err := a.cfg.Runtime.Status(ctx, id)
		if err == nil && live[st.Labels[LabelPodUID]] {
			continue
		}
		if err := a.cfg.Runtime.Stop(ctx, id, 0); err != nil {
			a.cfg.Logf("orphan %s: %v", id, err)
		}
		if err := a.cfg.Runtime.Remove(ctx, id); err != nil {
			return fmt.Errorf("remove orphan %s: %w", id, err)
		}
	}
	for _, uid := range uids {
		if !live[uid] {
			if err := a.cfg.Network.Detach(uid); err != nil {
				return fmt.Errorf("detach orphan %s: %w", uid, err)
			}
		}
	}
	return nil
}
