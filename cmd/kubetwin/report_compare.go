package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/reports"
)

// newReportCompareCommand is `kubetwin report compare`: one scenario's
// runs in two modes (or with two seeds) side by side, to check that a
// simulated result holds with the real API server and store in the loop.
func newReportCompareCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "compare DIR_A DIR_B --out DIR",
		Short: "Compare two runs of one scenario (say sim and emulate) in one report",
		Long: "Reads two run directories of the same scenario, written by `kubetwin sim run`, `kubetwin emulate run`\n" +
			"or `kubetwin real run`, and writes into DIR a report that puts them side by side: pod latency\n" +
			"distributions (with a Kolmogorov–Smirnov test), convergence after each action, placements,\n" +
			"and which figures differ and their likely causes. A is the baseline: differences are B − A.\n" +
			"Prints the path of report.html, a self-contained page to open in a browser.",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := reports.BuildComparison(args[0], args[1], out)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the comparison report (required; not a run directory)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
