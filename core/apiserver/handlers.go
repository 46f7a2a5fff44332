package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// listDoc is the wire form of a list: {kind: PodList, apiVersion, metadata, items}.
type listDoc struct {
	Kind       string       `json:"kind"`
	APIVersion string       `json:"apiVersion"`
	Metadata   api.ListMeta `json:"metadata"`
	Items      []api.Object `json:"items"`
}

// newListDoc wraps items (never nil on the wire) as a list of kind.
func newListDoc(kind *api.Kind, items []api.Object) listDoc {
	if items == nil {
		items = []api.Object{}
	}
	return listDoc{Kind: kind.Kind + "List", APIVersion: kind.APIVersion(), Items: items}
}

// get answers GET on an object or its status.
func (s *Server) get(w http.ResponseWriter, r *http.Request, t target) {
	tr, err := s.wantsTable(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.reg.Get(r.Context(), t.kind, t.namespace, t.name)
	if err != nil {
		writeError(w, err)
		return
	}
	if tr != nil {
		tr.writeTable(w, t.kind, []api.Object{obj}, api.ListMeta{ResourceVersion: obj.GetObjectMeta().ResourceVersion})
		return
	}
	writeObject(w, http.StatusOK, obj)
}

// list answers GET on a collection.
func (s *Server) list(w http.ResponseWriter, r *http.Request, t target) {
	tr, err := s.wantsTable(r)
	if err != nil {
		writeError(w, err)
		return
	}
	opts, err := listOptions(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	res, err := s.reg.List(r.Context(), t.kind, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	if tr != nil {
		tr.writeTable(w, t.kind, res.Items, listMetaOf(res))
		return
	}
	doc := newListDoc(t.kind, res.Items)
	doc.Metadata = listMetaOf(res)
	writeJSON(w, http.StatusOK, doc)
}

// create answers POST on a collection.
func (s *Server) create(w http.ResponseWriter, r *http.Request, t target) {
	dry, err := isDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.decodeObject(r, t.kind)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.authorizeCreate(r, t, obj); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.reg.Create(r.Context(), t.kind, t.namespace, obj, registry.CreateOptions{DryRun: dry})
	if err != nil {
		writeError(w, err)
		return
	}
	writeObject(w, http.StatusCreated, out)
}

// update answers PUT on an object or its status.
func (s *Server) update(w http.ResponseWriter, r *http.Request, t target) {
	dry, err := isDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.decodeObject(r, t.kind)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := matchPath(obj.GetObjectMeta(), t); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.reg.Update(r.Context(), t.kind, obj, registry.UpdateOptions{DryRun: dry, Subresource: t.sub})
	if err != nil {
		writeError(w, err)
		return
	}
	writeObject(w, http.StatusOK, out)
}

// matchPath fills an empty name or namespace from the path and rejects a
// body naming another object.
func matchPath(m *api.ObjectMeta, t target) error {
	if m.Name == "" {
		m.Name = t.name
	}
	if m.Name != t.name {
		return registry.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)",
			m.Name, t.name))
	}
	if !t.kind.Namespaced {
		return nil
	}
	if m.Namespace == "" {
		m.Namespace = t.namespace
	}
	if m.Namespace != t.namespace {
		return registry.NewBadRequest(fmt.Sprintf("the namespace of the object (%s) does not match the namespace on the URL (%s)",
			m.Namespace, t.namespace))
	}
	return nil
}

// delete answers DELETE on an object: the object while it remains
// (finalizers, grace period), else a Success Status naming it.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, t target) {
	opts, err := s.deleteOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, gone, err := s.reg.Delete(r.Context(), t.kind, t.namespace, t.name, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	if !gone {
		writeObject(w, http.StatusOK, obj)
		return
	}
	st := api.NewStatus(api.StatusSuccess, 0, "", "")
	st.Details = &api.StatusDetails{Name: t.name, Group: t.kind.Group, Kind: t.kind.Resource,
		UID: obj.GetObjectMeta().UID}
	writeJSON(w, http.StatusOK, st)
}

// deleteCollection answers DELETE on a collection: every selected object
// is deleted, and the list of them (as they were last) is returned.
func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, t target) {
	opts, err := s.deleteOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	lopts, err := listOptions(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	lopts.Limit, lopts.Continue = 0, ""
	res, err := s.reg.List(r.Context(), t.kind, lopts)
	if err != nil {
		writeError(w, err)
		return
	}
	var deleted []api.Object
	for _, item := range res.Items {
		m := item.GetObjectMeta()
		obj, _, err := s.reg.Delete(r.Context(), t.kind, m.Namespace, m.Name, opts)
		if registry.IsNotFound(err) {
			continue // deleted meanwhile: nothing left to do
		}
		if err != nil {
			writeError(w, err)
			return
		}
		deleted = append(deleted, obj)
	}
	doc := newListDoc(t.kind, deleted)
	doc.Metadata.ResourceVersion = strconv.FormatInt(res.Revision, 10)
	writeJSON(w, http.StatusOK, doc)
}

// revisionOf reads a resourceVersion query value, as BadRequest when malformed.
func revisionOf(rv string) (int64, error) {
	n, err := store.ParseResourceVersion(rv)
	if err != nil {
		return 0, registry.NewBadRequest(err.Error())
	}
	return n, nil
}

// authorizeCreate checks a create again now that the body names the
// object, so a node may create only its own Node and Lease.
func (s *Server) authorizeCreate(r *http.Request, t target, obj api.Object) error {
	a := attributesOf(r, t)
	a.name = obj.GetObjectMeta().Name
	if a.name == "" {
		a.name = obj.GetObjectMeta().GenerateName
	}
	return s.authorize(r.Context(), a)
}
