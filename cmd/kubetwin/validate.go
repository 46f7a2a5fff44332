package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/validation"
)

func newValidateCommand() *cobra.Command {
	var printDefaults bool
	cmd := &cobra.Command{
		Use:   "validate -f FILE...",
		Short: "Decode, default and validate Kubernetes manifests without storing them",
		Long: "validate reads YAML or JSON manifests (\"-\" for standard input), reports every\n" +
			"unknown field and invalid value with its path, and exits non-zero if any is wrong.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, _ := cmd.Flags().GetStringArray("filename")
			if len(files) == 0 {
				return errors.New("validate needs at least one -f FILE")
			}
			return validateFiles(cmd.OutOrStdout(), cmd.InOrStdin(), files, printDefaults)
		},
	}
	cmd.Flags().StringArrayP("filename", "f", nil, "manifest file to check (repeatable; - for stdin)")
	cmd.Flags().BoolVar(&printDefaults, "print", false, "print the objects as YAML with defaults applied")
	return cmd
}

func validateFiles(out io.Writer, stdin io.Reader, files []string, print bool) error {
	bad := 0
	for _, f := range files {
		data, err := readInput(f, stdin)
		if err != nil {
			return err
		}
		objs, err := decodeDefaultValidate(data)
		if err != nil {
			fmt.Fprintf(out, "%s: %v\n", f, err)
			bad++
			continue
		}
		if err := reportObjects(out, f, objs, print); err != nil {
			return err
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files are invalid", bad, len(files))
	}
	return nil
}

func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(stdin)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return data, nil
}

// decodeDefaultValidate is what the API server does to a manifest before
// storing it: decode strictly, apply defaults, validate.
func decodeDefaultValidate(data []byte) ([]api.Object, error) {
	objs, err := api.Decode(data)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, obj := range objs {
		api.Default(obj)
		if err := validation.ValidateObject(obj).ToAggregate(); err != nil {
			m := obj.GetObjectMeta()
			errs = append(errs, fmt.Errorf("%s %q is invalid: %w", obj.GetTypeMeta().Kind, m.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return objs, nil
}

func reportObjects(out io.Writer, source string, objs []api.Object, print bool) error {
	for _, obj := range objs {
		m := obj.GetObjectMeta()
		fmt.Fprintf(out, "%s: %s %s valid\n", source, obj.GetTypeMeta().Kind, m.Key())
		if !print {
			continue
		}
		y, err := api.EncodeYAML(obj)
		if err != nil {
			return fmt.Errorf("encode %s: %w", m.Key(), err)
		}
		fmt.Fprintf(out, "---\n%s", y)
	}
	return nil
}
