package validation

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/field"
)

// podOptions says where a pod spec appears: a workload template may leave
// images out, as Kubernetes allows for tools that fill them in later.
type podOptions struct {
	template bool
}

// validateContainers checks the regular containers: at least one, names
// unique, no per-container restart policy, and liveness and startup probes
// that succeed on the first success.
func validateContainers(s *api.PodSpec, vols map[string]bool, names map[string]bool, p *field.Path, o podOptions) field.ErrorList {
	if len(s.Containers) == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for i := range s.Containers {
		c, cp := &s.Containers[i], p.Index(i)
		errs = append(errs, validateContainer(c, vols, names, cp, o)...)
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(cp.Child("restartPolicy"), "may not be set for non-init containers"))
		}
		errs = append(errs, validateProbeSuccess(c, cp)...)
	}
	return errs
}

// validateInitContainers checks init containers: names unique across all
// containers, restartPolicy only Always (a sidecar), and probes and
// lifecycle hooks only on sidecars.
func validateInitContainers(s *api.PodSpec, vols map[string]bool, names map[string]bool, p *field.Path, o podOptions) field.ErrorList {
	var errs field.ErrorList
	for i := range s.InitContainers {
		c, cp := &s.InitContainers[i], p.Index(i)
		errs = append(errs, validateContainer(c, vols, names, cp, o)...)
		if c.RestartPolicy != nil && *c.RestartPolicy != api.ContainerRestartPolicyAlways {
			errs = append(errs, field.NotSupported(cp.Child("restartPolicy"), string(*c.RestartPolicy),
				[]string{string(api.ContainerRestartPolicyAlways)}))
		}
		if c.RestartPolicy != nil {
			errs = append(errs, validateProbeSuccess(c, cp)...)
			continue
		}
		const msg = "may not be set for init containers without restartPolicy=Always"
		for _, f := range []struct {
			name string
			set  bool
		}{{"lifecycle", c.Lifecycle != nil}, {"livenessProbe", c.LivenessProbe != nil},
			{"readinessProbe", c.ReadinessProbe != nil}, {"startupProbe", c.StartupProbe != nil}} {
			if f.set {
				errs = append(errs, field.Forbidden(cp.Child(f.name), msg))
			}
		}
	}
	return errs
}

// validateProbeSuccess enforces that liveness and startup probes use a
// success threshold of 1: one success is all they can act on.
func validateProbeSuccess(c *api.Container, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.LivenessProbe != nil && c.LivenessProbe.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("livenessProbe", "successThreshold"), c.LivenessProbe.SuccessThreshold, "must be 1"))
	}
	if c.StartupProbe != nil && c.StartupProbe.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(p.Child("startupProbe", "successThreshold"), c.StartupProbe.SuccessThreshold, "must be 1"))
	}
	return errs
}

// validateContainer checks what every kind of container shares.
func validateContainer(c *api.Container, vols, names map[string]bool, p *field.Path, o podOptions) field.ErrorList {
	var errs field.ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, field.Required(p.Child("name"), ""))
	case names[c.Name]:
		errs = append(errs, field.Duplicate(p.Child("name"), c.Name))
	default:
		errs = append(errs, validateDNSLabel(c.Name, p.Child("name"))...)
	}
	names[c.Name] = true
	if c.Image == "" && !o.template {
		errs = append(errs, field.Required(p.Child("image"), ""))
	} else if c.Image != strings.TrimSpace(c.Image) {
		errs = append(errs, field.Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	errs = append(errs, validateContainerPorts(c.Ports, p.Child("ports"))...)
	errs = append(errs, validateEnv(c.Env, p.Child("env"))...)
	errs = append(errs, validateVolumeMounts(c.VolumeMounts, vols, p.Child("volumeMounts"))...)
	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
	errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
	errs = append(errs, validateLifecycle(c.Lifecycle, p.Child("lifecycle"))...)
	errs = append(errs, validateEnum(string(c.ImagePullPolicy), p.Child("imagePullPolicy"),
		string(api.PullAlways), string(api.PullIfNotPresent), string(api.PullNever))...)
	errs = append(errs, validateEnum(c.TerminationMessagePolicy, p.Child("terminationMessagePolicy"),
		"File", "FallbackToLogsOnError")...)
	return errs
}

// validateEnum reports an empty value as required and anything outside
// valid as unsupported.
func validateEnum(v string, p *field.Path, valid ...string) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if !slices.Contains(valid, v) {
		return field.ErrorList{field.NotSupported(p, v, valid)}
	}
	return nil
}

