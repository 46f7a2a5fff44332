package reports

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kubetwin/kubetwin/sim"
)

const podsHeader = "name,namespace,workload,node,created,scheduled,started,ready,terminating,finished,phase\n"

const nodesHeader = "node,pool,zone,ready,cpu_allocatable,cpu_requested,memory_allocatable,memory_requested,pods\n"

// Bad input names the file and the line, and says what is wrong.
func TestParseErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, file, content string
		line                int
		want                string
	}{
		{"pods: not a number", sim.PodsFile, podsHeader + "a,d,w,n,1.000,,,,,,Pending\nb,d,w,n,abc,,,,,,Pending\n",
			3, `column created: "abc" is not a number`},
		{"pods: empty creation", sim.PodsFile, podsHeader + "a,d,w,n,,,,,,,Pending\n", 2, "column created is empty"},
		{"pods: before creation", sim.PodsFile, podsHeader + "a,d,w,n,5.000,4.000,,,,,Running\n",
			2, "column scheduled: 4 is before the pod's creation at 5"},
		{"pods: wrong field count", sim.PodsFile, podsHeader + "a,d,w,n,1.000,,,,,,Pending\n\nb,d,w\n",
			4, "wrong number of fields"},
		{"pods: bare quote", sim.PodsFile, podsHeader + "a,d,w,n,1.000,,,,,,Pending\na\"b,d,w,n,1.000,,,,,,P\n",
			3, "bare \""},
		{"pods: missing column", sim.PodsFile, strings.Replace(podsHeader, ",phase", "", 1), 1, `header lacks column "phase"`},
		{"pods: duplicate column", sim.PodsFile, strings.Replace(podsHeader, "namespace", "name", 1), 1, `column "name" appears twice`},
		{"pods: empty file", sim.PodsFile, "", 0, "empty file"},
		{"series: time backwards", SeriesFile, "time,pods_pending\n0.000,1\n5.000,2\n5.000,3\n", 4,
			"time 5 is not after the previous sample's 5"},
		{"series: bad value", SeriesFile, "time,pods_pending\n0.000,1\n5.000,x\n", 3, `column pods_pending: "x" is not a number`},
		{"series: infinite value", SeriesFile, "time,pods_pending\n0.000,+Inf\n", 2, `"+Inf" is not a number`},
		{"series: bad name", SeriesFile, "time,pods_pending,\"a{b=c}\"\n", 1, `column 3: series "a{b=c}"`},
		{"series: time not first", SeriesFile, "pods_pending,time\n1,0\n", 1, `the first column is "pods_pending", not time`},
		{"nodes: bad condition", NodesFile, nodesHeader + "n1,p,z,Maybe,4,1,100,10,2\n", 2, `column ready: "Maybe" is not True, False or Unknown`},
		{"nodes: negative", NodesFile, nodesHeader + "n1,p,z,True,4,1,100,10,2\nn2,p,z,True,-4,1,100,10,2\n", 3, "column cpu_allocatable: -4 is negative"},
		{"nodes: fractional pods", NodesFile, nodesHeader + "n1,p,z,True,4,1,100,10,2.5\n", 2, "column pods: 2.5 is not a count"},
		{"summary: syntax", sim.SummaryFile, "{\n  \"scenario\": \"x\",\n  \"seed\": ,\n}\n", 3, "invalid character"},
		{"summary: type", sim.SummaryFile, "{\n  \"scenario\": \"x\",\n\n  \"seed\": \"seven\"\n}\n", 4, "cannot unmarshal"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyRun(t, fixtureDir)
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, not a ParseError", err)
			}
			if filepath.Base(pe.File) != c.file || pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want %s line %d saying %q", err, c.file, c.line, c.want)
			}
			prefix := filepath.Join(dir, c.file) + ":"
			if c.line > 0 && !strings.Contains(err.Error(), prefix+strconv.Itoa(c.line)+":") {
				t.Fatalf("err = %v; want it to start the place with %s%d:", err, prefix, c.line)
			}
		})
	}
}

// A directory without summary.json, a missing directory and a file are
// clear errors, not a report of nothing.
func TestLoadRejectsWhatIsNotARun(t *testing.T) {
	empty := t.TempDir()
	if _, err := Build(empty); !errors.Is(err, ErrNotRunDir) {
		t.Errorf("empty directory: %v", err)
	}
	if _, err := Build(filepath.Join(empty, "nope")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing directory: %v", err)
	}
	file := filepath.Join(empty, "f")
	os.WriteFile(file, nil, 0o644)
	if _, err := Build(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file: %v", err)
	}
	dir := copyRun(t, fixtureDir)
	os.Remove(filepath.Join(dir, sim.PodsFile))
	if _, err := Build(dir); err == nil || !strings.Contains(err.Error(), sim.PodsFile) {
		t.Errorf("no pods.csv: %v", err)
	}
}

func TestParseSeriesName(t *testing.T) {
	cases := []struct {
		in     string
		metric string
		labels []Label
	}{
		{"pods_pending", "pods_pending", nil},
		{`cpu_requested_ratio{pool="general"}`, "cpu_requested_ratio", []Label{{"pool", "general"}}},
		{`http_requests_total{code="200",path="/a,b"}`, "http_requests_total", []Label{{"code", "200"}, {"path", "/a,b"}}},
		{`m{a="q\"x\\y\nz",}`, "m", []Label{{"a", "q\"x\\y\nz"}}},
		{`m:sum{}`, "m:sum", nil},
	}
	for _, c := range cases {
		metric, labels, err := ParseSeriesName(c.in)
		if err != nil || metric != c.metric || !slices.Equal(labels, c.labels) {
			t.Errorf("%s: %q %v %v; want %q %v", c.in, metric, labels, err, c.metric, c.labels)
		}
	}
	for _, bad := range []string{"", "1m", "a-b", `m{a=b}`, `m{a="b"`, `m{a="b" c="d"}`, `m{a="b\q"}`, `m{="b"}`, `m{a="b}`} {
		if _, _, err := ParseSeriesName(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
