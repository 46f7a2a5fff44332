package agent

import (
	"fmt"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
)

// env is the container's environment: literal values and the pod fields
// and resources the downward API offers. (Kubernetes' service variables
// and $(VAR) expansion are not provided.)
func (c *ctr) env(pod *api.Pod) ([]string, error) {
	out := make([]string, 0, len(c.spec.Env))
	for _, e := range c.spec.Env {
		v, err := c.envValue(pod, e)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		out = append(out, e.Name+"="+v)
	}
	return out, nil
}

func (c *ctr) envValue(pod *api.Pod, e api.EnvVar) (string, error) {
	switch {
	case e.ValueFrom == nil:
		return e.Value, nil
	case e.ValueFrom.FieldRef != nil:
		return c.fieldValue(pod, e.ValueFrom.FieldRef.FieldPath)
	case e.ValueFrom.ResourceFieldRef != nil:
		return c.resourceValue(pod, e.ValueFrom.ResourceFieldRef)
	}
	return "", fmt.Errorf("unsupported valueFrom")
}

// fieldValue reads a pod field by the downward API's paths.
func (c *ctr) fieldValue(pod *api.Pod, path string) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return c.w.ip.String(), nil
	case "status.hostIP", "status.hostIPs":
		return c.w.a.cfg.Address, nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if key, ok := strings.CutPrefix(path, prefix+"['"); ok && strings.HasSuffix(key, "']") {
			return m[strings.TrimSuffix(key, "']")], nil
		}
	}
	return "", fmt.Errorf("unsupported fieldPath %q", path)
}

// resourceValue reads a container's limit or request, divided by the
// divisor and rounded up as the kubelet does; an unset limit is the node's
// allocatable.
func (c *ctr) resourceValue(pod *api.Pod, ref *api.ResourceFieldSelector) (string, error) {
	target := c.spec
	if ref.ContainerName != "" {
		found := false
		for _, x := range append(append([]api.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
			if x.Name == ref.ContainerName {
				target, found = x, true
			}
		}
		if !found {
			return "", fmt.Errorf("no container %q", ref.ContainerName)
		}
	}
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported resource %q", ref.Resource)
	}
	list := target.Resources.Limits
	if kind == "requests" {
		list = target.Resources.Requests
	}
	q, ok := list[api.ResourceName(name)]
	if !ok {
		capacity, err := c.w.a.capacity()
		if err != nil {
			return "", err
		}
		q = capacity[api.ResourceName(name)]
	}
	div := ref.Divisor.MilliValue()
	if div <= 0 {
		div = 1000
	}
	return fmt.Sprint((q.MilliValue() + div - 1) / div), nil
}
