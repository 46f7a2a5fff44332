package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/scenarios"
)

// The main job. Until the simulator lands it shows what the foundation
// holds: the supported kinds and the embedded example manifest, decoded,
// defaulted and validated.
func newRunCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run kubetwin's default job on its embedded example",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDefault(cmd.OutOrStdout())
		},
	}
}

func runDefault(out io.Writer) error {
	fmt.Fprintln(out, "# Kinds kubetwin supports")
	if err := printKinds(out); err != nil {
		return err
	}
	const example = "web.yaml"
	data, err := scenarios.ExampleManifest(example)
	if err != nil {
		return err
	}
	objs, err := decodeDefaultValidate(data)
	if err != nil {
		return fmt.Errorf("embedded example %s: %w", example, err)
	}
	fmt.Fprintf(out, "\n# Embedded example %s, decoded, defaulted and validated\n", example)
	return reportObjects(out, example, objs, true)
}
