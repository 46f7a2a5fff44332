package apiserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// applyPatchType is the media type of a server-side apply request.
const applyPatchType = "application/apply-patch+yaml"

// applyRequest is one server-side apply: who applies what to which object.
type applyRequest struct {
	t       target
	manager string
	config  map[string]any
	dry     bool
	// force takes fields other managers applied instead of refusing.
	force bool
}

// serverSideApply answers PATCH with an applied configuration: it creates
// the object if absent, else merges the configuration in (lists by their
// merge keys) and removes the fields this manager applied last time but
// no longer does. Its field set is kept in metadata.managedFields.
// Changing a field another manager applied is a 409 Conflict naming the
// field and manager, unless force=true, which takes the field over.
func (s *Server) serverSideApply(w http.ResponseWriter, r *http.Request, t target) {
	req, err := s.readApply(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	for attempt := 0; ; attempt++ {
		out, code, err := s.applyOnce(r, req)
		if errors.Is(err, store.ErrConflict) && attempt < maxPatchRetries { // a stale read, not a manager conflict
			continue
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeObject(w, code, out)
		return
	}
}

// readApply reads and checks an apply request: a field manager, and a
// configuration that decodes as the path's kind and names its object.
func (s *Server) readApply(r *http.Request, t target) (applyRequest, error) {
	q := r.URL.Query()
	req := applyRequest{t: t, manager: q.Get("fieldManager"), force: q.Get("force") == "true"}
	var err error
	if req.dry, err = isDryRun(r); err != nil {
		return req, err
	}
	if req.manager == "" || t.sub != "" {
		return req, registry.NewBadRequest("server-side apply needs a fieldManager and the main resource")
	}
	body, err := s.readBody(r)
	if err != nil {
		return req, err
	}
	js, err := toJSON(body)
	if err != nil {
		return req, err
	}
	obj, err := decodeBytes(js, t.kind)
	if err != nil {
		return req, err
	}
	if m := obj.GetObjectMeta(); m.Name != t.name || (m.Namespace != "" && m.Namespace != t.namespace) {
		return req, registry.NewBadRequest(fmt.Sprintf("the applied object must be named %s", t.name))
	}
	if req.config, err = decodeJSONObject(js); err != nil {
		return req, registry.NewBadRequest(fmt.Sprintf("malformed applied configuration: %v", err))
	}
	return req, nil
}

// applyOnce applies against the object as stored now, returning it and
// the status code (201 when created).
func (s *Server) applyOnce(r *http.Request, req applyRequest) (api.Object, int, error) {
	t := req.t
	goType := derefType(reflect.TypeOf(t.kind.New()))
	cur, err := s.reg.Get(r.Context(), t.kind, t.namespace, t.name)
	if registry.IsNotFound(err) {
		obj, err := s.appliedObject(nil, req, goType)
		if err != nil {
			return nil, 0, err
		}
		out, err := s.reg.Create(r.Context(), t.kind, t.namespace, obj, registry.CreateOptions{DryRun: req.dry})
		return out, http.StatusCreated, err
	}
	if err != nil {
		return nil, 0, err
	}
	obj, err := s.appliedObject(cur, req, goType)
	if err != nil {
		return nil, 0, err
	}
	out, err := s.reg.Update(r.Context(), t.kind, obj, registry.UpdateOptions{DryRun: req.dry})
	return out, http.StatusOK, err
}

// appliedObject merges the configuration into cur (nil when creating),
// drops the fields the manager stopped applying and records its new set.
func (s *Server) appliedObject(cur api.Object, req applyRequest, goType reflect.Type) (api.Object, error) {
	base := map[string]any{}
	var managed []api.ManagedField
	if cur != nil {
		b, err := api.Encode(cur)
		if err != nil {
			return nil, registry.NewInternalError(err)
		}
		if base, err = decodeJSONObject(b); err != nil {
			return nil, registry.NewInternalError(err)
		}
		managed = cur.GetObjectMeta().ManagedFields
	}
	merged, err := mergeMap(base, req.config, goType)
	if err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("apply: %v", err))
	}
	next := fieldSetOf(req.config, goType)
	if cs := findConflicts(base, merged, managed, req.manager, next); len(cs) > 0 {
		if !req.force {
			return nil, conflictError(req.t.kind, req.t.name, cs)
		}
		managed = withoutConflicts(managed, cs)
	}
	removeFields(merged, managerFields(managed, req.manager), next, goType)
	b, err := json.Marshal(merged)
	if err != nil {
		return nil, registry.NewInternalError(err)
	}
	obj, err := decodeBytes(b, req.t.kind)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		obj.GetObjectMeta().ResourceVersion = cur.GetObjectMeta().ResourceVersion
	}
	entry, err := s.managedEntry(req, next)
	if err != nil {
		return nil, err
	}
	obj.GetObjectMeta().ManagedFields = withManagedEntry(managed, entry)
	return obj, nil
}

// managerFields is the field set manager last applied, or an empty set.
func managerFields(managed []api.ManagedField, manager string) fieldSet {
	for _, m := range managed {
		if m.Manager == manager && m.Operation == "Apply" && m.FieldsV1 != nil {
			var fs fieldSet
			if json.Unmarshal(m.FieldsV1.Raw, &fs) == nil && fs != nil {
				return fs
			}
		}
	}
	return fieldSet{}
}

// managedEntry is the managedFields entry recording an apply.
func (s *Server) managedEntry(req applyRequest, fs fieldSet) (api.ManagedField, error) {
	raw, err := json.Marshal(fs)
	if err != nil {
		return api.ManagedField{}, registry.NewInternalError(err)
	}
	now := api.NewTime(s.clock.Now())
	return api.ManagedField{Manager: req.manager, Operation: "Apply", APIVersion: req.t.kind.APIVersion(),
		Time: &now, FieldsType: "FieldsV1", FieldsV1: &api.RawExtension{Raw: raw}}, nil
}

// withManagedEntry replaces the manager's Apply entry or appends it.
func withManagedEntry(managed []api.ManagedField, e api.ManagedField) []api.ManagedField {
	out := make([]api.ManagedField, 0, len(managed)+1)
	for _, m := range managed {
		if m.Manager != e.Manager || m.Operation != e.Operation {
			out = append(out, m)
		}
	}
	return append(out, e)
}
