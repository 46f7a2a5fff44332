package scenarios

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
)

// DefaultProfile is the scheduler.profile that means Kubernetes' default plugins.
const DefaultProfile = "default"

// InlineProfile is Scheduler.Profile when the scenario lists its profiles itself.
const InlineProfile = "inline"

// scheduler decodes the scheduler section: a named or inline profiles list.
// Plugin names are checked when the scheduler is built, since only the
// binary knows which out-of-tree plugins it carries.
func (d *decoder) scheduler(n *yaml.Node, path string) Scheduler {
	f := d.mapping(n, path, "profile", "profiles")
	switch f.only("profile", "profiles") {
	case "profiles":
		s := Scheduler{Profile: InlineProfile}
		s.Profiles = d.inlineProfiles(f.get("profiles"), f.at("profiles"))
		return s
	case "profile":
		name := f.str("profile", DefaultProfile)
		return Scheduler{Profile: name, Profiles: d.namedProfiles(f.get("profile"), f.at("profile"), name)}
	}
	return Scheduler{Profile: DefaultProfile}
}

// inlineProfiles parses a profiles list written in the scenario itself.
func (d *decoder) inlineProfiles(n *yaml.Node, path string) []framework.Profile {
	key := &yaml.Node{Kind: yaml.ScalarNode, Tag: tagStr, Value: "profiles"}
	data, err := yaml.Marshal(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, n}})
	if err != nil {
		d.add(n, path, "%v", err)
		return nil
	}
	return d.parseProfiles(n, path, data)
}

// namedProfiles loads "default", an embedded profiles file by name, or a
// profiles file by path.
func (d *decoder) namedProfiles(n *yaml.Node, path, name string) []framework.Profile {
	if name == DefaultProfile {
		return nil
	}
	if slices.Contains(EmbeddedProfiles(), name) {
		data, err := files.ReadFile("profiles/" + name + ".yaml")
		if err != nil {
			d.add(n, path, "embedded profile %q: %v", name, err)
			return nil
		}
		return d.parseProfiles(n, path, data)
	}
	data, err := d.readFile(name)
	if err != nil {
		d.add(n, path, "not %q, an embedded profile (%s), or a readable file: %v",
			DefaultProfile, joinNames(EmbeddedProfiles()), err)
		return nil
	}
	return d.parseProfiles(n, path, data)
}

// parseProfiles parses a profiles file as --scheduler-config does.
func (d *decoder) parseProfiles(n *yaml.Node, path string, data []byte) []framework.Profile {
	c, err := framework.ParseConfig(data)
	if err != nil {
		d.add(n, path, "%v", err)
		return nil
	}
	if len(c.Profiles) == 0 {
		d.add(n, path, "%v", fmt.Errorf("%w: no profiles", framework.ErrInvalidProfile))
		return nil
	}
	return c.Profiles
}
