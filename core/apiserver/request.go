package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"sigs.k8s.io/yaml"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// readBody reads a request body of at most s.maxBody bytes.
func (s *Server) readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > s.maxBody {
		return nil, registry.NewRequestEntityTooLarge(s.maxBody)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, s.maxBody+1))
	if err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("read request body: %v", err))
	}
	if int64(len(b)) > s.maxBody {
		return nil, registry.NewRequestEntityTooLarge(s.maxBody)
	}
	return b, nil
}

// checkBodyType says whether a body is Kubernetes protobuf, and refuses
// other encodings than JSON and YAML (CBOR, say) with a 415.
func checkBodyType(r *http.Request) (protobuf bool, err error) {
	ct := r.Header.Get("Content-Type")
	mt, _, perr := mime.ParseMediaType(ct)
	if ct == "" || perr != nil {
		return false, nil // no or odd header: the body is sniffed as JSON or YAML
	}
	switch mt {
	case protobufType:
		return true, nil
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml", "*/*":
		return false, nil
	}
	return false, registry.NewUnsupportedMediaType(ct)
}

// toJSON converts a JSON or YAML body to JSON.
func toJSON(body []byte) ([]byte, error) {
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		return t, nil
	}
	js, err := yaml.YAMLToJSONStrict(body)
	if err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("malformed body: %v", err))
	}
	return js, nil
}

// decodeObject decodes a request body as an object of kind; a body
// without kind and apiVersion takes the path's, one with others is a
// BadRequest.
func (s *Server) decodeObject(r *http.Request, kind *api.Kind) (api.Object, error) {
	proto, err := checkBodyType(r)
	if err != nil {
		return nil, err
	}
	body, err := s.readBody(r)
	if err != nil {
		return nil, err
	}
	if proto {
		if body, err = protobufToJSON(body); err != nil {
			return nil, err
		}
	}
	return decodeBytes(body, kind)
}

// decodeBytes is decodeObject's work on a body already read.
func decodeBytes(body []byte, kind *api.Kind) (api.Object, error) {
	js, err := toJSON(body)
	if err != nil {
		return nil, err
	}
	var fieldsIn map[string]json.RawMessage
	if err := json.Unmarshal(js, &fieldsIn); err != nil || fieldsIn == nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("malformed body: not a JSON object: %v", err))
	}
	if err := fillTypeMeta(fieldsIn, kind); err != nil {
		return nil, err
	}
	if js, err = json.Marshal(fieldsIn); err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("malformed body: %v", err))
	}
	obj, err := api.DecodeObject(js)
	if err != nil {
		return nil, registry.NewBadRequest(fmt.Sprintf("decode %s: %v", kind.Kind, err))
	}
	if k, err := api.KindOf(obj); err != nil || k != kind {
		return nil, registry.NewBadRequest(fmt.Sprintf("the body is a %s, not a %s", obj.GetTypeMeta().Kind, kind.Kind))
	}
	return obj, nil
}

// fillTypeMeta sets missing kind and apiVersion from the path and rejects
// ones that name another kind.
func fillTypeMeta(m map[string]json.RawMessage, kind *api.Kind) error {
	want := map[string]string{"apiVersion": kind.APIVersion(), "kind": kind.Kind}
	for _, key := range []string{"apiVersion", "kind"} {
		raw, ok := m[key]
		if !ok {
			m[key], _ = json.Marshal(want[key])
			continue
		}
		var got string
		if err := json.Unmarshal(raw, &got); err != nil {
			return registry.NewBadRequest(fmt.Sprintf("%s must be a string", key))
		}
		if got != want[key] {
			return registry.NewBadRequest(fmt.Sprintf("the %s in the data (%s) does not match the expected %s (%s)",
				key, got, key, want[key]))
		}
	}
	return nil
}

// isDryRun reads ?dryRun=All; any other value is a BadRequest.
func isDryRun(r *http.Request) (bool, error) {
	vals := r.URL.Query()["dryRun"]
	for _, v := range vals {
		if v != "All" {
			return false, registry.NewBadRequest(fmt.Sprintf("unsupported dryRun value %q: only All is supported", v))
		}
	}
	return len(vals) > 0, nil
}

// selectors parses labelSelector and fieldSelector query parameters.
func selectors(r *http.Request) (labels.Selector, fields.Selector, error) {
	q := r.URL.Query()
	ls, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return nil, nil, registry.NewBadRequest(fmt.Sprintf("unable to parse labelSelector: %v", err))
	}
	fs, err := fields.Parse(q.Get("fieldSelector"))
	if err != nil {
		return nil, nil, registry.NewBadRequest(fmt.Sprintf("unable to parse fieldSelector: %v", err))
	}
	return ls, fs, nil
}

// listOptions reads a list request's query: selectors, limit and continue.
// resourceVersion and resourceVersionMatch are accepted and ignored: a
// list always reads the latest state, which satisfies every match rule
// but Exact.
func listOptions(r *http.Request, t target) (store.ListOptions, error) {
	ls, fs, err := selectors(r)
	if err != nil {
		return store.ListOptions{}, err
	}
	opts := store.ListOptions{Namespace: t.namespace, Labels: ls, Fields: fs, Continue: r.URL.Query().Get("continue")}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return store.ListOptions{}, registry.NewBadRequest(fmt.Sprintf("limit %q is not a non-negative integer", v))
		}
		opts.Limit = n
	}
	return opts, nil
}

// deleteOptionsDoc is the wire form of metav1.DeleteOptions.
type deleteOptionsDoc struct {
	api.TypeMeta       `json:",inline"`
	GracePeriodSeconds *int64 `json:"gracePeriodSeconds,omitempty"`
	Preconditions      *struct {
		UID             *string `json:"uid,omitempty"`
		ResourceVersion *string `json:"resourceVersion,omitempty"`
	} `json:"preconditions,omitempty"`
	OrphanDependents  *bool    `json:"orphanDependents,omitempty"`
	PropagationPolicy *string  `json:"propagationPolicy,omitempty"`
	DryRun            []string `json:"dryRun,omitempty"`
}

// deleteOptions reads DeleteOptions from the body (if any) and the query.
func (s *Server) deleteOptions(r *http.Request) (registry.DeleteOptions, error) {
	var doc deleteOptionsDoc
	body, err := s.readBody(r)
	if err != nil {
		return registry.DeleteOptions{}, err
	}
	if len(bytes.TrimSpace(body)) > 0 {
		js, err := toJSON(body)
		if err != nil {
			return registry.DeleteOptions{}, err
		}
		if err := json.Unmarshal(js, &doc); err != nil {
			return registry.DeleteOptions{}, registry.NewBadRequest(fmt.Sprintf("malformed DeleteOptions: %v", err))
		}
	}
	return mergeDeleteQuery(r, doc)
}

// mergeDeleteQuery combines the body's options with the query's.
func mergeDeleteQuery(r *http.Request, doc deleteOptionsDoc) (registry.DeleteOptions, error) {
	var opts registry.DeleteOptions
	q := r.URL.Query()
	opts.GracePeriodSeconds = doc.GracePeriodSeconds
	if v := q.Get("gracePeriodSeconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return opts, registry.NewBadRequest(fmt.Sprintf("gracePeriodSeconds %q is not an integer", v))
		}
		opts.GracePeriodSeconds = &n
	}
	if p := doc.Preconditions; p != nil {
		if p.UID != nil {
			opts.UID = *p.UID
		}
		if p.ResourceVersion != nil {
			opts.ResourceVersion = *p.ResourceVersion
		}
	}
	if doc.PropagationPolicy != nil {
		opts.PropagationPolicy = *doc.PropagationPolicy
	}
	if v := q.Get("propagationPolicy"); v != "" {
		opts.PropagationPolicy = v
	}
	dry, err := isDryRun(r)
	if err != nil {
		return opts, err
	}
	for _, v := range doc.DryRun {
		if v != "All" {
			return opts, registry.NewBadRequest(fmt.Sprintf("unsupported dryRun value %q", v))
		}
		dry = true
	}
	opts.DryRun = dry
	return opts, nil
}

// errAs is errors.As for StatusErrors, for handlers that branch on reason.
func errAs(err error) (*registry.StatusError, bool) {
	var se *registry.StatusError
	ok := errors.As(err, &se)
	return se, ok
}
