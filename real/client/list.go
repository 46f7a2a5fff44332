package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/api/fields"
	"github.com/kubetwin/kubetwin/core/api/labels"
	"github.com/kubetwin/kubetwin/core/store"
)

// listDoc is the wire form of a list, its items left for the kind's decoder.
type listDoc struct {
	Metadata api.ListMeta      `json:"metadata"`
	Items    []json.RawMessage `json:"items"`
}

// List returns the matching objects, as registry.Registry.List does: a
// page of them with Limit, and a Continue token for the next page.
//
// A Revision asks for the state at that revision, sent as resourceVersion
// with resourceVersionMatch=Exact; kubetwin's server always lists the
// latest state, so a list whose answer is at another revision fails with
// store.ErrInvalid instead of silently returning newer objects.
func (c *Client) List(ctx context.Context, kind *api.Kind, opts store.ListOptions) (*store.ListResult, error) {
	if err := checkScope(kind, opts.Namespace); err != nil {
		return nil, err
	}
	matchNone := selectsNothing(opts.Labels)
	q := listQuery(opts)
	if matchNone {
		q.Del("labelSelector")
		q.Set("limit", "1") // only the revision is wanted
	}
	body, err := c.do(ctx, request{method: http.MethodGet, path: collectionPath(kind, opts.Namespace), query: q})
	if err != nil {
		return nil, err
	}
	res, err := decodeList(kind, body)
	if err != nil {
		return nil, err
	}
	if matchNone {
		return &store.ListResult{Revision: res.Revision}, nil
	}
	if opts.Revision != 0 && opts.Continue == "" && res.Revision != opts.Revision {
		return nil, fmt.Errorf("list %s at revision %d: the server listed at revision %d: %w",
			kind.GroupResource(), opts.Revision, res.Revision, store.ErrInvalid)
	}
	return res, nil
}

// selectsNothing reports a labels.Nothing selector, which has no wire
// form ("<none>" does not parse): it is answered without items.
func selectsNothing(sel labels.Selector) bool {
	return sel != nil && !sel.Empty() && len(sel.Requirements()) == 0
}

// selectorQuery holds the label and field selectors as query parameters.
func selectorQuery(ls labels.Selector, fs fields.Selector) url.Values {
	q := url.Values{}
	if ls != nil && !ls.Empty() {
		q.Set("labelSelector", ls.String())
	}
	if fs != nil && !fs.Empty() {
		q.Set("fieldSelector", fs.String())
	}
	return q
}

// listQuery is the query of a list request.
func listQuery(opts store.ListOptions) url.Values {
	q := selectorQuery(opts.Labels, opts.Fields)
	if opts.Limit > 0 {
		q.Set("limit", strconv.FormatInt(opts.Limit, 10))
	}
	switch {
	case opts.Continue != "":
		q.Set("continue", opts.Continue) // the token holds its revision
	case opts.Revision > 0:
		q.Set("resourceVersion", strconv.FormatInt(opts.Revision, 10))
		q.Set("resourceVersionMatch", "Exact")
	}
	return q
}

// decodeList decodes a list of kind into a store.ListResult.
func decodeList(kind *api.Kind, body []byte) (*store.ListResult, error) {
	var doc listDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode %s list: %w", kind.Kind, err)
	}
	rev, err := store.ParseResourceVersion(doc.Metadata.ResourceVersion)
	if err != nil {
		return nil, fmt.Errorf("decode %s list: %w", kind.Kind, err)
	}
	res := &store.ListResult{Revision: rev, Continue: doc.Metadata.Continue, Items: make([]api.Object, 0, len(doc.Items))}
	if n := doc.Metadata.RemainingItemCount; n != nil {
		res.Remaining = *n
	}
	for i, raw := range doc.Items {
		obj, err := decodeObject(kind, raw)
		if err != nil {
			return nil, fmt.Errorf("%s list item %d: %w", kind.Kind, i, err)
		}
		res.Items = append(res.Items, obj)
	}
	return res, nil
}
