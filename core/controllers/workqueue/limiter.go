package workqueue

import (
	"math"
	"sync"
	"time"
)

// The default per-item back-off bounds, as client-go's default controller
// rate limiter uses them.
const (
	DefaultBaseDelay = 5 * time.Millisecond
	DefaultMaxDelay  = 1000 * time.Second
)

// ItemExponentialLimiter gives each item a delay of base·2^failures capped
// at max, so one broken object backs off without slowing the others.
type ItemExponentialLimiter[T comparable] struct {
	base, max time.Duration

	mu       sync.Mutex
	failures map[T]int
}

// NewItemExponentialLimiter returns a limiter backing off from base to max.
func NewItemExponentialLimiter[T comparable](base, max time.Duration) *ItemExponentialLimiter[T] {
	return &ItemExponentialLimiter[T]{base: base, max: max, failures: map[T]int{}}
}

// When records one more failure of item and returns how long to wait
// before retrying it.
func (l *ItemExponentialLimiter[T]) When(item T) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.failures[item]
	l.failures[item] = n + 1
	d := float64(l.base) * math.Pow(2, float64(n))
	if d > float64(l.max) || math.IsInf(d, 0) {
		return l.max
	}
	return time.Duration(d)
}

// NumRequeues is the number of failures recorded for item.
func (l *ItemExponentialLimiter[T]) NumRequeues(item T) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures[item]
}

// Forget clears item's failures.
func (l *ItemExponentialLimiter[T]) Forget(item T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, item)
}
