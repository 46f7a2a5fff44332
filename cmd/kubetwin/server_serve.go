package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/kubetwin/kubetwin/core/apiserver"
	"github.com/kubetwin/kubetwin/core/registry"
)

// serve prepares PKI, tokens and the kubeconfig, then serves the API over TLS.
func (s *runningServer) serve(reg *registry.Registry, o serverOptions) error {
	host, _, err := net.SplitHostPort(o.listen)
	if err != nil {
		return fmt.Errorf("server: --listen %q: %w", o.listen, err)
	}
	pki, err := apiserver.EnsurePKI(apiserver.PKIConfig{Dir: filepath.Join(o.dataDir, "pki"),
		Hosts: append([]string{host}, o.tlsSANs...)})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	tokens := filepath.Join(o.dataDir, "tokens.csv")
	adminToken, err := apiserver.EnsureTokenFile(tokens)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	auth, err := apiserver.LoadTokenFile(tokens)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", o.listen, err)
	}
	s.URL = "https://" + dialAddress(ln.Addr().(*net.TCPAddr))
	if err := apiserver.WriteKubeconfig(s.Kubeconfig, s.URL, pki.CAPEM, apiserver.AdminUser, adminToken); err != nil {
		_ = ln.Close()
		return fmt.Errorf("server: %w", err)
	}
	s.start(ln, pki.TLSConfig(), apiserver.New(apiserver.Config{Registry: reg, Auth: auth, Metrics: s.metrics,
		NodeClient: &http.Client{Transport: &http.Transport{Proxy: nil}}}))
	return nil
}

// dialAddress is where clients reach a listener: loopback for a wildcard.
func dialAddress(a *net.TCPAddr) string {
	ip := a.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}

// start serves h over TLS on ln. Requests' contexts derive from a base
// context that shutdown cancels after a grace period, ending watches.
func (s *runningServer) start(ln net.Listener, cfg *tls.Config, h http.Handler) {
	base, cancel := context.WithCancel(context.Background())
	s.http = &http.Server{Handler: h, TLSConfig: cfg, ReadHeaderTimeout: readHeaderLimit,
		BaseContext: func(net.Listener) context.Context { return base }}
	s.http.RegisterOnShutdown(func() { time.AfterFunc(shutdownGrace, cancel) })
	go func() {
		err := s.http.Serve(tls.NewListener(ln, cfg))
		if !errors.Is(err, http.ErrServerClosed) {
			s.serveErr <- err
		}
		cancel()
	}()
}

// Shutdown stops serving, letting requests finish, then stops the
// scheduler and controllers, then closes the store and the embedded etcd.
func (s *runningServer) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
		err = fmt.Errorf("shut down API server: %w", err)
	}
	if s.stopControlPlane != nil {
		s.stopControlPlane()
	}
	return errors.Join(err, s.closeStore())
}

// closeStore closes the store and embedded etcd, whichever were opened.
func (s *runningServer) closeStore() error {
	var err error
	if s.store != nil {
		if cerr := s.store.Close(); cerr != nil {
			err = fmt.Errorf("close store: %w", cerr)
		}
	}
	if s.etcd != nil {
		s.etcd.Close()
	}
	return err
}
