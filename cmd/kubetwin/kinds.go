package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/api"
)

func newKindsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "kinds",
		Short: "List the API kinds kubetwin supports",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return printKinds(cmd.OutOrStdout())
		},
	}
}

// printKinds writes the kinds table in the shape of `kubectl api-resources`.
func printKinds(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 3, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
	for _, k := range api.Kinds() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", k.Resource, strings.Join(k.ShortNames, ","),
			k.APIVersion(), k.Namespaced, k.Kind)
	}
	return tw.Flush()
}
