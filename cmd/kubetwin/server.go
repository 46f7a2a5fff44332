package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/clock"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
	"github.com/kubetwin/kubetwin/core/store/etcd"
)

// Server timings: how long a shutdown lets requests finish before
// cancelling the rest (watches never finish on their own), and its bound.
const (
	shutdownGrace   = time.Second
	shutdownTimeout = 10 * time.Second
	readHeaderLimit = 10 * time.Second
)

// systemNamespaces exist in every cluster, as kube-apiserver creates them.
var systemNamespaces = []string{"default", "kube-system", "kube-public", api.NamespaceNodeLease}

// serverOptions are the flags of `kubetwin server`.
type serverOptions struct {
	dataDir       string
	listen        string
	etcdEndpoints []string
	serviceCIDR   string
	kubeconfigOut string
	tlsSANs       []string
	// schedConfig is the scheduler's profiles file, "" for the default
	// profile; sched is what it holds, read before anything starts.
	schedConfig string
	sched       schedulerConfig
	// noScheduler and noControllers leave the scheduler or the
	// controllers out of the process (--scheduler=false, --controllers=false).
	noScheduler, noControllers bool
	// nodeGrace is the node lifecycle controller's grace period; 0 is the default.
	nodeGrace time.Duration
	// logTo hears the control plane's errors; nil is stderr.
	logTo io.Writer
}

func newServerCommand() *cobra.Command {
	var o serverOptions
	var runScheduler, runControllers bool
	cmd := &cobra.Command{
		Use:   "server --data-dir DIR",
		Short: "Run the control plane: etcd, the registry and the HTTPS API server",
		Long: "server serves the Kubernetes API over TLS with bearer tokens, on embedded etcd in DIR/etcd\n" +
			"(or external etcd), and writes an admin kubeconfig for kubectl. It stops on SIGINT or SIGTERM.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.noScheduler, o.noControllers = !runScheduler, !runControllers
			sc, err := loadSchedulerConfig(o.schedConfig)
			if err != nil {
				return err
			}
			o.sched = sc
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return serveUntilDone(ctx, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "", "directory for etcd data, certificates and tokens (required)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:6443", "address to serve HTTPS on; port 0 picks a free port")
	f.StringSliceVar(&o.etcdEndpoints, "etcd-endpoints", nil, "external etcd client URLs (default: embedded etcd)")
	f.StringVar(&o.serviceCIDR, "service-cidr", registry.DefaultServiceCIDR, "range Service cluster IPs come from")
	f.StringVar(&o.kubeconfigOut, "kubeconfig-out", "", "where to write the admin kubeconfig (default DIR/admin.kubeconfig)")
	f.StringSliceVar(&o.tlsSANs, "tls-san", nil, "extra host names or IPs the serving certificate names")
	f.BoolVar(&runScheduler, "scheduler", true, "run the scheduler in this process")
	f.StringVar(&o.schedConfig, "scheduler-config", "", "the scheduler's profiles file (profiles: [...], as in KubeSchedulerConfiguration)")
	f.BoolVar(&runControllers, "controllers", true, "run the controllers in this process")
	f.DurationVar(&o.nodeGrace, "node-monitor-grace-period", 0,
		"how long a node may go without renewing its lease before it is NotReady (default 40s)")
	_ = cmd.MarkFlagRequired("data-dir")
	return cmd
}

// serveUntilDone runs a server until ctx ends, then shuts it down.
func serveUntilDone(ctx context.Context, o serverOptions, out io.Writer) error {
	s, err := startServer(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "kubetwin server: serving %s; admin kubeconfig %s\n", s.URL, s.Kubeconfig)
	select {
	case <-ctx.Done():
	case err := <-s.serveErr:
		_ = s.Shutdown(context.Background())
		return fmt.Errorf("serve %s: %w", s.URL, err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return s.Shutdown(sctx)
}

// runningServer is a started control plane, so tests can drive and stop it in process.
type runningServer struct {
	URL        string
	Kubeconfig string
	http       *http.Server
	serveErr   chan error
	metrics    *prometheus.Registry
	// reg is the registry served, for in-process tests that play a node agent.
	reg *registry.Registry
	// stopControlPlane stops the scheduler and controllers; nil when none run.
	stopControlPlane func()
	store            store.Store
	etcd             *etcd.Embedded
}

// startServer opens the store, prepares the cluster's namespaces, PKI,
// tokens and kubeconfig, and starts serving.
func startServer(ctx context.Context, o serverOptions) (*runningServer, error) {
	if o.dataDir == "" {
		return nil, errors.New("server: --data-dir is required")
	}
	if o.kubeconfigOut == "" {
		o.kubeconfigOut = filepath.Join(o.dataDir, "admin.kubeconfig")
	}
	s := &runningServer{Kubeconfig: o.kubeconfigOut, serveErr: make(chan error, 1),
		metrics: prometheus.NewRegistry()}
	ok := false
	defer func() {
		if !ok {
			s.closeStore()
		}
	}()
	reg, err := s.openRegistry(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := ensureNamespaces(ctx, reg); err != nil {
		return nil, err
	}
	s.reg = reg
	logTo := o.logTo
	if logTo == nil {
		logTo = os.Stderr
	}
	if err := s.startControlPlane(reg, o, logTo); err != nil {
		return nil, err
	}
	if err := s.serve(reg, o); err != nil {
		if s.stopControlPlane != nil {
			s.stopControlPlane()
		}
		return nil, err
	}
	ok = true
	return s, nil
}

// openRegistry opens the store (embedded etcd unless endpoints are given)
// and the registry over it.
func (s *runningServer) openRegistry(ctx context.Context, o serverOptions) (*registry.Registry, error) {
	endpoints := o.etcdEndpoints
	if len(endpoints) == 0 {
		e, err := etcd.StartEmbedded(etcd.EmbeddedConfig{DataDir: filepath.Join(o.dataDir, "etcd")})
		if err != nil {
			return nil, fmt.Errorf("server: %w", err)
		}
		s.etcd, endpoints = e, e.Endpoints()
	}
	clk := clock.Real()
	st, err := etcd.Open(ctx, endpoints, etcd.Options{Clock: clk})
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.store = st
	reg := registry.New(st, clk)
	if err := reg.SetServiceCIDR(o.serviceCIDR); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return reg, nil
}

// ensureNamespaces creates the system namespaces that are missing.
func ensureNamespaces(ctx context.Context, reg *registry.Registry) error {
	nsKind, err := api.LookupKind("v1", "Namespace")
	if err != nil {
		return fmt.Errorf("namespace kind: %w", err)
	}
	for _, name := range systemNamespaces {
		ns := &api.Namespace{ObjectMeta: api.ObjectMeta{Name: name}}
		_, err := reg.Create(ctx, nsKind, "", ns, registry.CreateOptions{})
		if se, ok := errAsStatus(err); ok && se.Status.Reason == api.StatusReasonAlreadyExists {
			continue
		}
		if err != nil {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	return nil
}

// errAsStatus is errors.As for the registry's StatusError.
func errAsStatus(err error) (*registry.StatusError, bool) {
	var se *registry.StatusError
	ok := errors.As(err, &se)
	return se, ok
}
