package scenarios

import (
	"math"

	"go.yaml.in/yaml/v3"
)

// arrival decodes when a workload's objects are created; absent means
// once, at the start.
func (d *decoder) arrival(n *yaml.Node, path string) Arrival {
	f := d.mapping(n, path, "at", "manual", "poisson", "burst", "trace")
	switch kind := f.only("at", "manual", "poisson", "burst", "trace"); kind {
	case "manual":
		if !f.bool("manual", false) {
			d.add(f.get("manual"), f.at("manual"), "must be true (leave arrival out to apply the workload once, at the start)")
		}
		return Arrival{Kind: ArriveManual}
	case "poisson":
		return d.poisson(f.get(kind), f.at(kind))
	case "burst":
		return d.burst(f.get(kind), f.at(kind))
	case "trace":
		return d.traceArrival(f.get(kind), f.at(kind))
	}
	a := Arrival{Kind: ArriveOnce, At: f.duration("at", 0)}
	d.within(f.get("at"), f.at("at"), a.At)
	return a
}

// poisson decodes {rate, start, until, count}.
func (d *decoder) poisson(n *yaml.Node, path string) Arrival {
	f := d.mapping(n, path, "rate", "start", "until", "count")
	f.require("rate")
	a := Arrival{Kind: ArrivePoisson, Rate: f.float("rate", 1), At: f.duration("start", 0),
		Until: f.duration("until", 0), Count: int(f.int("count", 0, 0, math.MaxInt32))}
	if a.Rate <= 0 {
		d.add(f.get("rate"), f.at("rate"), "must be more than 0 (arrivals per second), have %g", a.Rate)
	}
	d.within(f.get("start"), f.at("start"), a.At)
	if a.Until != 0 && a.Until <= a.At {
		d.add(f.get("until"), f.at("until"), "must be after start (%v), have %v", a.At, a.Until)
	}
	return a
}

// burst decodes {at, count, every, times}.
func (d *decoder) burst(n *yaml.Node, path string) Arrival {
	f := d.mapping(n, path, "at", "count", "every", "times")
	f.require("count")
	a := Arrival{Kind: ArriveBurst, At: f.duration("at", 0), Count: int(f.int("count", 1, 1, math.MaxInt32)),
		Every: f.duration("every", 0), Times: int(f.int("times", 1, 1, math.MaxInt32))}
	d.within(f.get("at"), f.at("at"), a.At)
	if a.Times > 1 && a.Every <= 0 {
		d.add(f.line(), f.at("every"), "must be more than 0 when times is more than 1")
	}
	return a
}

// traceArrival decodes {file, limit, timeScale, skip} and loads the trace.
func (d *decoder) traceArrival(n *yaml.Node, path string) Arrival {
	f := d.mapping(n, path, "file", "limit", "timeScale", "skip")
	a := Arrival{Kind: ArriveTrace}
	if !f.require("file") {
		return a
	}
	opts := TraceOptions{
		Limit:     int(f.int("limit", 0, 0, math.MaxInt32)),
		Skip:      int(f.int("skip", 0, 0, math.MaxInt32)),
		TimeScale: f.float("timeScale", 1),
	}
	if opts.TimeScale <= 0 {
		d.add(f.get("timeScale"), f.at("timeScale"), "must be more than 0, have %g", opts.TimeScale)
		return a
	}
	name := f.str("file", "")
	file, err := d.openFile(name)
	if err != nil {
		d.add(f.get("file"), f.at("file"), "%v", err)
		return a
	}
	defer file.Close()
	rows, err := ReadTrace(file, name, opts)
	for _, e := range unjoin(err) {
		d.add(f.get("file"), f.at("file"), "%v", e)
	}
	a.Trace = rows
	return a
}

// unjoin lists the errors an errors.Join holds (err itself otherwise).
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
