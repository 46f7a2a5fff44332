package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	kjson "sigs.k8s.io/json"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
)

// podKind is the kind Bind writes to.
var podKind = api.MustLookupKind(api.CoreV1, "Pod")

// collectionPath is the REST path of kind's objects in namespace ("" for
// all namespaces, or a cluster-scoped kind).
func collectionPath(kind *api.Kind, namespace string) string {
	p := "/api/" + kind.Version
	if kind.Group != "" {
		p = "/apis/" + kind.Group + "/" + kind.Version
	}
	if kind.Namespaced && namespace != "" {
		p += "/namespaces/" + namespace
	}
	return p + "/" + kind.Resource
}

// objectPath is the REST path of one object, or of its subresource sub.
func objectPath(kind *api.Kind, namespace, name, sub string) string {
	p := collectionPath(kind, namespace) + "/" + name
	if sub != "" {
		p += "/" + sub
	}
	return p
}

// dryRunQuery is the query asking the server to store nothing.
func dryRunQuery(dryRun bool) url.Values {
	if !dryRun {
		return nil
	}
	return url.Values{"dryRun": {"All"}}
}

// decodeObject decodes a server's JSON object, which must be of kind;
// one without kind and apiVersion (a list item) takes kind's.
func decodeObject(kind *api.Kind, data []byte) (api.Object, error) {
	obj := kind.New()
	if err := kjson.UnmarshalCaseSensitivePreserveInts(data, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", kind.Kind, err)
	}
	tm := obj.GetTypeMeta()
	if tm.Kind == "" && tm.APIVersion == "" { // list items may go without
		tm.Kind, tm.APIVersion = kind.Kind, kind.APIVersion()
	}
	if tm.Kind != kind.Kind || tm.APIVersion != kind.APIVersion() {
		return nil, fmt.Errorf("decode %s: the server sent apiVersion %q kind %q", kind.Kind, tm.APIVersion, tm.Kind)
	}
	return obj, nil
}

// Get returns the stored object, as registry.Registry.Get does.
func (c *Client) Get(ctx context.Context, kind *api.Kind, namespace, name string) (api.Object, error) {
	if err := registry.CheckKey(kind, namespace, name); err != nil {
		return nil, err
	}
	body, err := c.do(ctx, request{method: http.MethodGet, path: objectPath(kind, namespace, name, "")})
	if err != nil {
		return nil, err
	}
	return decodeObject(kind, body)
}

// Create stores a new object in namespace (or the object's own namespace
// when namespace is empty) and returns it as stored; obj is not changed.
func (c *Client) Create(ctx context.Context, kind *api.Kind, namespace string, obj api.Object, opts registry.CreateOptions) (api.Object, error) {
	if err := checkObject(kind, obj); err != nil {
		return nil, err
	}
	ns, err := createNamespace(kind, namespace, obj.GetObjectMeta())
	if err != nil {
		return nil, err
	}
	data, err := api.Encode(obj)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", kind.GroupResource(), err)
	}
	body, err := c.do(ctx, request{method: http.MethodPost, path: collectionPath(kind, ns),
		query: dryRunQuery(opts.DryRun), body: data})
	if err != nil {
		return nil, err
	}
	return decodeObject(kind, body)
}

// createNamespace is the namespace a create is posted to, with the
// registry's errors for a missing or superfluous one.
func createNamespace(kind *api.Kind, namespace string, m *api.ObjectMeta) (string, error) {
	if !kind.Namespaced {
		return "", checkScope(kind, namespace)
	}
	if namespace == "" {
		namespace = m.Namespace
	}
	if namespace == "" {
		return "", registry.NewBadRequest(fmt.Sprintf("%s is namespaced: a namespace is required", kind.GroupResource()))
	}
	return namespace, nil
}

// Update replaces the object (keeping the stored status) or, with
// opts.Subresource registry.SubresourceStatus, only its status, as
// registry.Registry.Update does; a non-empty resourceVersion must match.
func (c *Client) Update(ctx context.Context, kind *api.Kind, obj api.Object, opts registry.UpdateOptions) (api.Object, error) {
	if err := checkObject(kind, obj); err != nil {
		return nil, err
	}
	if opts.Subresource != "" && opts.Subresource != registry.SubresourceStatus {
		return nil, registry.NewBadRequest(fmt.Sprintf("unknown subresource %q", opts.Subresource))
	}
	m := obj.GetObjectMeta()
	if err := registry.CheckKey(kind, m.Namespace, m.Name); err != nil {
		return nil, err
	}
	data, err := api.Encode(obj)
	if err != nil {
		return nil, fmt.Errorf("update %s %q: %w", kind.GroupResource(), m.Name, err)
	}
	body, err := c.do(ctx, request{method: http.MethodPut, path: objectPath(kind, m.Namespace, m.Name, opts.Subresource),
		query: dryRunQuery(opts.DryRun), body: data})
	if err != nil {
		return nil, err
	}
	return decodeObject(kind, body)
}

// UpdateStatus writes only obj's status: Update with the status subresource.
func (c *Client) UpdateStatus(ctx context.Context, kind *api.Kind, obj api.Object) (api.Object, error) {
	return c.Update(ctx, kind, obj, registry.UpdateOptions{Subresource: registry.SubresourceStatus})
}

// Bind places an unbound pod on b's target node through pods/binding, as
// registry.Registry.Bind does; binding a bound pod is a Conflict.
func (c *Client) Bind(ctx context.Context, namespace, name string, b *registry.Binding, dryRun bool) error {
	if err := registry.CheckKey(podKind, namespace, name); err != nil {
		return err
	}
	wire := *b
	if wire.Kind == "" {
		wire.Kind = "Binding"
	}
	if wire.APIVersion == "" {
		wire.APIVersion = api.CoreV1
	}
	data, err := json.Marshal(wire)
	if err != nil {
		return fmt.Errorf("bind pod %s/%s: %w", namespace, name, err)
	}
	_, err = c.do(ctx, request{method: http.MethodPost, path: objectPath(podKind, namespace, name, registry.SubresourceBinding),
		query: dryRunQuery(dryRun), body: data})
	return err
}
