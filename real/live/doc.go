// Package live plays a scenario on a live cluster in wall-clock time: a
// real API server (with real node agents in real mode, hollow nodes in
// emulate mode) reached through real/client.
//
// The playing and the measuring are the simulator's own code (sim.Live):
// the same player applies the workloads, actions and faults; the same pod
// records, invariant checks, convergence timing, time series and summary
// come out. What this package adds is the wall clock and the cluster: it
// keeps a sim.Engine's time at the time elapsed since the start, runs the
// engine's due events (arrivals, actions, samples), and feeds it every
// change the cluster's watches report, all from one goroutine, so the
// shared code needs no locks. A run's figures are therefore comparable,
// field for field, with a simulated run of the same scenario.
package live
