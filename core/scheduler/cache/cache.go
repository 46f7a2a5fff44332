// Package cache keeps the scheduler's view of nodes and the pods on them,
// including pods it has assumed onto nodes but not yet seen bound, and
// produces cheap immutable snapshots of that view for each scheduling cycle.
package cache

import (
	"container/list"
	"errors"
	"fmt"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// ErrNotAssumed is returned when finishing or forgetting a pod the cache never assumed.
var ErrNotAssumed = errors.New("pod is not assumed")

// ErrAlreadyKnown is returned when assuming or adding a pod the cache already holds.
var ErrAlreadyKnown = errors.New("pod already in cache")

// ErrUnknownNode is returned when removing a node the cache does not hold.
var ErrUnknownNode = errors.New("node not in cache")

// podState is where the cache put a pod, and whether it is only assumed.
type podState struct {
	pod             *api.Pod
	assumed         bool
	bindingFinished bool
}

// Cache is the scheduler's node and pod accounting; it is safe for use by
// informer goroutines and the scheduling loop at once.
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*framework.NodeInfo
	// recent lists node names, most recently changed first, so a snapshot
	// finds the nodes changed since its generation without scanning them all.
	recent     *list.List
	elems      map[string]*list.Element
	pods       map[string]*podState
	generation int64
	// nodeSetVersion changes whenever a node appears or disappears, so a
	// snapshot knows when to rebuild its sorted list.
	nodeSetVersion int64
}

// New returns an empty cache.
func New() *Cache {
	return &Cache{nodes: map[string]*framework.NodeInfo{}, pods: map[string]*podState{},
		recent: list.New(), elems: map[string]*list.Element{}}
}

// touch bumps a node's generation and moves it to the front of the recency
// list so the next snapshot copies it.
func (c *Cache) touch(name string, ni *framework.NodeInfo) {
	c.generation++
	ni.Generation = c.generation
	if e, ok := c.elems[name]; ok {
		c.recent.MoveToFront(e)
		return
	}
	c.elems[name] = c.recent.PushFront(name)
}

// dropLocked forgets a node info entirely.
func (c *Cache) dropLocked(name string) {
	delete(c.nodes, name)
	if e, ok := c.elems[name]; ok {
		c.recent.Remove(e)
		delete(c.elems, name)
	}
	c.nodeSetVersion++
}

// nodeInfo returns the info for name, creating it (without a node) when
// pods arrive before their node.
func (c *Cache) nodeInfo(name string) *framework.NodeInfo {
	ni, ok := c.nodes[name]
	if !ok {
		ni = framework.NewNodeInfo(nil)
		c.nodes[name] = ni
	}
	return ni
}

// AddNode starts tracking a node.
func (c *Cache) AddNode(node *api.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni := c.nodeInfo(node.Name)
	if ni.Node() == nil {
		c.nodeSetVersion++
	}
	ni.SetNode(node)
	c.touch(node.Name, ni)
}

// UpdateNode replaces a node's object (labels, taints, allocatable).
func (c *Cache) UpdateNode(_, node *api.Node) { c.AddNode(node) }

// RemoveNode stops offering a node; its pods stay accounted until removed.
func (c *Cache) RemoveNode(node *api.Node) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.nodes[node.Name]
	if !ok || ni.Node() == nil {
		return fmt.Errorf("remove node %s: %w", node.Name, ErrUnknownNode)
	}
	c.nodeSetVersion++
	ni.RemoveNode()
	c.touch(node.Name, ni)
	if len(ni.Pods) == 0 {
		c.dropLocked(node.Name)
	}
	return nil
}

// placeLocked accounts a pod on its spec.nodeName.
func (c *Cache) placeLocked(pod *api.Pod) {
	ni := c.nodeInfo(pod.Spec.NodeName)
	ni.AddPod(pod)
	c.touch(pod.Spec.NodeName, ni)
}

// unplaceLocked removes a pod from its node's accounting, dropping a node
// info that has neither node nor pods left.
func (c *Cache) unplaceLocked(pod *api.Pod) {
	ni, ok := c.nodes[pod.Spec.NodeName]
	if !ok || !ni.RemovePod(pod) {
		return
	}
	c.touch(pod.Spec.NodeName, ni)
	if ni.Node() == nil && len(ni.Pods) == 0 {
		c.dropLocked(pod.Spec.NodeName)
	}
}
