package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// attributes are what the authorizer decides on: the verb and the object
// or collection addressed. name is "" for a collection, and for a create
// until the body has been read.
type attributes struct {
	verb      string
	kind      *api.Kind
	namespace string
	name      string
	sub       string
}

// attributesOf names a REST request's verb as Kubernetes' RBAC does.
func attributesOf(r *http.Request, t target) attributes {
	a := attributes{kind: t.kind, namespace: t.namespace, name: t.name, sub: t.sub}
	switch {
	case r.Method == http.MethodGet && t.name == "" && isWatch(r):
		a.verb = "watch"
	case r.Method == http.MethodGet && t.name == "":
		a.verb = "list"
	case r.Method == http.MethodGet:
		a.verb = "get"
	case r.Method == http.MethodPost:
		a.verb = "create"
	case r.Method == http.MethodPut:
		a.verb = "update"
	case r.Method == http.MethodPatch:
		a.verb = "patch"
	case r.Method == http.MethodDelete && t.name == "":
		a.verb = "deletecollection"
	default:
		a.verb = strings.ToLower(r.Method)
	}
	return a
}

// authorize applies the built-in policy: system:masters may do anything;
// a node (system:node:<name> in system:nodes) may read anything and write
// only what a node agent writes about itself; anyone else nothing. A
// server without authentication allows everything.
func (s *Server) authorize(ctx context.Context, a attributes) error {
	u := UserFrom(ctx)
	if s.auth == nil || u.InGroup(GroupMasters) {
		return nil
	}
	if node, ok := nodeName(u); ok {
		allowed, err := s.nodeMay(ctx, node, a)
		if err != nil || allowed {
			return err
		}
	}
	return forbidden(u, a)
}

// nodeName is the node a node user speaks for.
func nodeName(u *User) (string, bool) {
	name, ok := strings.CutPrefix(u.Name, NodeUserPrefix)
	return name, ok && name != "" && u.InGroup(GroupNodes)
}

// nodeMay is the node policy: reads, its own Node and Lease, the status
// of pods bound to it, and new events.
func (s *Server) nodeMay(ctx context.Context, node string, a attributes) (bool, error) {
	own := a.name == node || (a.verb == "create" && a.name == "")
	write := a.verb == "create" || a.verb == "update" || a.verb == "patch"
	switch {
	case a.verb == "get" || a.verb == "list" || a.verb == "watch":
		return true, nil
	case !write:
		return false, nil
	case a.kind.Kind == "Node":
		return own, nil
	case a.kind.Kind == "Lease" && a.namespace == api.NamespaceNodeLease:
		return own, nil
	case a.kind.Kind == "Event":
		return a.verb == "create", nil
	case a.kind.Kind == "Pod" && a.sub == registry.SubresourceStatus && a.verb != "create":
		return s.podOnNode(ctx, a, node)
	}
	return false, nil
}

// podOnNode reports whether the stored pod a names is bound to node; a
// missing pod is left for the handler to report as NotFound.
func (s *Server) podOnNode(ctx context.Context, a attributes, node string) (bool, error) {
	obj, err := s.reg.Get(ctx, a.kind, a.namespace, a.name)
	if registry.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return obj.(*api.Pod).Spec.NodeName == node, nil
}

// forbidden is the 403 Status naming who may not do what, in Kubernetes' words.
func forbidden(u *User, a attributes) error {
	res := a.kind.Resource
	if a.sub != "" {
		res += "/" + a.sub
	}
	msg := fmt.Sprintf("User %q cannot %s resource %q in API group %q", u.Name, a.verb, res, a.kind.Group)
	if a.namespace != "" {
		msg += fmt.Sprintf(" in the namespace %q", a.namespace)
	} else if !a.kind.Namespaced {
		msg += " at the cluster scope"
	}
	return registry.NewForbidden(a.kind, a.name, fmt.Errorf("%s", msg))
}
