// Package bench will hold the throughput and convergence cases shared by
// every mode (issues: scheduler, simulator). Store benchmarks live beside the
// stores, in core/store/storetest.Benchmarks.
package bench
