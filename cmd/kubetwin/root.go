package main

import (
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "kubetwin",
		Short:         "A Kubernetes-style orchestrator that runs simulated, emulated or real",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newRunCommand(),
		newKindsCommand(),
		newValidateCommand(),
		newVersionCommand(),
		newServerCommand(),
		newBenchCommand(),
		newImageCommand(),
		newAgentCommand(),
		newProxyCommand(),
		newRealCommand(),
		newEmulateCommand(),
		newSimCommand(),
		newReportCommand(),
		newPlanCommand(),
		newExperimentCommand(),
	)
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print kubetwin's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Println("kubetwin", version)
			return nil
		},
	}
}