var supportedProtocols = []string{string(api.ProtocolSCTP), string(api.ProtocolTCP), string(api.ProtocolUDP)}

func validateContainerPorts(ports []api.ContainerPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	for i, port := range ports {
		pp := p.Index(i)
		if port.Name != "" {
			errs = append(errs, problems(pp.Child("name"), port.Name, isValidPortName(port.Name))...)
			if names[port.Name] {
				errs = append(errs, field.Duplicate(pp.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		if port.ContainerPort == 0 {
			errs = append(errs, field.Required(pp.Child("containerPort"), ""))
		} else {
			errs = append(errs, validatePortNumber(port.ContainerPort, pp.Child("containerPort"))...)
		}
		if port.HostPort != 0 {
			errs = append(errs, validatePortNumber(port.HostPort, pp.Child("hostPort"))...)
		}
		if port.HostIP != "" {
			errs = append(errs, validateIP(port.HostIP, pp.Child("hostIP"))...)
		}
		errs = append(errs, validateEnum(string(port.Protocol), pp.Child("protocol"), supportedProtocols...)...)
	}
	return errs
}

func validateEnv(env []api.EnvVar, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range env {
		ep := p.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(ep.Child("name"), ""))
		} else {
			errs = append(errs, problems(ep.Child("name"), ev.Name, isEnvVarName(ev.Name))...)
		}
		errs = append(errs, validateEnvSource(ev, ep.Child("valueFrom"))...)
	}
	return errs
}

// The pod fields an environment variable may take its value from.
var envFieldPaths = []string{"metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
	"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"}

// The container resources an environment variable may take its value from.
var envResources = []string{"limits.cpu", "limits.ephemeral-storage", "limits.memory",
	"requests.cpu", "requests.ephemeral-storage", "requests.memory"}

func validateEnvSource(ev api.EnvVar, p *field.Path) field.ErrorList {
	src := ev.ValueFrom
	if src == nil {
		return nil
	}
	n := 0
	var errs field.ErrorList
	if f := src.FieldRef; f != nil {
		n++
		errs = append(errs, validateEnvFieldRef(f, p.Child("fieldRef"))...)
	}
	if r := src.ResourceFieldRef; r != nil {
		n++
		errs = append(errs, validateEnum(r.Resource, p.Child("resourceFieldRef", "resource"), envResources...)...)
		if r.Divisor.Sign() < 0 {
			errs = append(errs, field.Invalid(p.Child("resourceFieldRef", "divisor"), r.Divisor.String(), nonNegativeMsg))
		}
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case n > 1:
		errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(p, "", "may not be specified when `value` is not empty"))
	}
	return errs
}

func validateEnvFieldRef(f *api.ObjectFieldSelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if f.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	}
	fp := p.Child("fieldPath")
	if f.FieldPath == "" {
		return append(errs, field.Required(fp, ""))
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if f.FieldPath == prefix {
			return errs
		}
		if key, ok := strings.CutPrefix(f.FieldPath, prefix+"['"); ok && strings.HasSuffix(key, "']") {
			return append(errs, validateQualifiedName(strings.TrimSuffix(key, "']"), fp)...)
		}
	}
	if !slices.Contains(envFieldPaths, f.FieldPath) {
		errs = append(errs, field.NotSupported(fp, f.FieldPath, append(envFieldPaths, "metadata.labels", "metadata.annotations")))
	}
	return errs
}

func validateVolumeMounts(mounts []api.VolumeMount, vols map[string]bool, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := map[string]bool{}
	for i, m := range mounts {
		mp := p.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(mp.Child("name"), ""))
		} else if !vols[m.Name] {
			errs = append(errs, field.NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(mp.Child("mountPath"), ""))
		} else if paths[m.MountPath] {
			errs = append(errs, field.Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths[m.MountPath] = true
		errs = append(errs, validateSubPath(m.SubPath, mp.Child("subPath"))...)
	}
	return errs
}

