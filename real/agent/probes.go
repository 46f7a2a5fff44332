package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// probeSet runs one container attempt's startup, liveness and readiness
// probes; the worker reads their verdicts on its next sync.
type probeSet struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	up     bool   // the startup probe passed (or there is none)
	ready  bool   // the readiness probe passes (or there is none)
	kill   string // why the container must be restarted ("" while healthy)
}

// The probe kinds, as events name them.
const (
	probeStartup   = "Startup"
	probeLiveness  = "Liveness"
	probeReadiness = "Readiness"
)

// startProbes starts the probers of a container that just started.
func startProbes(ctx context.Context, c *ctr, pod *api.Pod) *probeSet {
	ctx, cancel := context.WithCancel(ctx)
	ps := &probeSet{cancel: cancel, up: c.spec.StartupProbe == nil, ready: c.spec.ReadinessProbe == nil}
	// The attempt's ID and address are copied: the worker moves on to the
	// next attempt while a cancelled prober may still be finishing.
	p := prober{c: c, pod: pod, set: ps, id: c.id, ip: c.w.ip.String(), spec: c.spec}
	if c.spec.StartupProbe != nil {
		go p.loop(ctx, probeStartup, c.spec.StartupProbe)
	}
	if c.spec.LivenessProbe != nil {
		go p.loop(ctx, probeLiveness, c.spec.LivenessProbe)
	}
	if c.spec.ReadinessProbe != nil {
		go p.loop(ctx, probeReadiness, c.spec.ReadinessProbe)
	}
	return ps
}

func (ps *probeSet) stop() { ps.cancel() }

func (ps *probeSet) started() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.up
}

func (ps *probeSet) isReady() bool {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.up && ps.ready
}

func (ps *probeSet) killReason() string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return ps.kill
}

// prober runs the probes of one container attempt.
type prober struct {
	c      *ctr
	pod    *api.Pod
	set    *probeSet
	id, ip string
	spec   api.Container
}

// loop probes every period and applies the thresholds: startup and
// liveness failures ask for a restart, readiness follows its verdicts.
func (p prober) loop(ctx context.Context, kind string, pr *api.Probe) {
	period, timeout := seconds(pr.PeriodSeconds, 10), seconds(pr.TimeoutSeconds, 1)
	success, failure := threshold(pr.SuccessThreshold, 1), threshold(pr.FailureThreshold, 3)
	if !sleep(ctx, p.c.w.a.cfg.Clock, seconds(pr.InitialDelaySeconds, 0)) {
		return
	}
	oks, fails := 0, 0
	for {
		if kind == probeStartup || p.set.started() {
			err := p.once(ctx, pr, timeout)
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				oks, fails = oks+1, 0
			} else {
				oks, fails = 0, fails+1
				p.c.w.a.events.Eventf(p.pod, api.EventTypeWarning, "Unhealthy", "%s probe failed: %v", kind, err)
			}
			if p.verdict(kind, oks >= success, fails >= failure, err) {
				return
			}
		}
		if !sleep(ctx, p.c.w.a.cfg.Clock, period) {
			return
		}
	}
}

// verdict records what the counts mean; true when this prober is done.
func (p prober) verdict(kind string, passed, failed bool, err error) bool {
	ps := p.set
	ps.mu.Lock()
	changed := false
	switch kind {
	case probeStartup:
		changed = passed && !ps.up
		ps.up = ps.up || passed
		if failed {
			ps.kill, changed = fmt.Sprintf("failed startup probe: %v", err), true
		}
	case probeLiveness:
		if failed {
			ps.kill, changed = fmt.Sprintf("failed liveness probe: %v", err), true
		}
	case probeReadiness:
		if passed != ps.ready && (passed || failed) {
			ps.ready, changed = passed, true
		}
	}
	done := ps.kill != "" || (kind == probeStartup && ps.up)
	ps.mu.Unlock()
	if changed {
		p.c.w.wake()
	}
	return done
}

// once runs the probe's handler.
func (p prober) once(ctx context.Context, pr *api.Probe, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch h := pr.ProbeHandler; {
	case h.Exec != nil:
		code, out, err := p.c.w.a.cfg.Runtime.Exec(ctx, p.id, h.Exec.Command)
		if err != nil {
			return err
		}
		if code != 0 {
			return fmt.Errorf("command %v exited with %d: %s", h.Exec.Command, code, out)
		}
		return nil
	case h.HTTPGet != nil:
		return p.httpGet(ctx, h.HTTPGet)
	case h.TCPSocket != nil:
		port, err := p.port(h.TCPSocket.Port)
		if err != nil {
			return err
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(p.host(h.TCPSocket.Host), port))
		if err != nil {
			return err
		}
		return conn.Close()
	}
	return fmt.Errorf("probe has no handler")
}

// probeClient does not follow redirects off the pod and skips TLS
// verification, as the kubelet's HTTP prober.
var probeClient = &http.Client{
	Transport:     &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func (p prober) httpGet(ctx context.Context, g *api.HTTPGetAction) error {
	port, err := p.port(g.Port)
	if err != nil {
		return err
	}
	scheme := "http"
	if g.Scheme == "HTTPS" {
		scheme = "https"
	}
	url := fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(p.host(g.Host), port), g.Path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/1.32")
	for _, h := range g.HTTPHeaders {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}

// host is the probe's host, else the pod's IP.
func (p prober) host(h string) string {
	if h != "" {
		return h
	}
	return p.ip
}

// port resolves a number or the name of one of the container's ports.
func (p prober) port(v api.IntOrString) (string, error) {
	if !v.IsString {
		return strconv.Itoa(int(v.IntVal)), nil
	}
	for _, cp := range p.spec.Ports {
		if cp.Name == v.StrVal {
			return strconv.Itoa(int(cp.ContainerPort)), nil
		}
	}
	if n, err := strconv.Atoi(v.StrVal); err == nil {
		return strconv.Itoa(n), nil
	}
	return "", fmt.Errorf("port %q is not a container port", v.StrVal)
}

func seconds(v, def int32) time.Duration {
	if v <= 0 {
		v = def
	}
	return time.Duration(v) * time.Second
}

func threshold(v, def int32) int {
	if v <= 0 {
		v = def
	}
	return int(v)
}
