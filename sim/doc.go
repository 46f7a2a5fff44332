// Package sim will hold the discrete-event simulator: a virtual clock that
// drives the memory store, the scheduler and the controllers against
// thousands of simulated nodes, deterministic by seed (issue: the simulator).
// It may import core/; core/ never imports it.
package sim
