package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"reflect"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// The patch types served.
const (
	mergePatchType     = "application/merge-patch+json"
	jsonPatchType      = "application/json-patch+json"
	strategicPatchType = "application/strategic-merge-patch+json"
)

// maxPatchRetries bounds how often a patch without a resourceVersion is
// reapplied after a concurrent write, as Kubernetes retries such patches.
const maxPatchRetries = 5

// patch answers PATCH on an object or its status: the patch is applied to
// the stored object's JSON and the result stored as an update. A patch
// that sets no resourceVersion is retried against fresh state on conflict.
func (s *Server) patch(w http.ResponseWriter, r *http.Request, t target) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == applyPatchType {
		s.serverSideApply(w, r, t)
		return
	}
	req, err := s.readPatch(r, reflect.TypeOf(t.kind.New()))
	if err != nil {
		writeError(w, err)
		return
	}
	for attempt := 0; ; attempt++ {
		out, retry, err := s.patchOnce(r, t, req.apply, req.body, req.dryRun)
		if retry && attempt < maxPatchRetries {
			continue
		}
		if err != nil {
			writeError(w, err)
			return
		}
		writeObject(w, http.StatusOK, out)
		return
	}
}

// patchRequest is what every PATCH handler reads from its request.
type patchRequest struct {
	dryRun bool
	apply  patcher
	body   []byte
}

// readPatch reads dryRun, the patcher for the Content-Type over goType,
// and the body, so the object and subresource handlers parse alike.
func (s *Server) readPatch(r *http.Request, goType reflect.Type) (patchRequest, error) {
	dry, err := isDryRun(r)
	if err != nil {
		return patchRequest{}, err
	}
	apply, err := patcherFor(r.Header.Get("Content-Type"), goType)
	if err != nil {
		return patchRequest{}, err
	}
	body, err := s.readBody(r)
	if err != nil {
		return patchRequest{}, err
	}
	return patchRequest{dryRun: dry, apply: apply, body: body}, nil
}

// patchOnce applies the patch to the current object and updates it;
// retry reports a conflict the caller may retry.
func (s *Server) patchOnce(r *http.Request, t target, apply patcher, body []byte, dry bool) (api.Object, bool, error) {
	cur, err := s.reg.Get(r.Context(), t.kind, t.namespace, t.name)
	if err != nil {
		return nil, false, err
	}
	curJSON, err := api.Encode(cur)
	if err != nil {
		return nil, false, registry.NewInternalError(err)
	}
	patched, err := apply(curJSON, body)
	if err != nil {
		return nil, false, registry.NewBadRequest(fmt.Sprintf("apply patch: %v", err))
	}
	obj, err := decodeBytes(patched, t.kind)
	if err != nil {
		return nil, false, err
	}
	if err := matchPath(obj.GetObjectMeta(), t); err != nil {
		return nil, false, err
	}
	unconditional := obj.GetObjectMeta().ResourceVersion == cur.GetObjectMeta().ResourceVersion
	out, err := s.reg.Update(r.Context(), t.kind, obj, registry.UpdateOptions{DryRun: dry, Subresource: t.sub})
	if se, ok := errAs(err); ok && se.Status.Reason == api.StatusReasonConflict && unconditional {
		return nil, true, err
	}
	return out, false, err
}

// patcher applies a patch document to an object's JSON.
type patcher func(doc, patch []byte) ([]byte, error)

// patcherFor picks the patcher for a Content-Type and the patched
// object's Go type (whose fields a strategic merge patch follows), or 415.
func patcherFor(contentType string, goType reflect.Type) (patcher, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case mergePatchType:
		return jsonpatch.MergePatch, nil
	case strategicPatchType:
		return strategicPatcher(goType), nil
	case jsonPatchType:
		return applyJSONPatch, nil
	}
	st := registry.NewBadRequest(fmt.Sprintf("the body of the request was in an unknown format - "+
		"accepted media types include: %s, %s, %s, %s", jsonPatchType, mergePatchType, strategicPatchType, applyPatchType))
	st.Status.Code, st.Status.Reason = http.StatusUnsupportedMediaType, api.StatusReasonUnsupportedMediaType
	return nil, st
}

// applyJSONPatch applies an RFC 6902 JSON patch.
func applyJSONPatch(doc, patch []byte) ([]byte, error) {
	p, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, fmt.Errorf("decode JSON patch: %w", err)
	}
	out, err := p.Apply(doc)
	if err != nil {
		return nil, fmt.Errorf("apply JSON patch: %w", err)
	}
	return out, nil
}
