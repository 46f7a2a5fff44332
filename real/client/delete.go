package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// deleteOptionsDoc is the wire form of metav1.DeleteOptions.
type deleteOptionsDoc struct {
	Kind               string         `json:"kind"`
	APIVersion         string         `json:"apiVersion"`
	GracePeriodSeconds *int64         `json:"gracePeriodSeconds,omitempty"`
	Preconditions      *preconditions `json:"preconditions,omitempty"`
	PropagationPolicy  string         `json:"propagationPolicy,omitempty"`
	DryRun             []string       `json:"dryRun,omitempty"`
}

// preconditions is the wire form of metav1.Preconditions.
type preconditions struct {
	UID             string `json:"uid,omitempty"`
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Delete removes an object, or marks it for deletion while finalizers or a
// grace period keep it, as registry.Registry.Delete does. It returns the
// object's last state and whether it is gone. The server reports a removed
// object only by name and uid, so the object returned when gone is of the
// right kind but carries only its name, namespace and uid.
func (c *Client) Delete(ctx context.Context, kind *api.Kind, namespace, name string, opts registry.DeleteOptions) (api.Object, bool, error) {
	if err := registry.CheckKey(kind, namespace, name); err != nil {
		return nil, false, err
	}
	doc, err := deleteBody(opts)
	if err != nil {
		return nil, false, err
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, false, fmt.Errorf("delete %s %q: %w", kind.GroupResource(), name, err)
	}
	body, err := c.do(ctx, request{method: http.MethodDelete, path: objectPath(kind, namespace, name, ""), body: data})
	if err != nil {
		return nil, false, err
	}
	return decodeDeleted(kind, namespace, name, body)
}

// policyOfFinalizer is the propagation policy each store finalizer stands for.
var policyOfFinalizer = map[string]string{
	store.FinalizerOrphan:     registry.PropagationOrphan,
	store.FinalizerForeground: registry.PropagationForeground,
}

// deleteBody turns registry options into DeleteOptions. The store-level
// finalizers the registry derives from a propagation policy travel as
// that policy; others cannot be expressed on the wire.
func deleteBody(opts registry.DeleteOptions) (deleteOptionsDoc, error) {
	doc := deleteOptionsDoc{Kind: "DeleteOptions", APIVersion: api.CoreV1,
		GracePeriodSeconds: opts.GracePeriodSeconds, PropagationPolicy: opts.PropagationPolicy}
	if opts.UID != "" || opts.ResourceVersion != "" {
		doc.Preconditions = &preconditions{UID: opts.UID, ResourceVersion: opts.ResourceVersion}
	}
	if opts.DryRun {
		doc.DryRun = []string{"All"}
	}
	for _, f := range opts.Finalizers {
		policy := policyOfFinalizer[f]
		if policy == "" || (doc.PropagationPolicy != "" && doc.PropagationPolicy != policy) {
			return doc, registry.NewBadRequest(fmt.Sprintf("delete finalizer %q cannot be sent to the server: "+
				"use PropagationPolicy", f))
		}
		doc.PropagationPolicy = policy
	}
	return doc, nil
}

// decodeDeleted reads a delete's answer: the object while it remains, or
// a Success Status once it is gone.
func decodeDeleted(kind *api.Kind, namespace, name string, body []byte) (api.Object, bool, error) {
	var head struct {
		Kind    string             `json:"kind"`
		Details *api.StatusDetails `json:"details"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, false, fmt.Errorf("delete %s %q: decode answer: %w", kind.GroupResource(), name, err)
	}
	if head.Kind != "Status" {
		obj, err := decodeObject(kind, body)
		return obj, false, err
	}
	obj := kind.New()
	if err := api.SetTypeMeta(obj); err != nil {
		return nil, false, fmt.Errorf("delete %s %q: %w", kind.GroupResource(), name, err)
	}
	m := obj.GetObjectMeta()
	m.Name = name
	if kind.Namespaced {
		m.Namespace = namespace
	}
	if head.Details != nil {
		m.UID = head.Details.UID
	}
	return obj, true, nil
}
