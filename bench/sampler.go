package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// sampler counts binds and, every interval of wall time, records the binds
// per second since the last sample and the heap in use.
type sampler struct {
	interval time.Duration
	count    atomic.Int64
	start    time.Time
	done     chan struct{}
	wg       sync.WaitGroup

	mu       sync.Mutex
	samples  []float64
	peakHeap uint64
	lastAt   time.Time
	lastN    int64
}

// startSampler starts the sampling goroutine.
func startSampler(interval time.Duration) *sampler {
	now := time.Now()
	s := &sampler{interval: interval, start: now, lastAt: now, done: make(chan struct{})}
	s.sampleHeap()
	s.wg.Go(s.loop)
	return s
}

// bound counts one measured bind; a nil sampler ignores it.
func (s *sampler) bound() {
	if s != nil {
		s.count.Add(1)
	}
}

func (s *sampler) loop() {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-t.C:
			s.sample(now, false)
		}
	}
}

// sample records binds per second since the last sample; a final partial
// interval counts only when it is at least a tenth of an interval long.
func (s *sampler) sample(now time.Time, final bool) {
	s.sampleHeap()
	s.mu.Lock()
	defer s.mu.Unlock()
	d := now.Sub(s.lastAt)
	if d <= 0 || (final && d < s.interval/10 && len(s.samples) > 0) {
		return
	}
	n := s.count.Load()
	s.samples = append(s.samples, float64(n-s.lastN)/d.Seconds())
	s.lastAt, s.lastN = now, n
}

// sampleHeap keeps the largest HeapInuse seen.
func (s *sampler) sampleHeap() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peakHeap = max(s.peakHeap, ms.HeapInuse)
}

// stop ends sampling and returns the samples, the peak heap and the elapsed wall time.
func (s *sampler) stop() ([]float64, uint64, time.Duration) {
	close(s.done)
	s.wg.Wait()
	now := time.Now()
	s.sample(now, true)
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float64(nil), s.samples...), s.peakHeap, now.Sub(s.start)
}
