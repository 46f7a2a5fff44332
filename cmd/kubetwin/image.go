package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/real/image"
)

// newImageCommand groups the image tools: without a registry, images are
// built into tarballs and imported by the agents.
func newImageCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Build container images without a registry"}
	cmd.AddCommand(newImageBuildCommand())
	return cmd
}

func newImageBuildCommand() *cobra.Command {
	var spec image.Spec
	var out string
	cmd := &cobra.Command{
		Use:   "build --tag REF (--dir DIR | --binary FILE) -o FILE",
		Short: "Pack a directory tree or one static binary into an image tarball",
		Long: "build writes a linux/amd64 image with one layer as a docker-save tarball, which\n" +
			"containerd imports. A binary is put at /NAME and becomes the entrypoint. The same\n" +
			"inputs always give the same image ID.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return errors.New("image build: -o FILE is required")
			}
			id, err := image.BuildFile(spec, out)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s -> %s\n", spec.Ref, id, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&spec.Ref, "tag", "", "image name, such as kubetwin.local/workload:v1 (required)")
	f.StringVar(&spec.Dir, "dir", "", "directory to use as the image's root file system")
	f.StringVar(&spec.Binary, "binary", "", "static executable to put at /NAME as the entrypoint")
	f.StringSliceVar(&spec.Entrypoint, "entrypoint", nil, "entrypoint (default: the binary)")
	f.StringSliceVar(&spec.Cmd, "cmd", nil, "default arguments")
	f.StringSliceVar(&spec.Env, "env", nil, "environment, KEY=VALUE")
	f.StringVar(&spec.WorkingDir, "workdir", "", "working directory")
	f.StringVarP(&out, "output", "o", "", "tarball to write (required)")
	return cmd
}
