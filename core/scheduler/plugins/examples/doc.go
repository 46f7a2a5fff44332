// Package examples holds out-of-tree-style scheduler plugins that show
// researchers how to add a policy without touching the scheduler.
//
// A plugin is a Go type with a Name and the methods of the extension
// points it takes part in (framework.FilterPlugin, framework.ScorePlugin,
// ...; see core/scheduler/framework/interface.go). To write one:
//
//  1. Implement the interfaces. A Score plugin returns, per feasible node,
//     a score in [framework.MinNodeScore, framework.MaxNodeScore] (0–100),
//     or returns raw values and rescales them in ScoreExtensions'
//     NormalizeScore; the framework rejects scores out of range. Plugins
//     must be deterministic: no wall clock, no global rand, no dependence
//     on map order (the handle's PreemptionHandle.Rand is the seeded rand).
//  2. Write a factory, func(args json.RawMessage, h framework.Handle)
//     (framework.Plugin, error), decoding args with framework.DecodeArgs so
//     a typo in a profile is an error, not a silent default.
//  3. Put the factory in a framework.Registry under the plugin's name and
//     pass it as scheduler.Options.Registry (see Registry in this package).
//  4. Name the plugin in a profile (framework.ParseProfile reads the
//     KubeSchedulerConfiguration-style YAML).
//
// For example, this profile adds GPUBinPacking to the default plugins:
//
//	schedulerName: gpu-binpack
//	plugins:
//	  score:
//	    enabled:
//	    - {name: GPUBinPacking, weight: 10}
//	pluginConfig:
//	- name: GPUBinPacking
//	  args: {resourceName: nvidia.com/gpu}
//
// Pods choose the profile with spec.schedulerName; the profile's plugin
// sets are applied over the default plugins, so naming one plugin keeps
// the rest. GPUBinPacking in this package is the worked example, and its
// test shows the profile changing placements.
package examples
