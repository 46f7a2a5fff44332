package apiserver

import (
	"fmt"
	"net/http"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// subresourceLog is pods/log, which kubectl logs reads.
const subresourceLog = "log"

// podLog answers pods/log. Logs live on the node that runs the pod and
// are served by its agent; until an agent serves them (real mode), the
// answer says why there are none instead of a bare 404.
func (s *Server) podLog(r *http.Request, t target) error {
	obj, err := s.reg.Get(r.Context(), t.kind, t.namespace, t.name)
	if err != nil {
		return err
	}
	pod := obj.(*api.Pod)
	if c := r.URL.Query().Get("container"); c != "" && !hasContainer(pod, c) {
		return registry.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", c, pod.Name))
	}
	if pod.Spec.NodeName == "" {
		return registry.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	return registry.NewStatusError(http.StatusServiceUnavailable, api.StatusReasonServiceUnavailable,
		fmt.Sprintf("no node agent serves the logs of pod %s on node %s", pod.Name, pod.Spec.NodeName), nil)
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
