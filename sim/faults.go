package sim

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/controllers"
)

var _ Nodes = (*fleet)(nil)

// node finds a simulated node by name.
func (f *fleet) node(name string) (*simNode, error) {
	n := f.byName[name]
	if n == nil {
		return nil, fmt.Errorf("sim: no node %s", name)
	}
	return n, nil
}

// Crash implements Nodes.
func (f *fleet) Crash(name string) error { return f.with(name, f.crash) }

// Partition implements Nodes.
func (f *fleet) Partition(name string) error { return f.with(name, f.partition) }

// Recover implements Nodes.
func (f *fleet) Recover(name string) error { return f.with(name, f.recover) }

// SlowDown implements Nodes.
func (f *fleet) SlowDown(name string, factor float64) error {
	return f.with(name, func(n *simNode) { n.slow = factor })
}

func (f *fleet) with(name string, fn func(*simNode)) error {
	n, err := f.node(name)
	if err != nil {
		return err
	}
	fn(n)
	return nil
}

// crash stops a node: its heartbeat and every pod on it. The pods' objects
// stay as they were, as after a real power loss, until the node lifecycle
// controller notices.
func (f *fleet) crash(n *simNode) {
	n.state = nodeDown
	n.renew.Stop()
	for _, uid := range sortedKeys(n.pods) {
		sp := n.pods[uid]
		sp.gen++
		f.ended(sp)
		delete(f.pods, uid)
	}
	clear(n.pods)
}

// partition cuts a node off from the control plane: its lease stops and
// it neither sees changes nor reports them, but its pods run on.
func (f *fleet) partition(n *simNode) {
	n.state = nodePartitioned
	n.renew.Stop()
}

// recover brings a crashed or partitioned node back: it heartbeats and
// posts Ready again, then catches up with the pods bound to it, as a
// kubelet does after a restart or a network heal (a crashed node restarts
// their containers; a partitioned one reports what it held back).
func (f *fleet) recover(n *simNode) {
	n.state = nodeUp
	f.renewLease(n)
	f.markReady(n)
	bound := map[string]bool{}
	for _, o := range f.podsOn.ByIndex(controllers.PodNodeIndex, n.name) {
		pod := o.(*api.Pod)
		bound[string(pod.UID)] = true
		sp := f.pods[string(pod.UID)]
		f.sync(n, pod)
		if sp != nil && sp.state != podTerminating && sp.state != podCreating && statusDiffers(sp, pod) {
			f.writeStatus(sp) // what it held back, or what the control plane marked meanwhile
		}
	}
	for _, uid := range sortedKeys(n.pods) {
		if !bound[uid] {
			f.forget(n.pods[uid].pod) // deleted while the node was away
		}
	}
}

// statusDiffers reports whether the stored pod says something other than
// the node knows: a held-back change, or Ready=False set by the node
// lifecycle controller while the node was away.
func statusDiffers(sp *simPod, pod *api.Pod) bool {
	return sp.dirty || podReady(pod) != (sp.ready && sp.state == podRunning) || pod.Status.Phase != sp.phase()
}

// onNode posts Ready again, after a renewal period, when the control plane
// has marked an up node otherwise, as a kubelet's next status update does:
// a lease renewal that reached a busy API server too late must not leave a
// healthy node Unknown for good. (Renewals on the simulator's clock are
// never late, so there this only follows a fault's recovery.)
func (f *fleet) onNode(_, cur api.Object) {
	if cur == nil {
		return
	}
	node := cur.(*api.Node)
	n := f.byName[node.Name]
	if n == nil || n.state != nodeUp || n.reposting || nodeReady(node) == api.ConditionTrue {
		return
	}
	n.reposting = true
	f.eng.Schedule(f.leaseEvery, func() {
		n.reposting = false
		if n.state == nodeUp {
			f.renewLease(n)
			f.markReady(n)
		}
	})
}
