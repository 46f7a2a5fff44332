package queue

import (
	"container/heap"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// podHeap is a keyed heap of queued pods, so a pod can be found, updated or
// removed by key while the order stays a heap.
type podHeap struct {
	items []*framework.QueuedPodInfo
	index map[string]int
	less  func(a, b *framework.QueuedPodInfo) bool
}

func newPodHeap(less func(a, b *framework.QueuedPodInfo) bool) *podHeap {
	return &podHeap{index: map[string]int{}, less: less}
}

// Len, Less, Swap, Push and Pop implement heap.Interface; use the keyed helpers below.
func (h *podHeap) Len() int           { return len(h.items) }
func (h *podHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *podHeap) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.index[framework.PodKey(h.items[i].Pod)] = i
	h.index[framework.PodKey(h.items[j].Pod)] = j
}
func (h *podHeap) Push(x any) {
	qp := x.(*framework.QueuedPodInfo)
	h.index[framework.PodKey(qp.Pod)] = len(h.items)
	h.items = append(h.items, qp)
}
func (h *podHeap) Pop() any {
	n := len(h.items) - 1
	qp := h.items[n]
	h.items[n] = nil
	h.items = h.items[:n]
	delete(h.index, framework.PodKey(qp.Pod))
	return qp
}

// add inserts qp, or replaces the entry with the same key.
func (h *podHeap) add(qp *framework.QueuedPodInfo) {
	if i, ok := h.index[framework.PodKey(qp.Pod)]; ok {
		h.items[i] = qp
		heap.Fix(h, i)
		return
	}
	heap.Push(h, qp)
}

// get returns the entry with key.
func (h *podHeap) get(key string) (*framework.QueuedPodInfo, bool) {
	i, ok := h.index[key]
	if !ok {
		return nil, false
	}
	return h.items[i], true
}

// remove deletes the entry with key, reporting whether it was there.
func (h *podHeap) remove(key string) bool {
	i, ok := h.index[key]
	if ok {
		heap.Remove(h, i)
	}
	return ok
}

// peek returns the first entry without removing it.
func (h *podHeap) peek() *framework.QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return h.items[0]
}

// pop removes and returns the first entry.
func (h *podHeap) pop() *framework.QueuedPodInfo {
	if len(h.items) == 0 {
		return nil
	}
	return heap.Pop(h).(*framework.QueuedPodInfo)
}
