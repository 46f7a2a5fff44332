package apiserver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

var tableNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// created is a creation timestamp d before tableNow.
func created(d time.Duration) api.ObjectMeta {
	return api.ObjectMeta{Name: "x", Namespace: "default", CreationTimestamp: api.NewTime(tableNow.Add(-d))}
}

func TestHumanAge(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-5 * time.Second, "<invalid>"}, {-time.Second / 2, "0s"}, {5 * time.Second, "5s"}, {119 * time.Second, "119s"},
		{3*time.Minute + 2*time.Second, "3m2s"}, {4 * time.Minute, "4m"}, {95 * time.Minute, "95m"},
		{4 * time.Hour, "4h"}, {5*time.Hour + 30*time.Minute, "5h30m"}, {30 * time.Hour, "30h"},
		{51 * time.Hour, "2d3h"}, {72 * time.Hour, "3d"}, {45 * 24 * time.Hour, "45d"},
		{(365*3 + 10) * 24 * time.Hour, "3y10d"}, {365 * 10 * 24 * time.Hour, "10y"},
	} {
		if got := humanAge(c.d); got != c.want {
			t.Errorf("humanAge(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestTableVersionHonoursFirstTable(t *testing.T) {
	for accept, want := range map[string]string{
		"application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json": "v1",
		"application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io":                 "v1beta1",
		"application/json": "", "": "", "application/json;as=Table;v=v2;g=meta.k8s.io": "",
	} {
		if got := tableVersion(accept); got != want {
			t.Errorf("tableVersion(%q) = %q, want %q", accept, got, want)
		}
	}
}

// rowOf prints obj with its kind's printer and checks the header.
func rowOf(t *testing.T, kind string, obj api.Object, header string) []any {
	t.Helper()
	p := printerFor(kind)
	var names []string
	for _, c := range p.columns {
		n := strings.ToUpper(c.name)
		if c.priority > 0 {
			n = "+" + n
		}
		names = append(names, n)
	}
	if got := strings.Join(names, " "); got != header {
		t.Fatalf("%s columns %q, want %q", kind, got, header)
	}
	cells := p.cells(obj, tableNow)
	if len(cells) != len(p.columns) {
		t.Fatalf("%s: %d cells for %d columns", kind, len(cells), len(p.columns))
	}
	return cells
}

// checkCells compares cells by their printed form.
func checkCells(t *testing.T, kind string, cells []any, want ...any) {
	t.Helper()
	if len(cells) != len(want) {
		t.Fatalf("%s: cells %v, want %v", kind, cells, want)
	}
	for i := range want {
		if g, w := fmt.Sprint(cells[i]), fmt.Sprint(want[i]); g != w {
			t.Errorf("%s cell %d = %q, want %q (all %v)", kind, i, g, w, cells)
		}
	}
}
