package apiserver

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// subresourceLog is pods/log, which kubectl logs reads.
const subresourceLog = "log"

// logParams are the PodLogOptions passed on to the node agent.
var logParams = []string{"follow", "previous", "tailLines", "limitBytes", "sinceSeconds", "timestamps"}

// podLog answers pods/log by proxying to the agent of the pod's node (its
// InternalIP and kubelet endpoint port), as kube-apiserver does. Without
// a node client, or an agent that advertises no port, the answer says
// why there are no logs instead of a bare 404.
func (s *Server) podLog(w http.ResponseWriter, r *http.Request, t target) error {
	obj, err := s.reg.Get(r.Context(), t.kind, t.namespace, t.name)
	if err != nil {
		return err
	}
	pod := obj.(*api.Pod)
	container, err := logContainer(pod, r.URL.Query().Get("container"))
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		return registry.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	addr, err := s.agentAddress(r, pod.Spec.NodeName)
	if err != nil {
		return err
	}
	q := url.Values{}
	for _, p := range logParams {
		if v := r.URL.Query().Get(p); v != "" {
			q.Set(p, v)
		}
	}
	u := url.URL{Scheme: "http", Host: addr, RawQuery: q.Encode(),
		Path: fmt.Sprintf("/containerLogs/%s/%s/%s", pod.Namespace, pod.Name, container)}
	return s.proxyLog(w, r, u.String(), pod)
}

// logContainer is the container asked for, or the pod's only one.
func logContainer(p *api.Pod, name string) (string, error) {
	if name != "" {
		if !hasContainer(p, name) {
			return "", registry.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, p.Name))
		}
		return name, nil
	}
	if len(p.Spec.Containers) == 1 {
		return p.Spec.Containers[0].Name, nil
	}
	names := make([]string, len(p.Spec.Containers))
	for i, c := range p.Spec.Containers {
		names[i] = c.Name
	}
	return "", registry.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]",
		p.Name, strings.Join(names, " ")))
}

// agentAddress is host:port of a node's agent.
func (s *Server) agentAddress(r *http.Request, nodeName string) (string, error) {
	unavailable := func(why string) error {
		return registry.NewStatusError(http.StatusServiceUnavailable, api.StatusReasonServiceUnavailable,
			fmt.Sprintf("no node agent serves the logs on node %s: %s", nodeName, why), nil)
	}
	if s.nodes == nil {
		return "", unavailable("this server does not reach node agents")
	}
	obj, err := s.reg.Get(r.Context(), nodeKind, "", nodeName)
	if err != nil {
		return "", unavailable(err.Error())
	}
	n := obj.(*api.Node)
	port := n.Status.DaemonEndpoints.KubeletEndpoint.Port
	for _, a := range n.Status.Addresses {
		if a.Type == api.NodeInternalIP && port > 0 {
			return net.JoinHostPort(a.Address, strconv.Itoa(int(port))), nil
		}
	}
	return "", unavailable("the node advertises no agent address and port")
}

// proxyLog streams the agent's answer, flushing as it comes so that
// kubectl logs -f sees lines as they are written.
func (s *Server) proxyLog(w http.ResponseWriter, r *http.Request, target string, pod *api.Pod) error {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := s.nodes.Do(req)
	if err != nil {
		return registry.NewStatusError(http.StatusServiceUnavailable, api.StatusReasonServiceUnavailable,
			fmt.Sprintf("node agent of %s: %v", pod.Spec.NodeName, err), nil)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return registry.NewBadRequest(strings.TrimSpace(string(msg)))
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return nil
		}
	}
}

func hasContainer(p *api.Pod, name string) bool {
	for _, cs := range [][]api.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range cs {
			if c.Name == name {
				return true
			}
		}
	}
	return false
}

// nodeKind is the kind pods/log looks up to find the pod's agent.
var nodeKind = func() *api.Kind {
	k, err := api.LookupKind(api.CoreV1, "Node")
	if err != nil {
		panic(fmt.Sprintf("apiserver: %v", err))
	}
	return k
}()
