// Command kubetwin is the one binary of kubetwin: simulator, control plane,
// node agent and tools, as cobra subcommands.
package main

import (
	"fmt"
	"os"
)

// profileDirEnv, when set, names a directory where every kubetwin process
// writes a CPU profile (PID.pprof) as it ends: how to see where the
// processes of a real cluster (server, agents, proxy), which `real up`
// starts, spend their time.
const profileDirEnv = "KUBETWIN_CPUPROFILE_DIR"

func main() {
	stop, err := profileProcess(os.Getenv(profileDirEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubetwin:", err)
		os.Exit(1)
	}
	err = newRootCommand().Execute()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kubetwin:", err)
		os.Exit(1)
	}
}

// profileProcess starts a CPU profile into DIR/PID.pprof; "" profiles nothing.
func profileProcess(dir string) (stop func(), err error) {
	if dir == "" {
		return func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%s: %w", profileDirEnv, err)
	}
	return startCPUProfile(fmt.Sprintf("%s/%d.pprof", dir, os.Getpid()))
}
