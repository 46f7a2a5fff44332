package main

import "sync"

// runParallel calls do(i) for every i in [0, n) on at most workers
// goroutines, stopping handing out work once stop reports true, and
// calls report(i) after each do, one report at a time, for progress lines.
func runParallel(n, workers int, stop func() bool, do, report func(i int)) {
	next := make(chan int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				do(i)
				mu.Lock()
				report(i)
				mu.Unlock()
			}
		})
	}
	for i := range n {
		if stop() {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}
