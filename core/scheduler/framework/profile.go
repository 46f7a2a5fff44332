package framework

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"sigs.k8s.io/yaml"
)

// DefaultSchedulerName is the profile pods get when they name none.
const DefaultSchedulerName = "default-scheduler"

// ErrInvalidProfile marks a profile that cannot be used.
var ErrInvalidProfile = errors.New("invalid scheduler profile")

// PluginRef names a plugin at one extension point, with its weight for Score.
type PluginRef struct {
	Name   string `json:"name"`
	Weight int32  `json:"weight,omitempty"`
}

// PluginSet adjusts a default list: Disabled removes ("*" removes all) and
// Enabled appends, as in KubeSchedulerConfiguration, so a scenario can add
// one plugin without restating the rest.
type PluginSet struct {
	Enabled  []PluginRef `json:"enabled,omitempty"`
	Disabled []PluginRef `json:"disabled,omitempty"`
}

// Plugins lists plugins per extension point.
type Plugins struct {
	QueueSort  PluginSet `json:"queueSort,omitzero"`
	PreFilter  PluginSet `json:"preFilter,omitzero"`
	Filter     PluginSet `json:"filter,omitzero"`
	PostFilter PluginSet `json:"postFilter,omitzero"`
	PreScore   PluginSet `json:"preScore,omitzero"`
	Score      PluginSet `json:"score,omitzero"`
	Reserve    PluginSet `json:"reserve,omitzero"`
	Permit     PluginSet `json:"permit,omitzero"`
	PreBind    PluginSet `json:"preBind,omitzero"`
	Bind       PluginSet `json:"bind,omitzero"`
}

// PluginConfig gives one plugin its args.
type PluginConfig struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

// Profile is one scheduler personality: which plugins run at which point,
// with what args, chosen by pods through spec.schedulerName.
type Profile struct {
	SchedulerName string `json:"schedulerName,omitempty"`
	// PercentageOfNodesToScore bounds how many feasible nodes are looked
	// for (0 means adaptive, as Kubernetes).
	PercentageOfNodesToScore *int32 `json:"percentageOfNodesToScore,omitempty"`
	// TieBreak chooses among nodes with the same top score: TieBreakRandom
	// (the default, as Kubernetes) or TieBreakNodeName, the smallest name,
	// as some published schedulers' simulators do; a study that reproduces
	// one needs its tie-breaking, since integer scores tie often.
	TieBreak     string         `json:"tieBreak,omitempty"`
	Plugins      Plugins        `json:"plugins,omitzero"`
	PluginConfig []PluginConfig `json:"pluginConfig,omitempty"`
}

// The ways a profile breaks ties between top-scoring nodes.
const (
	TieBreakRandom   = "random"
	TieBreakNodeName = "nodeName"
)

// Config is a file of several profiles.
type Config struct {
	Profiles []Profile `json:"profiles"`
}

// ParseProfile reads one profile from YAML (or JSON), rejecting unknown fields.
func ParseProfile(data []byte) (*Profile, error) {
	var p Profile
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		return nil, fmt.Errorf("parse scheduler profile: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// ParseConfig reads a list of profiles from YAML, rejecting unknown fields
// and duplicate scheduler names.
func ParseConfig(data []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("parse scheduler config: %w", err)
	}
	seen := map[string]bool{}
	for i := range c.Profiles {
		if err := c.Profiles[i].Validate(); err != nil {
			return nil, fmt.Errorf("profiles[%d]: %w", i, err)
		}
		name := c.Profiles[i].Name()
		if seen[name] {
			return nil, fmt.Errorf("profiles[%d]: %w: duplicate schedulerName %q", i, ErrInvalidProfile, name)
		}
		seen[name] = true
	}
	return &c, nil
}

// Name returns the scheduler name, defaulted.
func (p *Profile) Name() string {
	if p.SchedulerName == "" {
		return DefaultSchedulerName
	}
	return p.SchedulerName
}

// Validate checks what can be checked without a registry.
func (p *Profile) Validate() error {
	if v := p.PercentageOfNodesToScore; v != nil && (*v < 0 || *v > 100) {
		return fmt.Errorf("%w %q: percentageOfNodesToScore %d not in [0, 100]", ErrInvalidProfile, p.Name(), *v)
	}
	if t := p.TieBreak; t != "" && t != TieBreakRandom && t != TieBreakNodeName {
		return fmt.Errorf("%w %q: tieBreak %q: want %s or %s", ErrInvalidProfile, p.Name(), t, TieBreakRandom, TieBreakNodeName)
	}
	for _, pt := range p.Plugins.points() {
		for _, ref := range pt.set.Enabled {
			if ref.Name == "" {
				return fmt.Errorf("%w %q: %s: plugin without a name", ErrInvalidProfile, p.Name(), pt.name)
			}
			if ref.Weight < 0 {
				return fmt.Errorf("%w %q: %s: plugin %q has negative weight %d", ErrInvalidProfile, p.Name(), pt.name, ref.Name, ref.Weight)
			}
		}
	}
	seen := map[string]bool{}
	for _, pc := range p.PluginConfig {
		if seen[pc.Name] {
			return fmt.Errorf("%w %q: pluginConfig for %q given twice", ErrInvalidProfile, p.Name(), pc.Name)
		}
		seen[pc.Name] = true
	}
	return nil
}

type namedSet struct {
	name string
	set  *PluginSet
}

// points lists the extension points in execution order, with their names for errors.
func (ps *Plugins) points() []namedSet {
	return []namedSet{{"queueSort", &ps.QueueSort}, {"preFilter", &ps.PreFilter}, {"filter", &ps.Filter},
		{"postFilter", &ps.PostFilter}, {"preScore", &ps.PreScore}, {"score", &ps.Score},
		{"reserve", &ps.Reserve}, {"permit", &ps.Permit}, {"preBind", &ps.PreBind}, {"bind", &ps.Bind}}
}

// Resolve applies the profile's PluginSets over defaults and returns a copy
// whose Enabled lists are the effective plugins (Disabled empty).
func (p *Profile) Resolve(defaults Plugins) Profile {
	out := *p
	out.Plugins = Plugins{}
	mine, defs, res := p.Plugins.points(), defaults.points(), out.Plugins.points()
	for i := range mine {
		res[i].set.Enabled = mergeSet(defs[i].set.Enabled, *mine[i].set)
	}
	return out
}

func mergeSet(defaults []PluginRef, set PluginSet) []PluginRef {
	var out []PluginRef
	if !slices.ContainsFunc(set.Disabled, func(r PluginRef) bool { return r.Name == "*" }) {
		for _, d := range defaults {
			if !slices.ContainsFunc(set.Disabled, func(r PluginRef) bool { return r.Name == d.Name }) {
				out = append(out, d)
			}
		}
	}
	for _, e := range set.Enabled {
		if i := slices.IndexFunc(out, func(r PluginRef) bool { return r.Name == e.Name }); i >= 0 {
			out[i] = e
			continue
		}
		out = append(out, e)
	}
	return out
}

// args returns the raw args configured for a plugin, nil when none.
func (p *Profile) args(name string) json.RawMessage {
	for _, pc := range p.PluginConfig {
		if pc.Name == name {
			return pc.Args
		}
	}
	return nil
}
