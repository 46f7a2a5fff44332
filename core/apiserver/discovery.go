package apiserver

import (
	"net/http"
	"runtime"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// The discovery documents, in the plain JSON shapes of metav1.APIVersions,
// APIGroupList and APIResourceList that kubectl reads.
type (
	apiVersionsDoc struct {
		Kind     string   `json:"kind"`
		Versions []string `json:"versions"`
		Servers  []struct {
			ClientCIDR    string `json:"clientCIDR"`
			ServerAddress string `json:"serverAddress"`
		} `json:"serverAddressByClientCIDRs"`
	}
	groupVersionDoc struct {
		GroupVersion string `json:"groupVersion"`
		Version      string `json:"version"`
	}
	apiGroupDoc struct {
		Name             string            `json:"name"`
		Versions         []groupVersionDoc `json:"versions"`
		PreferredVersion groupVersionDoc   `json:"preferredVersion"`
	}
	apiGroupListDoc struct {
		Kind       string        `json:"kind"`
		APIVersion string        `json:"apiVersion"`
		Groups     []apiGroupDoc `json:"groups"`
	}
	apiResourceDoc struct {
		Name         string   `json:"name"`
		SingularName string   `json:"singularName"`
		Namespaced   bool     `json:"namespaced"`
		Kind         string   `json:"kind"`
		Group        string   `json:"group,omitempty"`
		Version      string   `json:"version,omitempty"`
		Verbs        []string `json:"verbs"`
		ShortNames   []string `json:"shortNames,omitempty"`
	}
	apiResourceListDoc struct {
		Kind         string           `json:"kind"`
		APIVersion   string           `json:"apiVersion"`
		GroupVersion string           `json:"groupVersion"`
		Resources    []apiResourceDoc `json:"resources"`
	}
)

// objectVerbs are the verbs every kind serves; statusVerbs those of the
// status subresource.
var (
	objectVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	statusVerbs = []string{"get", "patch", "update"}
)

// apiVersions is the /api document: the core group's one version.
func apiVersions() apiVersionsDoc {
	return apiVersionsDoc{Kind: "APIVersions", Versions: []string{"v1"},
		Servers: []struct {
			ClientCIDR    string `json:"clientCIDR"`
			ServerAddress string `json:"serverAddress"`
		}{{ClientCIDR: "0.0.0.0/0"}}}
}

// apiGroupList is the /apis document: every named group with its version.
func apiGroupList() apiGroupListDoc {
	doc := apiGroupListDoc{Kind: "APIGroupList", APIVersion: "v1", Groups: []apiGroupDoc{}}
	seen := map[string]bool{}
	for _, k := range api.Kinds() {
		if k.Group == "" || seen[k.Group] {
			continue
		}
		seen[k.Group] = true
		gv := groupVersionDoc{GroupVersion: k.APIVersion(), Version: k.Version}
		doc.Groups = append(doc.Groups, apiGroupDoc{Name: k.Group, Versions: []groupVersionDoc{gv}, PreferredVersion: gv})
	}
	return doc
}

// serveResourceList answers /api/v1 and /apis/{group}/{version}.
func (s *Server) serveResourceList(w http.ResponseWriter, r *http.Request, gv string) {
	if r.Method != http.MethodGet {
		writeError(w, registry.NewMethodNotAllowed(r.Method))
		return
	}
	doc := apiResourceListDoc{Kind: "APIResourceList", APIVersion: "v1", GroupVersion: gv}
	for _, k := range api.Kinds() {
		if k.APIVersion() != gv {
			continue
		}
		doc.Resources = append(doc.Resources, apiResourceDoc{Name: k.Resource, SingularName: k.Singular,
			Namespaced: k.Namespaced, Kind: k.Kind, Verbs: objectVerbs, ShortNames: k.ShortNames})
		if registry.HasStatus(k) {
			doc.Resources = append(doc.Resources, apiResourceDoc{Name: k.Resource + "/status",
				Namespaced: k.Namespaced, Kind: k.Kind, Verbs: statusVerbs})
		}
		doc.Resources = append(doc.Resources, subresourceDocs(k)...)
	}
	if doc.Resources == nil {
		writeError(w, notFoundPath())
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

// subresourceDocs lists k's scale, binding and log subresources.
func subresourceDocs(k *api.Kind) []apiResourceDoc {
	var out []apiResourceDoc
	if registry.HasScale(k) {
		out = append(out, apiResourceDoc{Name: k.Resource + "/scale", Namespaced: k.Namespaced,
			Kind: "Scale", Group: "autoscaling", Version: "v1", Verbs: statusVerbs})
	}
	if hasSubresource(k, registry.SubresourceBinding) {
		out = append(out, apiResourceDoc{Name: k.Resource + "/binding", Namespaced: k.Namespaced,
			Kind: "Binding", Verbs: []string{"create"}})
		out = append(out, apiResourceDoc{Name: k.Resource + "/" + subresourceLog, Namespaced: k.Namespaced,
			Kind: "Pod", Verbs: []string{"get"}})
	}
	return out
}

// versionDoc is the /version document, as Kubernetes' version.Info.
type versionDoc struct {
	Major        string `json:"major"`
	Minor        string `json:"minor"`
	GitVersion   string `json:"gitVersion"`
	GitCommit    string `json:"gitCommit"`
	GitTreeState string `json:"gitTreeState"`
	BuildDate    string `json:"buildDate"`
	GoVersion    string `json:"goVersion"`
	Compiler     string `json:"compiler"`
	Platform     string `json:"platform"`
}

// serveVersion answers /version with the Kubernetes version kubetwin mimics.
func (s *Server) serveVersion(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, versionDoc{Major: "1", Minor: "32", GitVersion: s.version,
		GitTreeState: "clean", GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: runtime.GOOS + "/" + runtime.GOARCH})
}
