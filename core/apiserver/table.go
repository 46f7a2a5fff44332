package apiserver

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
	"github.com/kubetwin/kubetwin/core/registry"
	"github.com/kubetwin/kubetwin/core/store"
)

// tableGroup is the API group of the Table kind kubectl asks for.
const tableGroup = "meta.k8s.io"

// The includeObject values a Table request may name, as metav1.IncludeObjectPolicy.
const (
	includeNone     = "None"
	includeMetadata = "Metadata"
	includeObject   = "Object"
)

// tableDoc is the wire form of a meta.k8s.io Table.
type tableDoc struct {
	Kind       string        `json:"kind"`
	APIVersion string        `json:"apiVersion"`
	Metadata   api.ListMeta  `json:"metadata"`
	Columns    []columnDoc   `json:"columnDefinitions"`
	Rows       []tableRowDoc `json:"rows"`
}

// columnDoc is one TableColumnDefinition.
type columnDoc struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format"`
	Description string `json:"description"`
	Priority    int32  `json:"priority"`
}

// tableRowDoc is one TableRow: its cells and, as asked, the object.
type tableRowDoc struct {
	Cells  []any `json:"cells"`
	Object any   `json:"object,omitempty"`
}

// partialObjectDoc is PartialObjectMetadata: an object's metadata alone,
// which is all kubectl needs next to the cells.
type partialObjectDoc struct {
	Kind       string          `json:"kind"`
	APIVersion string          `json:"apiVersion"`
	Metadata   *api.ObjectMeta `json:"metadata"`
}

// tableRequest says a request wants Table output: which Table version and
// what to embed in each row. It also carries the server's clock, since
// ages are computed where the rows are made.
type tableRequest struct {
	version string // "v1" or "v1beta1"
	include string
	now     func() time.Time
}

// wantsTable reads the Accept header: the first Table alternative wins;
// nil means the client gets plain JSON objects.
func (s *Server) wantsTable(r *http.Request) (*tableRequest, error) {
	v := tableVersion(r.Header.Get("Accept"))
	if v == "" {
		return nil, nil
	}
	inc := r.URL.Query().Get("includeObject")
	switch inc {
	case "":
		inc = includeMetadata
	case includeNone, includeMetadata, includeObject:
	default:
		return nil, registry.NewBadRequest(fmt.Sprintf("includeObject %q must be None, Metadata or Object", inc))
	}
	return &tableRequest{version: v, include: inc, now: s.clock.Now}, nil
}

// tableVersion returns the version of the first Table media range in an
// Accept header, or "" when none asks for a Table this server serves.
func tableVersion(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil || mt != "application/json" || params["as"] != "Table" || params["g"] != tableGroup {
			continue
		}
		if v := params["v"]; v == "v1" || v == "v1beta1" {
			return v
		}
	}
	return ""
}

// build turns objects of kind into a Table.
func (tr *tableRequest) build(kind *api.Kind, objs []api.Object) (*tableDoc, error) {
	p := printerFor(kind.Kind)
	doc := &tableDoc{Kind: "Table", APIVersion: tableGroup + "/" + tr.version, Rows: []tableRowDoc{}}
	for _, c := range p.columns {
		doc.Columns = append(doc.Columns, columnDoc{Name: c.name, Type: c.typ, Format: c.format,
			Description: c.desc, Priority: c.priority})
	}
	now := tr.now()
	for _, obj := range objs {
		row := tableRowDoc{Cells: p.cells(obj, now)}
		if len(row.Cells) != len(p.columns) {
			return nil, registry.NewInternalError(fmt.Errorf("table for %s: %d cells for %d columns",
				kind.Kind, len(row.Cells), len(p.columns)))
		}
		obj, err := tr.embedded(kind, obj)
		if err != nil {
			return nil, err
		}
		row.Object = obj
		doc.Rows = append(doc.Rows, row)
	}
	return doc, nil
}

// embedded is what a row carries besides its cells, per includeObject.
func (tr *tableRequest) embedded(kind *api.Kind, obj api.Object) (any, error) {
	switch tr.include {
	case includeNone:
		return nil, nil
	case includeObject:
		c := obj.DeepCopyObject()
		if err := api.SetTypeMeta(c); err != nil {
			return nil, registry.NewInternalError(fmt.Errorf("table row of %s: %w", kind.Kind, err))
		}
		return c, nil
	}
	m := *obj.GetObjectMeta()
	return partialObjectDoc{Kind: "PartialObjectMetadata", APIVersion: tableGroup + "/" + tr.version, Metadata: &m}, nil
}

// writeTable answers a get or list with a Table of objs.
func (tr *tableRequest) writeTable(w http.ResponseWriter, kind *api.Kind, objs []api.Object, meta api.ListMeta) {
	doc, err := tr.build(kind, objs)
	if err != nil {
		writeError(w, err)
		return
	}
	doc.Metadata = meta
	writeJSON(w, http.StatusOK, doc)
}

// listMetaOf is the list metadata of a list result.
func listMetaOf(res *store.ListResult) api.ListMeta {
	m := api.ListMeta{ResourceVersion: strconv.FormatInt(res.Revision, 10), Continue: res.Continue}
	if res.Continue != "" {
		n := res.Remaining
		m.RemainingItemCount = &n
	}
	return m
}

// humanAge formats a duration the way kubectl shows ages: two units at
// most, coarser as the duration grows (5s, 3m2s, 4h, 2d3h, 45d, 3y).
func humanAge(d time.Duration) string {
	secs := int64(d / time.Second)
	switch {
	case secs < -1:
		return "<invalid>"
	case secs < 0:
		return "0s"
	case secs < 120:
		return fmt.Sprintf("%ds", secs)
	}
	mins := secs / 60
	hours := mins / 60
	days := hours / 24
	switch {
	case mins < 10:
		return twoUnits(mins, "m", secs%60, "s")
	case mins < 180:
		return fmt.Sprintf("%dm", mins)
	case hours < 8:
		return twoUnits(hours, "h", mins%60, "m")
	case hours < 48:
		return fmt.Sprintf("%dh", hours)
	case hours < 24*8:
		return twoUnits(days, "d", hours%24, "h")
	case days < 365*2:
		return fmt.Sprintf("%dd", days)
	case days < 365*8:
		return twoUnits(days/365, "y", days%365, "d")
	}
	return fmt.Sprintf("%dy", days/365)
}

// twoUnits writes "3m2s", or "3m" when the smaller unit is zero.
func twoUnits(big int64, bigUnit string, small int64, smallUnit string) string {
	if small == 0 {
		return fmt.Sprintf("%d%s", big, bigUnit)
	}
	return fmt.Sprintf("%d%s%d%s", big, bigUnit, small, smallUnit)
}

// ageSince is the AGE cell of a timestamp: "<unknown>" when unset.
func ageSince(t api.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return humanAge(now.Sub(t.Time))
}
