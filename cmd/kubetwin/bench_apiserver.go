package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/bench/apiload"
	"github.com/kubetwin/kubetwin/core/apiserver"
)

// apiBenchOptions are the flags of `kubetwin bench apiserver`.
type apiBenchOptions struct {
	clients    []int
	duration   time.Duration
	maxCreates int
	dataDir    string
	jsonOut    bool
}

// newBenchAPIServerCommand measures pod creates over HTTPS against a
// kubetwin server on embedded etcd.
func newBenchAPIServerCommand() *cobra.Command {
	o := &apiBenchOptions{}
	cmd := &cobra.Command{
		Use:   "apiserver",
		Short: "Measure pod creates per second over HTTPS, and request and watch latency, on embedded etcd",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return o.run(cmd.Context(), cmd.OutOrStdout()) },
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.clients, "clients", []int{1, 10, 100}, "concurrent clients, one run per value")
	f.DurationVar(&o.duration, "duration", 10*time.Second, "how long each run creates pods")
	f.IntVar(&o.maxCreates, "max-creates", 0, "stop each run after this many creates (0: no bound)")
	f.StringVar(&o.dataDir, "data-dir", "", "server data directory (default: a temporary one, removed after)")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object per run")
	return cmd
}

func (o *apiBenchOptions) run(ctx context.Context, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	dir := o.dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "kubetwin-bench-api-")
		if err != nil {
			return fmt.Errorf("bench apiserver: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	s, target, err := startBenchServer(ctx, dir)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		_ = s.Shutdown(sctx)
	}()
	for i, n := range o.clients {
		res, err := apiload.Run(ctx, target, apiload.Config{Clients: n, Duration: o.duration, Namespace: "default",
			MaxCreates: o.maxCreates, RunID: fmt.Sprintf("run%d", i)})
		if err != nil {
			return fmt.Errorf("bench apiserver with %d clients: %w", n, err)
		}
		if err := printAPIResult(out, res, o.jsonOut); err != nil {
			return err
		}
	}
	return nil
}

// startBenchServer runs the API server alone (no scheduler or
// controllers, whose writes would be measured too) and says how to reach it.
func startBenchServer(ctx context.Context, dir string) (*runningServer, apiload.Target, error) {
	s, err := startServer(ctx, serverOptions{dataDir: dir, listen: "127.0.0.1:0",
		serviceCIDR: "10.96.0.0/16", noScheduler: true, noControllers: true})
	if err != nil {
		return nil, apiload.Target{}, err
	}
	ca, err := os.ReadFile(filepath.Join(dir, "pki", apiserver.CAFile))
	if err == nil {
		var token string
		token, err = apiserver.EnsureTokenFile(filepath.Join(dir, "tokens.csv"))
		if err == nil {
			return s, apiload.Target{URL: s.URL, CAPEM: ca, Token: token}, nil
		}
	}
	_ = s.Shutdown(ctx)
	return nil, apiload.Target{}, fmt.Errorf("bench apiserver: credentials: %w", err)
}

func printAPIResult(out io.Writer, r *apiload.Result, asJSON bool) error {
	if asJSON {
		if err := json.NewEncoder(out).Encode(r); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
		return nil
	}
	fmt.Fprintf(out, "%3d clients: %6d creates in %.1fs = %7.0f creates/s (%d errors); request ms p50 %.1f p99 %.1f; "+
		"watch delivery ms p50 %.1f p99 %.1f (%d not seen)\n", r.Clients, r.Creates, r.Seconds, r.CreatesPerSecond,
		r.Errors, r.RequestMs.P50, r.RequestMs.P99, r.WatchMs.P50, r.WatchMs.P99, r.WatchMissing)
	return nil
}
