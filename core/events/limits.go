package events

import (
	"container/heap"
	"container/list"
	"context"
	"time"

	"github.com/kubetwin/kubetwin/core/registry"
)

// bucket is a token bucket on the sink's clock: burst tokens, one more
// every refill period.
type bucket struct {
	tokens float64
	last   time.Time
}

// allowLocked spends a token of the source's bucket if it has one.
func (s *Sink) allowLocked(key string, now time.Time) bool {
	b, ok := s.buckets.get(key)
	if !ok {
		b = &bucket{tokens: float64(s.opts.Burst), last: now}
		s.buckets.put(key, b)
	}
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = min(float64(s.opts.Burst), b.tokens+float64(elapsed)/float64(s.opts.RefillEvery))
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// expiring is an event due for deletion at a time unless it was bumped since.
type expiring struct {
	key, namespace, name string
	at                   time.Time
	seq                  uint64
}

// expiryQueue is a min-heap by (at, seq).
type expiryQueue struct {
	items []expiring
	seq   uint64
}

func (q *expiryQueue) Len() int { return len(q.items) }
func (q *expiryQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.seq < b.seq
}
func (q *expiryQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *expiryQueue) Push(x any)    { q.items = append(q.items, x.(expiring)) }
func (q *expiryQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *expiryQueue) push(e expiring) {
	q.seq++
	e.seq = q.seq
	heap.Push(q, e)
}

// expireLocked deletes the events whose TTL has run out since their last
// write, as the API server's event TTL does; an event bumped since it was
// queued is queued again for its new expiry.
func (s *Sink) expireLocked(ctx context.Context, now time.Time) {
	for s.expiry.Len() > 0 && !s.expiry.items[0].at.After(now) {
		e := heap.Pop(&s.expiry).(expiring)
		cur, tracked := s.written.get(e.key)
		if tracked && cur.Name == e.name {
			if due := cur.LastTimestamp.Add(s.opts.TTL); due.After(now) {
				e.at = due
				s.expiry.push(e)
				continue
			}
			s.written.remove(e.key)
		}
		if _, _, err := s.w.Delete(ctx, eventKind, e.namespace, e.name, registry.DeleteOptions{}); err != nil &&
			!registry.IsNotFound(err) {
			s.stats.Failed++
			continue
		}
		s.stats.Expired++
	}
}

// lru is a map bounded by evicting the least recently used entry; its
// order is by use, never by map iteration.
type lru[K comparable, V any] struct {
	max   int
	order *list.List // front is most recent; elements hold K
	items map[K]lruEntry[V]
}

type lruEntry[V any] struct {
	val V
	el  *list.Element
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, order: list.New(), items: map[K]lruEntry[V]{}}
}

func (l *lru[K, V]) get(k K) (V, bool) {
	e, ok := l.items[k]
	if ok {
		l.order.MoveToFront(e.el)
	}
	return e.val, ok
}

func (l *lru[K, V]) put(k K, v V) {
	if e, ok := l.items[k]; ok {
		l.order.MoveToFront(e.el)
		l.items[k] = lruEntry[V]{val: v, el: e.el}
		return
	}
	l.items[k] = lruEntry[V]{val: v, el: l.order.PushFront(k)}
	for l.order.Len() > l.max {
		oldest := l.order.Back()
		l.order.Remove(oldest)
		delete(l.items, oldest.Value.(K))
	}
}

func (l *lru[K, V]) remove(k K) {
	if e, ok := l.items[k]; ok {
		l.order.Remove(e.el)
		delete(l.items, k)
	}
}
