package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/real/proxy"
)

// proxyOptions are the flags of `kubetwin proxy`.
type proxyOptions struct {
	server, kubeconfig, link, serviceCIDR string
	mode, table                           string
}

func newProxyCommand() *cobra.Command {
	var o proxyOptions
	cmd := &cobra.Command{
		Use:   "proxy --kubeconfig FILE",
		Short: "Serve every Service's ClusterIP ports on this machine, balanced across ready endpoints",
		Long: "proxy puts each Service's ClusterIP on --link as a /32 and listens on its ports (TCP and\n" +
			"UDP), forwarding each connection round-robin to the ready addresses of its Endpoints, as\n" +
			"they change; with --mode nftables the kernel DNATs each connection to a random ready\n" +
			"endpoint instead. One proxy serves every node on a machine. On exit it removes its\n" +
			"addresses and table.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runProxy(ctx, o, cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.server, "server", "", "API server URL (default: the kubeconfig's)")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig to reach the API server with (required)")
	f.StringVar(&o.link, "link", proxy.DefaultLink, "interface that carries the ClusterIPs")
	f.StringVar(&o.serviceCIDR, "service-cidr", "", "the cluster's Service range: stray addresses in it on --link are removed")
	f.StringVar(&o.mode, "mode", proxy.ModeUserspace, "userspace (a listener per Service port) or nftables (kernel DNAT to a random ready endpoint)")
	f.StringVar(&o.table, "table", proxy.DefaultTable, "the nftables table the nftables mode owns")
	_ = cmd.MarkFlagRequired("kubeconfig")
	return cmd
}

// runProxy serves until ctx ends.
func runProxy(ctx context.Context, o proxyOptions, logTo io.Writer) error {
	cfg := proxy.Config{Link: o.link, Mode: o.mode, Table: o.table, Logf: func(format string, args ...any) {
		fmt.Fprintf(logTo, format+"\n", args...)
	}}
	if o.serviceCIDR != "" {
		p, err := netip.ParsePrefix(o.serviceCIDR)
		if err != nil {
			return fmt.Errorf("proxy: --service-cidr: %w", err)
		}
		cfg.ServiceCIDR = p
	}
	c, err := openClient(o.kubeconfig, o.server)
	if err != nil {
		return fmt.Errorf("proxy: %w", err)
	}
	cfg.Source = c
	p, err := proxy.New(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(logTo, "kubetwin proxy: serving ClusterIPs on %s in %s mode\n", o.link, o.mode)
	return p.Run(ctx)
}
