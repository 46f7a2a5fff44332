package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/real/cluster"
	"github.com/kubetwin/kubetwin/real/containers"
	"github.com/kubetwin/kubetwin/real/image"
)

// newImageCommand groups the image tools: without a registry, images are
// built into tarballs and imported by the agents.
func newImageCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "image", Short: "Build container images without a registry"}
	cmd.AddCommand(newImageBuildCommand(), newImageLoadCommand())
	return cmd
}

func newImageLoadCommand() *cobra.Command {
	var dir, socket string
	var namespaces []string
	cmd := &cobra.Command{
		Use:   "load FILE... (--data-dir DIR | --containerd-namespace NS...)",
		Short: "Import image tarballs into every node of a cluster",
		Long: "load imports docker-save or OCI tarballs into the containerd namespace of every node of the\n" +
			"cluster started with `kubetwin real up --data-dir DIR`, or into the given namespaces.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if dir != "" {
				s, err := cluster.Load(dir)
				if err != nil {
					return fmt.Errorf("image load: %w", err)
				}
				socket = s.ContainerdSocket
				for _, n := range s.Nodes {
					namespaces = append(namespaces, n.Namespace)
				}
			}
			if len(namespaces) == 0 {
				return errors.New("image load: give --data-dir or --containerd-namespace")
			}
			return loadImages(cmd, socket, namespaces, files)
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "data-dir", "", "the directory of a cluster started with kubetwin real up")
	f.StringVar(&socket, "containerd-socket", containers.DefaultSocket, "containerd's socket, without --data-dir")
	f.StringSliceVar(&namespaces, "containerd-namespace", nil, "containerd namespaces to import into, without --data-dir")
	return cmd
}

// loadImages imports every file into every namespace.
func loadImages(cmd *cobra.Command, socket string, namespaces, files []string) error {
	for _, ns := range namespaces {
		rt, err := containers.Connect(socket, ns)
		if err != nil {
			return fmt.Errorf("image load: %w", err)
		}
		for _, file := range files {
			names, err := rt.ImportFile(cmd.Context(), file)
			if err != nil {
				rt.Close()
				return fmt.Errorf("image load %s into %s: %w", file, ns, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", ns, strings.Join(names, ", "))
		}
		rt.Close()
	}
	return nil
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
