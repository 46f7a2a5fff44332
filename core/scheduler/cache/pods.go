package cache

import (
	"fmt"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// AssumePod accounts a pod on the node the scheduler chose (spec.nodeName
// set) before the binding is confirmed, so the next cycle sees the capacity taken.
func (c *Cache) AssumePod(pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := framework.PodKey(pod)
	if _, ok := c.pods[key]; ok {
		return fmt.Errorf("assume pod %s: %w", key, ErrAlreadyKnown)
	}
	c.pods[key] = &podState{pod: pod, assumed: true}
	c.placeLocked(pod)
	return nil
}

// FinishBinding records that the bind call returned; the pod stays assumed
// until the driver reports it added. A pod no longer assumed is fine: on
// a real control plane the watch may confirm (or even delete) the bound
// pod before the bind call returns, as kube-scheduler's cache allows.
func (c *Cache) FinishBinding(pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[framework.PodKey(pod)]; ok && ps.assumed {
		ps.bindingFinished = true
	}
	return nil
}

// ForgetPod undoes AssumePod after a failed Permit or bind.
func (c *Cache) ForgetPod(pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := framework.PodKey(pod)
	ps, ok := c.pods[key]
	if !ok || !ps.assumed {
		return fmt.Errorf("forget pod %s: %w", key, ErrNotAssumed)
	}
	c.unplaceLocked(ps.pod)
	delete(c.pods, key)
	return nil
}

// AddPod records a bound pod; an assumed pod is confirmed (and moved if it
// landed elsewhere).
func (c *Cache) AddPod(pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := framework.PodKey(pod)
	if ps, ok := c.pods[key]; ok {
		if !ps.assumed {
			return fmt.Errorf("add pod %s: %w", key, ErrAlreadyKnown)
		}
		c.unplaceLocked(ps.pod)
	}
	c.pods[key] = &podState{pod: pod}
	c.placeLocked(pod)
	return nil
}

// UpdatePod replaces a bound pod's object (its requests may have changed).
func (c *Cache) UpdatePod(old, pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := framework.PodKey(old)
	ps, ok := c.pods[key]
	if !ok {
		return fmt.Errorf("update pod %s: not in cache", key)
	}
	c.unplaceLocked(ps.pod)
	delete(c.pods, key)
	c.pods[framework.PodKey(pod)] = &podState{pod: pod}
	c.placeLocked(pod)
	return nil
}

// RemovePod forgets a deleted pod, assumed or bound.
func (c *Cache) RemovePod(pod *api.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := framework.PodKey(pod)
	ps, ok := c.pods[key]
	if !ok {
		return fmt.Errorf("remove pod %s: not in cache", key)
	}
	c.unplaceLocked(ps.pod)
	delete(c.pods, key)
	return nil
}

// IsAssumed reports whether a pod is assumed but not yet confirmed.
func (c *Cache) IsAssumed(pod *api.Pod) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[framework.PodKey(pod)]
	return ok && ps.assumed
}

// PodCount returns how many pods (bound and assumed) the cache holds.
func (c *Cache) PodCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pods)
}
