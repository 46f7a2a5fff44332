// Package bench holds scheduler_perf-style throughput cases, as data, and
// the runner that plays them: it builds a cluster in a memory store through
// the registry, feeds the one scheduler, binds through the registry's
// pods/binding logic, and samples pods bound per second of wall time and
// the peak heap. It lives outside core/ because it measures wall time.
// Store benchmarks live beside the stores, in core/store/storetest.Benchmarks.
package bench
