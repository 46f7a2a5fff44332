// Command kubetwin is the one binary of kubetwin: simulator, control plane,
// node agent and tools, as cobra subcommands.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "kubetwin:", err)
		os.Exit(1)
	}
}
