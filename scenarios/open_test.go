package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubetwin/kubetwin/core/api"
)

// smallSets shrink each embedded scenario to a CI size.
var smallSets = map[string][]string{
	"quickstart":           {"nodes=10"},
	"scheduler-basic-5000": {"nodes=100", "pods=1000"},
	"rolling-update-1000":  {"nodes=20", "replicas=100"},
	"zone-outage":          {"nodes=30", "frontend=30", "backend=15"},
	"batch-poisson":        {"nodes=20", "rate=0.5", "until=5m"},
	"day-churn":            {"nodes=30", "services=10", "frontend=20", "jobRate=0.005"},
}

func TestEmbeddedScenariosLoad(t *testing.T) {
	names := Embedded()
	if len(names) < len(smallSets) {
		t.Fatalf("Embedded() = %v, want at least %d", names, len(smallSets))
	}
	for _, name := range names {
		for _, sets := range [][]string{nil, smallSets[name]} {
			sc, err := Open(name, sets)
			if err != nil {
				t.Errorf("Open(%q, %q): %v", name, sets, err)
				continue
			}
			if sc.Name != name || sc.Path != EmbeddedPrefix+name {
				t.Errorf("Open(%q): name %q path %q", name, sc.Name, sc.Path)
			}
			if len(sc.Workloads) == 0 || len(sc.Thresholds) == 0 || sc.Description == "" {
				t.Errorf("%s: want workloads, thresholds and a description", name)
			}
		}
	}
}

func TestEmbeddedSmallSetsApply(t *testing.T) {
	sc, err := Open("scheduler-basic-5000", smallSets["scheduler-basic-5000"])
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.Cluster.Pools[0].Count; got != 100 {
		t.Errorf("nodes = %d, want 100", got)
	}
	if got := sc.Workloads[0].Arrival.Count; got != 1000 {
		t.Errorf("burst count = %d, want 1000", got)
	}
	if got := sc.Params["pods"]; got != 1000 {
		t.Errorf("Params[pods] = %#v, want int 1000", got)
	}
	found := false
	for _, th := range sc.Thresholds {
		found = found || (th.Metric == "scheduling.scheduled" && th.Value == 1000)
	}
	if !found {
		t.Errorf("thresholds %+v lack scheduling.scheduled >= 1000", sc.Thresholds)
	}
}

func TestQuickstart(t *testing.T) {
	sc, err := Open("quickstart.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := sc.Cluster.Pools[0]; p.Count != 100 || len(p.Zones) != 3 {
		t.Errorf("pool = %+v, want 100 nodes in 3 zones", p)
	}
	if sc.Duration != 30*time.Minute || sc.Seed != 1 || sc.Cluster.LeaseDuration != 40*time.Second {
		t.Errorf("duration %v seed %d lease %v", sc.Duration, sc.Seed, sc.Cluster.LeaseDuration)
	}
	kinds := []ActionKind{ActRollout, ActScale, ActFault}
	for i, a := range sc.Timeline {
		if a.Kind != kinds[i] || a.Line == 0 {
			t.Errorf("timeline[%d] = %+v, want %s with a line", i, a, kinds[i])
		}
	}
	d := sc.Workloads[0].Objects[0].(*api.Deployment)
	if d.Namespace != DefaultNamespace || d.Annotations[WorkloadAnnotation] != "web" ||
		d.Spec.Template.Annotations[WorkloadAnnotation] != "web" {
		t.Errorf("web not stamped: ns %q, %v, template %v", d.Namespace, d.Annotations, d.Spec.Template.Annotations)
	}
	if d.Spec.Strategy.RollingUpdate.MaxSurge.String() != "25%" {
		t.Errorf("maxSurge = %v", d.Spec.Strategy.RollingUpdate.MaxSurge)
	}
}

func TestOpenUnknownListsEmbedded(t *testing.T) {
	_, err := Open("no-such-scenario", nil)
	if !errors.Is(err, ErrNoScenario) {
		t.Fatalf("err = %v, want ErrNoScenario", err)
	}
	for _, name := range Embedded() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not list %q", err, name)
		}
	}
}

func TestOpenFileWithManifestFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "manifests", "web.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"+
		"spec: {containers: [{name: c, image: \"busybox:${tag}\", command: [sh, -c, 'echo ${HOME}']}]}\n")
	path := filepath.Join(dir, "s.yaml")
	writeFile(t, path, strings.Replace(base, "params: {", `params: {tag: "1.36", `, 1)+
		"workloads:\n- name: web\n  manifestFile: manifests/web.yaml\n")
	sc, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Path != path {
		t.Errorf("Path = %q, want %q", sc.Path, path)
	}
	pod := sc.Workloads[0].Objects[0].(*api.Pod)
	if pod.Namespace != "default" || pod.Annotations[WorkloadAnnotation] != "web" {
		t.Errorf("pod ns %q annotations %v", pod.Namespace, pod.Annotations)
	}
	if got := pod.Spec.Containers[0].Image; got != "busybox:1.36" {
		t.Errorf("image = %q, want the parameter substituted", got)
	}
	// ${HOME} is not a declared parameter: a manifest file keeps it.
	if got := pod.Spec.Containers[0].Command[2]; got != "echo ${HOME}" {
		t.Errorf("command = %q", got)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want a not-exist error naming the file", err)
	}
}

func TestExampleManifestsStillEmbedded(t *testing.T) {
	if got := ExampleManifests(); len(got) == 0 || got[0] != "web.yaml" {
		t.Fatalf("ExampleManifests() = %v", got)
	}
	if _, err := ExampleManifest("web.yaml"); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
