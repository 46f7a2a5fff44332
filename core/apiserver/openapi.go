package apiserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// openAPIDocs are the OpenAPI v3 documents, built once from the kinds'
// Go types: per group-version documents keyed by path ("api/v1",
// "apis/apps/v1") and the discovery document listing them.
type openAPIDocs struct {
	root []byte
	gvs  map[string][]byte
}

var (
	openAPIOnce  sync.Once
	openAPICache *openAPIDocs
	openAPIErr   error
)

// openAPI returns the documents, building them on first use.
func openAPI() (*openAPIDocs, error) {
	openAPIOnce.Do(func() { openAPICache, openAPIErr = buildOpenAPI() })
	return openAPICache, openAPIErr
}

// buildOpenAPI renders every group version's document and the root
// listing them with content hashes, so kubectl's cache sees changes.
func buildOpenAPI() (*openAPIDocs, error) {
	byGV := map[string][]*api.Kind{}
	for _, k := range api.Kinds() {
		byGV[gvPath(k)] = append(byGV[gvPath(k)], k)
	}
	docs := &openAPIDocs{gvs: map[string][]byte{}}
	paths := map[string]map[string]string{}
	for p, kinds := range byGV {
		b, err := json.Marshal(gvDocument(kinds))
		if err != nil {
			return nil, fmt.Errorf("encode OpenAPI document %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		docs.gvs[p] = b
		paths[p] = map[string]string{"serverRelativeURL": "/openapi/v3/" + p + "?hash=" +
			strings.ToUpper(hex.EncodeToString(sum[:]))}
	}
	root, err := json.Marshal(map[string]any{"paths": paths})
	if err != nil {
		return nil, fmt.Errorf("encode OpenAPI root: %w", err)
	}
	docs.root = root
	return docs, nil
}

// gvPath is the REST prefix of k's group version without the leading slash.
func gvPath(k *api.Kind) string {
	if k.Group == "" {
		return "api/" + k.Version
	}
	return "apis/" + k.Group + "/" + k.Version
}

// gvDocument is the OpenAPI v3 document of one group version's kinds.
func gvDocument(kinds []*api.Kind) map[string]any {
	paths := map[string]any{}
	for _, k := range kinds {
		addKindPaths(paths, k)
	}
	return map[string]any{
		"openapi":    "3.0.0",
		"info":       map[string]string{"title": "kubetwin", "version": DefaultGitVersion},
		"paths":      paths,
		"components": map[string]any{"schemas": kindSchemas(kinds)},
	}
}

// addKindPaths adds the collection and object paths of k, each operation
// tagged with k's group, version and kind as kubectl looks them up.
func addKindPaths(paths map[string]any, k *api.Kind) {
	base := "/" + gvPath(k)
	if k.Namespaced {
		base += "/namespaces/{namespace}"
	}
	coll, item := base+"/"+k.Resource, base+"/"+k.Resource+"/{name}"
	ref := schema{"$ref": "#/components/schemas/" + schemaPrefix + reflect.TypeOf(k.New()).Elem().Name()}
	paths[coll] = map[string]any{
		"get":    operation(k, "list", ref, nil),
		"post":   operation(k, "post", ref, writeParams),
		"delete": operation(k, "deletecollection", ref, nil),
	}
	paths[item] = map[string]any{
		"get":    operation(k, "get", ref, nil),
		"put":    operation(k, "put", ref, writeParams),
		"patch":  operation(k, "patch", ref, append(append([]string{}, writeParams...), "force")),
		"delete": operation(k, "delete", ref, []string{"dryRun"}),
	}
	if registry.HasStatus(k) {
		paths[item+"/status"] = map[string]any{
			"get": operation(k, "get", ref, nil), "put": operation(k, "put", ref, writeParams),
			"patch": operation(k, "patch", ref, writeParams),
		}
	}
}

// writeParams are the query parameters every write accepts; kubectl sends
// fieldValidation only when the document lists it.
var writeParams = []string{"dryRun", "fieldManager", "fieldValidation"}

// operation is one OpenAPI operation on k.
func operation(k *api.Kind, action string, ref schema, query []string) map[string]any {
	params := make([]map[string]any, 0, len(query))
	for _, q := range query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": schema{"type": "string"}})
	}
	op := map[string]any{
		"operationId":                     action + k.Kind,
		"x-kubernetes-action":             action,
		"x-kubernetes-group-version-kind": gvkExtension(k),
		"responses": map[string]any{"200": map[string]any{"description": "OK",
			"content": map[string]any{"application/json": map[string]any{"schema": ref}}}},
	}
	if len(params) > 0 {
		op["parameters"] = params
	}
	if action == "patch" {
		content := map[string]any{}
		for _, ct := range []string{jsonPatchType, mergePatchType, strategicPatchType, applyPatchType} {
			content[ct] = map[string]any{"schema": schema{"type": "object"}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	return op
}

// serveOpenAPI answers /openapi/v3 and /openapi/v3/{group version}; v2
// is not served (kubectl falls back to v3 when it is absent).
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request, path string) {
	rest, ok := strings.CutPrefix(path, "openapi/v3")
	if !ok || r.Method != http.MethodGet {
		writeError(w, notFoundPath())
		return
	}
	docs, err := openAPI()
	if err != nil {
		writeError(w, registry.NewInternalError(err))
		return
	}
	b := docs.root
	if rest != "" {
		if b, ok = docs.gvs[strings.TrimPrefix(rest, "/")]; !ok {
			writeError(w, notFoundPath())
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
