package scenarios

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// distKinds are the keys that name a distribution in a scenario file.
var distKinds = []string{"constant", "uniform", "exponential", "normal", "lognormal", "empirical"}

// defaultLifecycle is how simulated pods behave when a scenario says
// nothing: starting takes about a second, stopping up to two.
func defaultLifecycle() Lifecycle {
	return Lifecycle{
		Start:     Dist{Kind: DistLognormal, A: 1, B: 0.3},
		Terminate: Dist{Kind: DistUniform, A: 0, B: 2},
	}
}

// latency decodes the control plane's delays, each 1ms by default.
func (d *decoder) latency(n *yaml.Node, path string) Latency {
	f := d.mapping(n, path, "apiWrite", "watchDelivery", "controllerWork", "scheduling")
	ms := Constant(time.Millisecond)
	l := Latency{
		APIWrite:       d.distField(f, "apiWrite", ms),
		WatchDelivery:  d.distField(f, "watchDelivery", ms),
		ControllerWork: d.distField(f, "controllerWork", ms),
	}
	if s := deref(f.get("scheduling")); s != nil && s.Kind == yaml.ScalarNode && s.Value == "measured" {
		l.MeasuredScheduling = true
		return l
	}
	l.Scheduling = d.distField(f, "scheduling", ms)
	return l
}

// lifecycle decodes pod phase timings; absent fields take def's.
func (d *decoder) lifecycle(n *yaml.Node, path string, def Lifecycle) Lifecycle {
	f := d.mapping(n, path, "imagePull", "start", "ready", "runTime", "failProbability", "crashMTBF", "terminate")
	l := Lifecycle{
		ImagePull: d.distField(f, "imagePull", def.ImagePull),
		Start:     d.distField(f, "start", def.Start),
		Ready:     d.distField(f, "ready", def.Ready),
		RunTime:   d.distField(f, "runTime", def.RunTime),
		CrashMTBF: f.duration("crashMTBF", def.CrashMTBF),
		Terminate: d.distField(f, "terminate", def.Terminate),
	}
	l.FailProbability = f.float("failProbability", def.FailProbability)
	if l.FailProbability < 0 || l.FailProbability > 1 {
		d.add(f.get("failProbability"), f.at("failProbability"), "must be in [0, 1], have %g", l.FailProbability)
		l.FailProbability = def.FailProbability
	}
	return l
}

// distField is key's distribution, or def.
func (d *decoder) distField(f fields, key string, def Dist) Dist {
	if n := f.get(key); n != nil {
		return d.dist(n, f.at(key))
	}
	return def
}

// dist decodes a distribution: a duration (constant) or a one-key
// mapping naming the family and its parameters.
func (d *decoder) dist(n *yaml.Node, path string) Dist {
	n = deref(n)
	var out Dist
	switch n.Kind {
	case yaml.ScalarNode:
		v, ok := d.duration(n, path)
		if !ok {
			return Dist{}
		}
		out = Constant(v)
	case yaml.MappingNode:
		var ok bool
		if out, ok = d.distMapping(n, path); !ok {
			return Dist{}
		}
	default:
		d.add(n, path, "must be a duration or a distribution such as {exponential: {mean: 5m}}, have %s", kindName(n))
		return Dist{}
	}
	if err := out.Validate(); err != nil {
		d.add(n, path, "%v", err)
		return Dist{}
	}
	return out
}

// distMapping decodes {KIND: PARAMS}.
func (d *decoder) distMapping(n *yaml.Node, path string) (Dist, bool) {
	f := d.mapping(n, path, distKinds...)
	kind := f.only(distKinds...)
	if kind == "" {
		d.add(n, path, "name one distribution: %s", joinNames(distKinds))
		return Dist{}, false
	}
	before := d.count()
	v, at := f.get(kind), f.at(kind)
	out := Dist{Kind: DistKind(kind)}
	switch out.Kind {
	case DistConstant:
		out.A = d.seconds(v, at)
	case DistUniform:
		out.A, out.B = d.twoSeconds(v, at, "min", "max")
	case DistExponential:
		out.A, _ = d.twoSeconds(v, at, "mean", "")
	case DistNormal:
		out.A, out.B = d.twoSeconds(v, at, "mean", "stddev")
	case DistLognormal:
		g := d.mapping(v, at, "median", "sigma")
		g.require("median", "sigma")
		out.A = d.seconds(g.get("median"), g.at("median"))
		out.B = g.float("sigma", 0)
	case DistEmpirical:
		for i, item := range d.sequence(v, at) {
			out.Values = append(out.Values, d.seconds(item, index(at, i)))
		}
	}
	return out, d.count() == before
}

// twoSeconds decodes a mapping of one or two required durations, in seconds.
func (d *decoder) twoSeconds(n *yaml.Node, path, a, b string) (float64, float64) {
	keys := []string{a}
	if b != "" {
		keys = append(keys, b)
	}
	f := d.mapping(n, path, keys...)
	f.require(keys...)
	x := d.seconds(f.get(a), f.at(a))
	if b == "" {
		return x, 0
	}
	return x, d.seconds(f.get(b), f.at(b))
}

// seconds decodes a duration as seconds; a nil node is 0.
func (d *decoder) seconds(n *yaml.Node, path string) float64 {
	if n == nil {
		return 0
	}
	v, _ := d.duration(n, path)
	return v.Seconds()
}