// validateSubPath keeps a sub-path inside its volume: relative, no "..".
func validateSubPath(s string, p *field.Path) field.ErrorList {
	if s == "" {
		return nil
	}
	if path.IsAbs(s) {
		return field.ErrorList{field.Invalid(p, s, "must be a relative path")}
	}
	if slices.Contains(strings.Split(s, "/"), "..") {
		return field.ErrorList{field.Invalid(p, s, "must not contain '..'")}
	}
	return nil
}

// validateProbe checks one probe: one handler and no negative timings.
func validateProbe(pr *api.Probe, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	errs := validateHandler(&pr.ProbeHandler, p)
	errs = append(errs, nonNegative(int64(pr.InitialDelaySeconds), p.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(pr.TimeoutSeconds), p.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.PeriodSeconds), p.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.SuccessThreshold), p.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(pr.FailureThreshold), p.Child("failureThreshold"))...)
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

func validateLifecycle(l *api.Lifecycle, p *field.Path) field.ErrorList {
	if l == nil {
		return nil
	}
	var errs field.ErrorList
	if l.PostStart != nil {
		errs = append(errs, validateHandler(l.PostStart, p.Child("postStart"))...)
	}
	if l.PreStop != nil {
		errs = append(errs, validateHandler(l.PreStop, p.Child("preStop"))...)
	}
	return errs
}

// validateHandler checks that exactly one action is given and that it is valid.
func validateHandler(h *api.ProbeHandler, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	check := func(set bool, name string, validate func(*field.Path) field.ErrorList) {
		if !set {
			return
		}
		if n++; n > 1 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		errs = append(errs, validate(p.Child(name))...)
	}
	check(h.Exec != nil, "exec", func(ep *field.Path) field.ErrorList {
		if len(h.Exec.Command) == 0 {
			return field.ErrorList{field.Required(ep.Child("command"), "")}
		}
		return nil
	})
	check(h.HTTPGet != nil, "httpGet", func(hp *field.Path) field.ErrorList { return validateHTTPGet(h.HTTPGet, hp) })
	check(h.TCPSocket != nil, "tcpSocket", func(tp *field.Path) field.ErrorList {
		return validatePortNumOrName(h.TCPSocket.Port, tp.Child("port"))
	})
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

func validateHTTPGet(g *api.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if g.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, validatePortNumOrName(g.Port, p.Child("port"))...)
	if g.Scheme != "HTTP" && g.Scheme != "HTTPS" {
		errs = append(errs, field.NotSupported(p.Child("scheme"), g.Scheme, []string{"HTTP", "HTTPS"}))
	}
	for i, h := range g.HTTPHeaders {
		if !httpHeaderNameRegexp.MatchString(h.Name) {
			errs = append(errs, field.Invalid(p.Child("httpHeaders").Index(i).Child("name"), h.Name,
				"a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', "+
					"regex used for validation is '[-A-Za-z0-9]+')"))
		}
	}
	return errs
}

// validateResources checks names and signs of requests and limits, that
// requests don't exceed limits, and that resources which can't be
// overcommitted (extended resources, hugepages) request exactly their limit.
func validateResources(r *api.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := p.Child("limits"), p.Child("requests")
	for _, name := range sortedKeys(r.Limits) {
		errs = append(errs, validateResourceEntry(name, r.Limits[name], limPath.Key(string(name)), true)...)
	}
	for _, name := range sortedKeys(r.Requests) {
		q, rp := r.Requests[name], reqPath.Key(string(name))
		errs = append(errs, validateResourceEntry(name, q, rp, true)...)
		lim, hasLimit := r.Limits[name]
		switch {
		case overcommitAllowed(name):
			if hasLimit && q.Cmp(lim) > 0 {
				errs = append(errs, field.Invalid(rp, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, lim.String())))
			}
		case !hasLimit:
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		case q.Cmp(lim) != 0:
			errs = append(errs, field.Invalid(rp, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, lim.String())))
		}
	}
	return errs
}
