package main

import (
	"io"

	"github.com/spf13/cobra"
)

// defaultScenario is the main job's embedded scenario.
const defaultScenario = "quickstart"

// The main job: the embedded quickstart scenario on the simulator, its
// results in out/quickstart (or --out).
func newRunCommand() *cobra.Command {
	o := simOptions{scenario: defaultScenario, out: "out/" + defaultScenario}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run kubetwin's default job: the embedded quickstart scenario on the simulator",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			return runDefault(cmd, o)
		},
	}
	cmd.Flags().StringVar(&o.out, "out", o.out, "directory for the results")
	cmd.Flags().Uint64Var(&o.seed, "seed", 0, "seed (default: the scenario's)")
	cmd.Flags().StringArrayVar(&o.sets, "set", nil, "override a param or a field: key=value (repeatable)")
	cmd.Flags().BoolVar(&o.noProgress, "no-progress", false, "print no progress on stderr")
	return cmd
}

func runDefault(cmd *cobra.Command, o simOptions) error {
	var out, errOut io.Writer = cmd.OutOrStdout(), cmd.ErrOrStderr()
	return runSim(cmd.Context(), o, out, errOut)
}
