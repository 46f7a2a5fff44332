package apiserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// serveSubresource answers the scale, binding and log subresources.
func (s *Server) serveSubresource(w http.ResponseWriter, r *http.Request, t target) {
	switch {
	case t.sub == subresourceLog && r.Method == http.MethodGet:
		if err := s.podLog(w, r, t); err != nil {
			writeError(w, err)
		}
	case t.sub == registry.SubresourceBinding && r.Method == http.MethodPost:
		s.bind(w, r, t)
	case t.sub == registry.SubresourceScale && r.Method == http.MethodGet:
		sc, err := s.reg.GetScale(r.Context(), t.kind, t.namespace, t.name)
		writeResult(w, sc, err)
	case t.sub == registry.SubresourceScale && r.Method == http.MethodPut:
		s.putScale(w, r, t)
	case t.sub == registry.SubresourceScale && r.Method == http.MethodPatch:
		s.patchScale(w, r, t)
	default:
		writeError(w, registry.NewMethodNotAllowed(r.Method))
	}
}

// writeResult writes v as 200 OK, or err.
func writeResult(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// decodeStrict decodes a JSON or YAML body into v, rejecting unknown fields.
func decodeStrict(body []byte, v any, what string) error {
	js, err := toJSON(body)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(js))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return registry.NewBadRequest(fmt.Sprintf("decode %s: %v", what, err))
	}
	return nil
}

// bind answers POST pods/{name}/binding with a Success Status.
func (s *Server) bind(w http.ResponseWriter, r *http.Request, t target) {
	dry, err := isDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var b registry.Binding
	if err := decodeStrict(body, &b, "Binding"); err != nil {
		writeError(w, err)
		return
	}
	if err := s.reg.Bind(r.Context(), t.namespace, t.name, &b, dry); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, api.NewStatus(api.StatusSuccess, http.StatusCreated, "", ""))
}

// putScale answers PUT {deployments,replicasets}/{name}/scale.
func (s *Server) putScale(w http.ResponseWriter, r *http.Request, t target) {
	dry, err := isDryRun(r)
	if err != nil {
		writeError(w, err)
		return
	}
	body, err := s.readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var sc registry.Scale
	if err := decodeStrict(body, &sc, "Scale"); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.reg.UpdateScale(r.Context(), t.kind, t.namespace, t.name, &sc, dry)
	writeResult(w, out, err)
}

// patchScale answers PATCH on a scale subresource: the patch applies to
// the Scale's JSON, and a patch that sets no resourceVersion is retried
// against fresh state on conflict.
func (s *Server) patchScale(w http.ResponseWriter, r *http.Request, t target) {
	req, err := s.readPatch(r, reflect.TypeOf(registry.Scale{}))
	if err != nil {
		writeError(w, err)
		return
	}
	for attempt := 0; ; attempt++ {
		out, retry, err := s.patchScaleOnce(r, t, req.apply, req.body, req.dryRun)
		if retry && attempt < maxPatchRetries {
			continue
		}
		writeResult(w, out, err)
		return
	}
}

// patchScaleOnce applies a patch to the current Scale and stores it.
func (s *Server) patchScaleOnce(r *http.Request, t target, apply patcher, body []byte, dry bool) (*registry.Scale, bool, error) {
	cur, err := s.reg.GetScale(r.Context(), t.kind, t.namespace, t.name)
	if err != nil {
		return nil, false, err
	}
	curJSON, err := json.Marshal(cur)
	if err != nil {
		return nil, false, registry.NewInternalError(err)
	}
	patched, err := apply(curJSON, body)
	if err != nil {
		return nil, false, registry.NewBadRequest(fmt.Sprintf("apply patch: %v", err))
	}
	var next registry.Scale
	if err := decodeStrict(patched, &next, "Scale"); err != nil {
		return nil, false, err
	}
	unconditional := next.Metadata.ResourceVersion == cur.Metadata.ResourceVersion
	out, err := s.reg.UpdateScale(r.Context(), t.kind, t.namespace, t.name, &next, dry)
	return out, unconditional && registry.IsConflict(err), err
}
