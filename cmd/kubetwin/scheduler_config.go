package main

import (
	"fmt"
	"os"

	"github.com/kubetwin/kubetwin/core/scheduler/framework"
	"github.com/kubetwin/kubetwin/core/scheduler/plugins/examples"
)

// schedulerConfig is what --scheduler-config gives a command: the profiles
// and the registry of the plugins this binary carries beyond the in-tree ones.
type schedulerConfig struct {
	profiles []framework.Profile
	plugins  framework.Registry
}

// outOfTreePlugins are the plugins compiled into kubetwin beyond the
// in-tree ones, so profiles may name them. A researcher adding a policy
// registers its factory here (see core/scheduler/plugins/examples).
func outOfTreePlugins() framework.Registry { return examples.Registry() }

// loadSchedulerConfig reads a profiles file (profiles: [...], as
// KubeSchedulerConfiguration lists them); an empty path means the default
// profile. Unknown plugin names are reported when the scheduler is built.
func loadSchedulerConfig(path string) (schedulerConfig, error) {
	cfg := schedulerConfig{plugins: outOfTreePlugins()}
	if path == "" {
		return cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return cfg, fmt.Errorf("scheduler config: %w", err)
	}
	c, err := framework.ParseConfig(data)
	if err != nil {
		return cfg, fmt.Errorf("scheduler config %s: %w", path, err)
	}
	if len(c.Profiles) == 0 {
		return cfg, fmt.Errorf("scheduler config %s: no profiles", path)
	}
	cfg.profiles = c.Profiles
	return cfg, nil
}
