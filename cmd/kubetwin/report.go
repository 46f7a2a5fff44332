package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/reports"
)

func newReportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild the report of a run directory (report.md, report.html, plots/, tables/)",
		Long: "Reads a run directory written by `kubetwin sim run --out DIR` and writes its report\n" +
			"into it; prints the path of report.html, a self-contained page to open in a browser.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := reports.Build(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), path)
			return nil
		},
	}
	cmd.AddCommand(newReportCompareCommand())
	return cmd
}
